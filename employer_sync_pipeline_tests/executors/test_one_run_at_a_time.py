"""One run at a time for the whole run, and no plan, under the parallel executors (SPEC §5).

Two ``dagster job execute`` processes bypass the run queue; the run's own process holds the
sync's lock from before its first step to after its last, so the second run waits for the first
to end, whichever executor the first one's steps run on.
"""

import contextlib
from collections.abc import Iterator

import pytest

from employer_sync_pipeline.demo.generator import DEMO_OBSOLETE_COMPANY_IDS, generate_demo_data

from ..support.celery_workers import celery_workers
from ..support.cli_jobs import job_processes, prepare_instance, wait_until
from ..support.fault_runs import report
from ..support.locks import sync_lock_held_elsewhere
from ..support.runs import identities, snapshot, sync_logs
from ..support.servers import RABBITMQ_URL, REDIS_URL, require_celery_servers

SMALL_BATCHES = {"fan_out_batches": {"config": {"full_refresh_batch_size": 200, "batch_size": 200}}}
MULTIPROCESS = {"multiprocess": {"max_concurrent": 2, "start_method": {"forkserver": {}}}}
WAITING_MESSAGE = "waiting for the employer sync lock, held by"


@pytest.fixture
def demo_env(sync_env, jodgig_db, monkeypatch, isolated_environment) -> dict[str, str]:
    """The demo data set twice over (6,504 employers), in batches of 200: a run of a few seconds."""
    prepare_instance(isolated_environment)
    with jodgig_db.writer.begin() as conn:
        generate_demo_data(conn, scale=2)
    obsolete = ",".join(map(str, sorted(DEMO_OBSOLETE_COMPANY_IDS)))
    monkeypatch.setenv("JODGIG_OBSOLETE_COMPANY_IDS", obsolete)
    return {**sync_env, "JODGIG_OBSOLETE_COMPANY_IDS": obsolete}


@pytest.mark.parametrize("executor", ["multiprocess", "celery"])
def test_a_second_run_writes_nothing_until_the_first_ends(executor, demo_env, platform_db, tmp_path):
    if executor == "celery":
        require_celery_servers()
    with _execution(executor, demo_env, tmp_path) as execution, job_processes(tmp_path) as start:
        first = start("employer_sync_job", {"execution": {"config": execution}, "ops": SMALL_BATCHES}, demo_env,
                      "first")
        wait_until(lambda: identities(platform_db.engine) or not first.running(), 120, "the first run's writes")
        second = start("employer_sync_job", {"ops": SMALL_BATCHES}, demo_env, "second")
        codes = [first.wait(), second.wait()]
        outputs = [first.output(), second.output()]
    logs = sorted(sync_logs(platform_db.engine), key=lambda log: log["id"])
    report({"executor": executor, "exit_codes": codes,
            "sync_logs": [(str(log["started_at"]), str(log["finished_at"])) for log in logs]})

    assert codes == [0, 0], outputs[0][-3000:] + outputs[1][-3000:]
    assert WAITING_MESSAGE in outputs[1], outputs[1][-3000:]
    first_log, second_log = logs
    assert second_log["started_at"] >= first_log["finished_at"], "the second run started while the first ran"


@pytest.mark.parametrize("executor", ["multiprocess", "celery"])
def test_a_plan_under_a_parallel_executor_is_refused_and_writes_nothing(executor, demo_env, platform_db, tmp_path):
    execution = MULTIPROCESS if executor == "multiprocess" else {"celery": {"broker": RABBITMQ_URL, "backend": REDIS_URL}}
    run_config = {"execution": {"config": execution},
                  "ops": {"compute_watermark": {"config": {"dry_run": True, "full_refresh": True}}}}
    with job_processes(tmp_path) as start:
        plan = start("employer_sync_job", run_config, demo_env, "plan")
        code = plan.wait()
        output = plan.output()

    assert code != 0
    assert f"a plan (dry_run: true on compute_watermark) needs the in-process executor, not {executor}" in output
    assert "STEP_START" not in output
    assert all(rows == [] for rows in snapshot(platform_db.engine).values())
    assert sync_logs(platform_db.engine) == []


@contextlib.contextmanager
def _execution(executor: str, env: dict[str, str], tmp_path) -> Iterator[dict]:
    """The run's ``execution: config:``, with two Celery workers running for ``celery``."""
    if executor == "multiprocess":
        yield MULTIPROCESS
        return
    with celery_workers(2, env, tmp_path) as pool:
        yield {"celery": pool.executor_config}


def test_a_run_that_cannot_take_the_lock_gives_up_clearly_before_any_step(demo_env, platform_db, tmp_path):
    """The run's process waits at most ``sync_lock: config: wait_seconds``, naming the holder, then stops."""
    run_config = {"execution": {"config": MULTIPROCESS}, "resources": {"sync_lock": {"config": {"wait_seconds": 3}}}}
    with sync_lock_held_elsewhere(platform_db.engine), job_processes(tmp_path) as start:
        blocked = start("employer_sync_job", run_config, demo_env, "blocked")
        code = blocked.wait()
        output = blocked.output()

    assert code != 0
    assert WAITING_MESSAGE in output and "still holds its lock after 3 s" in output, output[-3000:]
    assert "stopped before reading or writing anything" in output
    assert "STEP_START" not in output
    assert all(rows == [] for rows in snapshot(platform_db.engine).values())
    assert sync_logs(platform_db.engine) == []
