"""The read-only webserver of docs/operating.md: people who only look see every run, and can start none."""

import os
import subprocess
from pathlib import Path

import pytest

from ..support.dagster_stack import BIN_DIR, LAUNCH_RUN_MUTATION, dagster_stack, graphql, launch_job_backfill

PROJECT = Path(__file__).resolve().parents[2]

RUNS_QUERY = """
query Runs {
  runsOrError { __typename ... on Runs { results { runId jobName status } } }
}
"""


@pytest.mark.e2e
def test_the_read_only_webserver_shows_runs_and_refuses_to_launch_one(tmp_path):
    with dagster_stack(working_dir=PROJECT, workspace=PROJECT / "workspace.yaml", start_daemon=False,
                       webserver_args=["--read-only"]) as stack:
        demo = subprocess.run([str(BIN_DIR / "employer-sync"), "demo"], cwd=tmp_path, capture_output=True, text=True,
                              env={**os.environ, "DAGSTER_HOME": str(stack.dagster_home)}, timeout=300)
        assert demo.returncode == 0, demo.stderr[-3000:]
        params = {"selector": {**stack.repository_selector(), "jobName": "employer_sync_job"},
                  "runConfigData": {"ops": {"compute_watermark": {"config": {"full_refresh": True}}}}}

        launched = graphql(stack, LAUNCH_RUN_MUTATION, {"executionParams": params})["launchRun"]
        with pytest.raises(RuntimeError, match="Unauthorized"):
            launch_job_backfill(stack, "employer_backfill_job", ["2026-03-10"])
        runs = graphql(stack, RUNS_QUERY)["runsOrError"]["results"]

    assert launched["__typename"] == "UnauthorizedError", launched
    assert [(run["jobName"], run["status"]) for run in runs] == [("employer_sync_job", "SUCCESS")]
