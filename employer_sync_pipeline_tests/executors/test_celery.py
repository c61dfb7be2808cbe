"""The sync under the Celery executor (SPEC §5): batch steps on two Celery workers behind this
machine's RabbitMQ (broker) and Redis (result backend), started as docs/executors.md says."""

import dagster as dg
import pytest

from employer_sync_pipeline.demo.generator import DEMO_OBSOLETE_COMPANY_IDS, generate_demo_data
from employer_sync_pipeline.orchestration.resources import INTERRUPTED_TAG

from ..support.celery_workers import celery_workers
from ..support.cli_jobs import job_processes, prepare_instance
from ..support.fault_runs import assert_same_state, report, uninterrupted_state
from ..support.platform_state import comparable_state
from ..support.runs import identities, sync_logs
from ..support.selection import full_refresh_employer_ids
from ..support.servers import require_celery_servers

BATCHES = {"fan_out_batches": {"config": {"full_refresh_batch_size": 500}}}
COUNTS = ("records_selected", "records_synced", "records_deactivated", "records_skipped", "records_failed",
          "scope_counts")


@pytest.fixture
def demo_env(sync_env, jodgig_db, monkeypatch, isolated_environment) -> dict[str, str]:
    """The demo data set (3,252 employers: seven batches of 500), and the settings a worker needs."""
    require_celery_servers()
    prepare_instance(isolated_environment)
    with jodgig_db.writer.begin() as conn:
        generate_demo_data(conn)
    obsolete = ",".join(map(str, sorted(DEMO_OBSOLETE_COMPANY_IDS)))
    monkeypatch.setenv("JODGIG_OBSOLETE_COMPANY_IDS", obsolete)
    return {**sync_env, "JODGIG_OBSOLETE_COMPANY_IDS": obsolete}


def test_two_celery_workers_reach_exactly_the_in_process_state(demo_env, platform_db, monkeypatch, tmp_path):
    with celery_workers(2, demo_env, tmp_path) as pool, job_processes(tmp_path) as start:
        run = start("employer_sync_job", pool.run_config(**BATCHES), demo_env, "celery-run")
        code = run.wait()
        output, worker_logs = run.output(), pool.logs()
    steps_per_worker = [log.count("Task execute_plan[") for log in worker_logs.split("===== ")[1:]]
    report({"exit_code": code, "steps_per_worker": steps_per_worker})

    assert code == 0, output[-4000:] + worker_logs[-4000:]
    assert all(steps_per_worker), f"each worker should have run steps: {steps_per_worker}"
    expected_state, [expected_log] = uninterrupted_state(monkeypatch)
    assert_same_state(comparable_state(platform_db.engine), expected_state)
    [log] = sync_logs(platform_db.engine)
    assert {key: log[key] for key in COUNTS} == {key: expected_log[key] for key in COUNTS}


def _fail_inserts_of(engine, user_ids: list[int]) -> None:
    """A database error (not a record's: no isolation) whenever one of ``user_ids`` is inserted."""
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE FUNCTION fail_batch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.remote_gig_user_id IN ({', '.join(map(str, user_ids))}) THEN "
            "RAISE EXCEPTION 'injected batch failure' USING ERRCODE = 'XX000'; END IF; RETURN NEW; END $$"
        )
        conn.exec_driver_sql(
            "CREATE TRIGGER fail_batch BEFORE INSERT ON identities_users FOR EACH ROW EXECUTE FUNCTION fail_batch()"
        )


def test_a_failed_batch_under_celery_fails_the_run_and_no_other_batch_writes_after_it(
    demo_env, platform_db, tmp_path
):
    """The first two batches fail at once (a database error, not a record's), so no batch may write."""
    first_ids = _employer_ids_in_batch_order(demo_env)
    _fail_inserts_of(platform_db.engine, first_ids[:1000])  # batch_0 and batch_1: the first two steps dispatched

    with celery_workers(2, demo_env, tmp_path) as pool, job_processes(tmp_path) as start:
        run = start("employer_sync_job", pool.run_config(**BATCHES), demo_env, "failing-run")
        code = run.wait()
    step_errors, tags = _step_failures_and_tags()
    refused = sorted(step for step, error in step_errors.items() if "writes nothing more" in error)
    report({"exit_code": code, "identities": len(identities(platform_db.engine)), "refused_steps": refused,
            "interrupted": tags.get(INTERRUPTED_TAG)})

    assert code != 0
    failed = {step for step, error in step_errors.items() if "injected batch failure" in error}
    assert failed and failed <= {"upsert_batch[batch_0]", "upsert_batch[batch_1]"}, step_errors
    assert tags[INTERRUPTED_TAG] in {f"upsert_batch[batch_{index}] failed (InternalError)" for index in (0, 1)}
    assert set(step_errors) == {f"upsert_batch[batch_{index}]" for index in range(7)}, step_errors
    assert len(refused) >= 5, step_errors
    assert identities(platform_db.engine) == {}, "a batch wrote after another batch of its run had failed"
    assert sync_logs(platform_db.engine) == []


def _step_failures_and_tags() -> tuple[dict[str, str], dict[str, str]]:
    """The only run on this test's instance: each failed step's error, and the run's tags."""
    with dg.DagsterInstance.get() as instance:
        [run] = instance.get_runs()
        failures = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
        errors = {entry.step_key: entry.dagster_event.step_failure_data.error.to_string() for entry in failures}
        return errors, dict(run.tags)


def _employer_ids_in_batch_order(env: dict[str, str]) -> list[int]:
    """The employers a full refresh selects, in the order its batches take them."""
    return full_refresh_employer_ids(env)
