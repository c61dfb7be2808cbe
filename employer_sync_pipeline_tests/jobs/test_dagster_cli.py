"""The job driven exactly as an operator would: the dagster CLI, settings in the environment."""

import os
import subprocess
import sys
from pathlib import Path

from ..support.runs import identities, sync_logs

DAGSTER = str(Path(sys.executable).parent / "dagster")


def dagster(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([DAGSTER, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=300)


def test_dagster_job_execute_syncs_with_settings_from_the_environment(sync_env, jodgig, platform_db, tmp_path):
    company = jodgig.company()
    hq = jodgig.user("HQ_MANAGER", company)
    config = tmp_path / "run_config.yaml"
    config.write_text("ops:\n  fan_out_batches:\n    config:\n      batch_size: 500\n")

    done = dagster("job", "execute", "-m", "employer_sync_pipeline.definitions", "-j", "employer_sync_job",
                   "-c", str(config), env=sync_env)

    assert done.returncode == 0, done.stderr[-3000:]
    assert "RUN_SUCCESS" in done.stderr + done.stdout
    assert identities(platform_db.engine)[hq]["status"] == "active"
    [log] = sync_logs(platform_db.engine)
    assert log["is_successful"] and log["records_synced"] == 1
    for secret_free in (done.stdout, done.stderr):
        assert "reader-only-pw" not in secret_free


def test_definitions_validate(tmp_path):
    done = dagster("definitions", "validate", "-m", "employer_sync_pipeline.definitions", env={})
    assert done.returncode == 0, done.stderr[-3000:]
