"""The README's production commands against a real ``dagster-daemon run -w workspace.yaml``.

The shipped ``dagster.yaml`` (PostgreSQL storage, the run queue, run monitoring) in a fresh
DAGSTER_HOME. A schedule tick launches a run that succeeds, the documented CLI backfill of two days
completes, and the queue runs one employer sync at a time.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.scheduler.instigation import InstigatorType, ScheduleInstigatorData
from sqlalchemy.engine import make_url

from ..support.runs import identities, sync_logs
from ..support.servers import create_platform_database, drop_platform_database

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TERMINAL = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}
#: README "Backfills": the CLI, a range (with -w workspace.yaml: the daemon's runs need its location name).
BACKFILL = ["job", "backfill", "-w", "workspace.yaml", "-j", "employer_backfill_job",
            "--from", "2026-03-10", "--to", "2026-03-11", "--noprompt"]


@pytest.fixture
def production_env(tmp_path, sync_env, monkeypatch):
    """The README's production environment: the shipped dagster.yaml, storage in PostgreSQL."""
    storage = create_platform_database()
    home = tmp_path / "production_home"
    home.mkdir()
    shutil.copy(PROJECT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    url = make_url(storage.url)
    env = {**sync_env, "DAGSTER_HOME": str(home), "DAGSTER_PG_USERNAME": url.username,
           "DAGSTER_PG_PASSWORD": url.password or "", "DAGSTER_PG_HOST": url.host,
           "DAGSTER_PG_PORT": str(url.port or 5432), "DAGSTER_PG_DB": url.database,
           "DAGSTER_DISABLE_TELEMETRY": "1"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        yield env
    finally:
        drop_platform_database(storage)


@contextlib.contextmanager
def daemon(env: dict[str, str], log_path: Path):
    """``dagster-daemon run -w workspace.yaml``, stopped with its run workers on exit."""
    with log_path.open("ab") as log:
        process = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"], cwd=PROJECT,
                                   env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_for(predicate, timeout: float, what: str, log_path: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(1)
    pytest.fail(f"timed out after {timeout} s waiting for {what}; daemon log:\n{log_path.read_text()[-5000:]}")


def schedule_state(instance: dg.DagsterInstance, name: str):
    states = instance.all_instigator_state(instigator_type=InstigatorType.SCHEDULE)
    return next((state for state in states if state.instigator_name == name), None)


def tick_due_now(instance: dg.DagsterInstance, name: str) -> None:
    """Make the schedule's last hourly tick due: as if it had been turned on just before that hour.

    The daemon records when it first sees a running schedule and ticks from there; an hourly
    schedule would otherwise first tick at the next full hour.
    """
    state = schedule_state(instance, name)
    last_hour = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0).timestamp()
    instance.update_instigator_state(
        state.with_data(ScheduleInstigatorData(state.instigator_data.cron_schedule, start_timestamp=last_hour - 60))
    )


@pytest.mark.e2e
def test_schedule_tick_cli_backfill_and_the_queue_under_the_production_daemon(
    production_env, jodgig, platform_db, tmp_path
):
    company = jodgig.company(created_at=datetime(2025, 1, 1), updated_at=datetime(2025, 1, 1))
    on_the_10th = jodgig.user("HQ_MANAGER", company, updated_at=datetime(2026, 3, 10, 12))
    on_the_11th = jodgig.user("OUTLET_MANAGER", company, updated_at=datetime(2026, 3, 11, 12))
    log_path = tmp_path / "daemon.log"

    with dg.DagsterInstance.get() as instance:
        # The daemon's first iteration records the schedules declared running in code.
        with daemon(production_env, log_path):
            wait_for(lambda: schedule_state(instance, "employer_sync_hourly"), 120, "the schedule's state", log_path)
        tick_due_now(instance, "employer_sync_hourly")
        backfill = subprocess.run([str(BIN / "dagster"), *BACKFILL], cwd=PROJECT, env={**os.environ, **production_env},
                                  capture_output=True, text=True, timeout=180)
        assert backfill.returncode == 0, backfill.stdout[-3000:] + backfill.stderr[-3000:]

        with daemon(production_env, log_path):
            runs = wait_for(lambda: _three_finished_employer_runs(instance), 300, "the runs", log_path)
        records = instance.get_run_records(dg.RunsFilter(tags={"employer_sync_pipeline/sync": "employer"}))

    statuses = {(run.job_name, run.tags.get("dagster/schedule_name") or run.tags.get("dagster/partition")): run.status
                for run in runs}
    assert statuses == {
        ("employer_sync_job", "employer_sync_hourly"): dg.DagsterRunStatus.SUCCESS,
        ("employer_backfill_job", "2026-03-10"): dg.DagsterRunStatus.SUCCESS,
        ("employer_backfill_job", "2026-03-11"): dg.DagsterRunStatus.SUCCESS,
    }, log_path.read_text()[-5000:]
    spans = sorted((record.start_time, record.end_time) for record in records)
    assert all(earlier[1] <= later[0] for earlier, later in zip(spans, spans[1:])), f"runs overlapped: {spans}"
    assert set(identities(platform_db.engine)) == {on_the_10th, on_the_11th}
    assert sorted(log["sync_mode"] for log in sync_logs(platform_db.engine)) == ["backfill", "backfill", "full_refresh"]


def _three_finished_employer_runs(instance: dg.DagsterInstance):
    runs = instance.get_runs(dg.RunsFilter(tags={"employer_sync_pipeline/sync": "employer"}))
    return runs if len(runs) == 3 and all(run.status in TERMINAL for run in runs) else None
