"""A long-lived process (a run worker, a Celery worker, the CLI) leaves no platform session behind a run."""

import dagster as dg
import sqlalchemy as sa

from employer_sync_pipeline.db.engines import APPLICATION_NAME
from employer_sync_pipeline.orchestration.local_runs import execute_job_here

from ..support.runs import run_employer_sync

SYNC_SESSIONS = sa.text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE :name"
)


def sync_sessions(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(SYNC_SESSIONS, {"name": APPLICATION_NAME + "%"}).scalar_one()


def test_many_runs_in_one_process_leave_no_sessions(sync_env, jodgig, platform_db, isolated_environment):
    jodgig.user("HQ_MANAGER", jodgig.company())
    (isolated_environment / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    after = []
    with dg.DagsterInstance.get() as instance:
        for _ in range(3):
            with execute_job_here("employer_sync_job", {}, instance) as result:  # the run's own executor and lock
                assert result.success
            after.append(sync_sessions(platform_db.engine))
    for _ in range(3):
        run_employer_sync()  # execute_in_process: the resource takes the lock
        after.append(sync_sessions(platform_db.engine))

    assert after == [0] * 6
