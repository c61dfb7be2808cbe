"""Runs started by the ``employer-sync`` CLI belong to their job, as the UI lists a job's runs."""

import os
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
from dagster._core.storage.dagster_run import RunsFilter
from dagster._core.storage.tags import REPOSITORY_LABEL_TAG

from employer_sync_pipeline.definitions import defs
from employer_sync_pipeline.local_instance import ensure_local_instance
from employer_sync_pipeline.orchestration.local_runs import CODE_LOCATION_NAME

from ..support.runs import identities

BIN = Path(sys.executable).parent
PROJECT = Path(__file__).resolve().parents[2]
RUN_ID = re.compile(r"run ([0-9a-f-]{36})")


def employer_sync(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None
                  ) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "employer-sync"), *args], env={**os.environ, **(env or {})}, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def runs_in_the_jobs_runs_tab(job_name: str) -> list[dg.DagsterRun]:
    """The filter of the UI's job Runs tab and Jobs list: the job's name and its repository label."""
    label = f"{defs.get_repository_def().name}@{CODE_LOCATION_NAME}"
    with dg.DagsterInstance.get() as instance:
        return list(instance.get_runs(RunsFilter(job_name=job_name, tags={REPOSITORY_LABEL_TAG: label})))


def test_a_demo_run_belongs_to_employer_sync_job(isolated_environment):
    done = employer_sync("demo")

    assert done.returncode == 0, done.stderr[-3000:]
    assert "5 failed" in done.stdout and "is_successful = False" in done.stdout
    [run] = runs_in_the_jobs_runs_tab("employer_sync_job")
    assert run.run_id == RUN_ID.search(done.stdout).group(1)
    assert run.status == dg.DagsterRunStatus.SUCCESS
    # The Overview timeline places a run by its origin's location, not by the tag.
    assert run.remote_job_origin.repository_origin.code_location_origin.location_name == CODE_LOCATION_NAME
    assert run.tags["employer_sync_pipeline/sync"] == "employer", "the job's own tags are on the run"


def test_cli_jit_runs_belong_to_their_jit_jobs(sync_env, jodgig, platform_db):
    employer = jodgig.user("HQ_MANAGER", jodgig.company())
    talent = jodgig.user("TALENT", None)

    done = {"employer": employer_sync("jit", "--employer", str(employer)),
            "talent": employer_sync("jit", "--talent", str(talent))}

    assert {sync: run.returncode for sync, run in done.items()} == {"employer": 0, "talent": 0}, done
    assert {identities(platform_db.engine)[user]["status"] for user in (employer, talent)} == {"active"}
    for sync, run in done.items():
        [listed] = runs_in_the_jobs_runs_tab(f"{sync}_jit_sync_job")
        assert listed.run_id == RUN_ID.search(run.stdout).group(1)
        assert listed.status == dg.DagsterRunStatus.SUCCESS


def test_a_failed_record_fails_the_cli_but_not_its_run(sync_env, jodgig, platform_db):
    failing = jodgig.user("HQ_MANAGER", jodgig.company(), email="nope")

    done = employer_sync("jit", "--employer", str(failing))

    assert done.returncode == 1 and "InvalidEmail" in done.stdout
    [run] = runs_in_the_jobs_runs_tab("employer_jit_sync_job")
    assert run.status == dg.DagsterRunStatus.SUCCESS, "a failed record is the op's outcome, as in the batch"


def test_without_dagster_home_the_cli_uses_the_demos_data_folder(tmp_path, monkeypatch):
    """As `make demo` and `make dev` do: ./.data, so a CLI run shows in the UI; and no warning or DEBUG noise."""
    monkeypatch.delenv("DAGSTER_HOME")

    done = employer_sync("demo", cwd=tmp_path)
    planned = employer_sync("plan", cwd=tmp_path)

    assert (done.returncode, planned.returncode) == (0, 0), done.stderr[-3000:] + planned.stderr[-3000:]
    home = tmp_path / ".data"
    assert "python_log_level: INFO" in (home / "dagster.yaml").read_text()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    run_ids = {run.run_id for run in runs_in_the_jobs_runs_tab("employer_sync_job")}
    assert run_ids == {RUN_ID.search(done.stdout).group(1), RUN_ID.search(planned.stdout).group(1)}
    for output in (done.stdout + done.stderr, planned.stdout + planned.stderr):
        assert "Warning" not in output and " DEBUG " not in output, output[-3000:]


def test_a_one_day_backfill_from_the_cli_prints_its_summary_not_a_debug_flood(isolated_environment):
    """The local instance's console is at INFO: Dagster's ~100 DEBUG lines per run stay in the event log."""
    ensure_local_instance(isolated_environment)
    done = subprocess.run([str(BIN / "dg"), "launch", "--job", "employer_backfill_job", "--partition", "2026-03-10"],
                          cwd=PROJECT, env={**os.environ, "VIRTUAL_ENV": sys.prefix}, capture_output=True, text=True,
                          timeout=300)

    assert done.returncode == 0, done.stderr[-3000:]
    output = done.stdout + done.stderr
    assert " - DEBUG - " not in output and "Warning" not in output, output[-3000:]
    assert "write_sync_log - sync log 1: " in output
