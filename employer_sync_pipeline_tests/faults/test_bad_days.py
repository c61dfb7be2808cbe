"""Bad days (SPEC §10): every wait is bounded, fails with an actionable message, and the next run converges.

Each test blocks one wait for real (a JodGig table locked by another session, platform rows
locked by another transaction, a listening socket that never answers, another run's lock),
measures the time from the block to the clear failure, asserts that it stays within its limit
plus a few seconds, and then that an undisturbed run gives what a run on an undisturbed day gives.
"""

import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from employer_sync_pipeline.db import jodgig_tables as jt
from employer_sync_pipeline.db import platform_tables as p
from employer_sync_pipeline.definitions import defs
from employer_sync_pipeline.jit import sync_employer_now

from ..support.dagster_stack import DAGSTER_YAML, dagster_stack, launch_run, run_failure_message, wait_for_run
from ..support.fault_runs import assert_same_state, report, run_in_process, uninterrupted_state
from ..support.locks import sync_lock_held_elsewhere
from ..support.platform_state import comparable_state
from ..support.runs import identities, run_errors, snapshot, sync_logs

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
#: How much later than its limit a failure may come: connection set-up, Dagster's own steps.
SLACK_SECONDS = 6


def a_small_employer_world(jodgig) -> dict[str, int]:
    company = jodgig.company()
    outlet = jodgig.outlet(company)
    owner = jodgig.user("HQ_MANAGER", company)
    manager = jodgig.user("OUTLET_MANAGER", company)
    jodgig.outlet_user(outlet, manager)
    jodgig.update(jt.companies, company, owner_user_id=owner)
    return {"company": company, "owner": owner, "manager": manager}


@pytest.fixture
def mariadb_session(jodgig_db):
    """A second, privileged MariaDB session that the test uses to hold locks."""
    conn = jodgig_db.writer.connect()
    try:
        yield conn
    finally:
        conn.exec_driver_sql("UNLOCK TABLES")
        conn.close()


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never says a word, like a hung database server."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted, stop = [], threading.Event()

    def hold_connections():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=hold_connections, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in accepted:
            conn.close()
        listener.close()


def run_in_process_with_tags(tags: dict[str, str]):
    """A run with extra tags, and the lines it logged."""
    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.get_job_def("employer_sync_job").execute_in_process(
            raise_on_error=False, tags=tags, instance=instance
        )
        return result, [entry.user_message for entry in instance.all_logs(result.run_id)]


def timed_run():
    started = time.monotonic()
    result = run_in_process()
    return result, time.monotonic() - started


def test_a_jodgig_table_locked_by_another_session_fails_the_run_within_its_limit(
    sync_env, jodgig, jodgig_db, platform_db, mariadb_session, monkeypatch
):
    a_small_employer_world(jodgig)
    monkeypatch.setenv("JODGIG_STATEMENT_TIMEOUT_SECONDS", "3")
    mariadb_session.exec_driver_sql("LOCK TABLES users WRITE")
    blocked, waited = timed_run()
    mariadb_session.exec_driver_sql("UNLOCK TABLES")
    report({"jodgig_table_locked_s": round(waited, 2)})

    assert not blocked.success
    messages = run_errors(blocked)
    assert "DatabaseTimeout" in messages, messages
    assert "JODGIG_DATABASE_URL: a SELECT on users" in messages and "JODGIG_STATEMENT_TIMEOUT_SECONDS" in messages
    assert "SHOW FULL PROCESSLIST" in messages and "reader-only-pw" not in messages
    assert waited < 3 + SLACK_SECONDS
    assert sync_logs(platform_db.engine) == [] and identities(platform_db.engine) == {}

    expected, _ = uninterrupted_state(monkeypatch)
    after, _ = timed_run()
    assert after.success, run_errors(after)
    assert_same_state(comparable_state(platform_db.engine), expected)


def test_platform_rows_locked_by_another_transaction_fail_the_batch_and_leave_no_partial_rows(
    sync_env, jodgig, platform_db, monkeypatch
):
    world = a_small_employer_world(jodgig)
    first, _ = timed_run()
    assert first.success, run_errors(first)
    jodgig.update(jt.users, world["owner"], first_name="Renamed", updated_at=jodgig.local_now())
    jodgig.update(jt.users, world["manager"], last_name="Moved", updated_at=jodgig.local_now())
    before = snapshot(platform_db.engine)
    monkeypatch.setenv("PLATFORM_LOCK_TIMEOUT_SECONDS", "2")

    with platform_db.engine.connect() as locker:
        locker.execute(sa.select(p.identities_users).with_for_update()).all()
        blocked, waited = timed_run()
        locker.rollback()
    report({"platform_rows_locked_s": round(waited, 2)})

    assert not blocked.success
    messages = run_errors(blocked)
    assert re.search(r"PLATFORM_DATABASE_URL: an? \w+ on identities_users waited 2 s for a lock", messages), messages
    assert "PLATFORM_LOCK_TIMEOUT_SECONDS" in messages and "pg_locks" in messages
    assert "'identities_users'::regclass" in messages
    assert waited < 2 + SLACK_SECONDS
    assert snapshot(platform_db.engine) == before, "a batch that timed out left rows behind"
    assert len(sync_logs(platform_db.engine)) == 1

    expected, _ = uninterrupted_state(monkeypatch)
    after, _ = timed_run()
    assert after.success, run_errors(after)
    assert_same_state(comparable_state(platform_db.engine), expected)
    assert [log["watermark_from"] is None for log in sync_logs(platform_db.engine)] == [True, False]


def test_jit_against_locked_rows_times_out_within_its_own_limit(sync_env, jodgig, platform_db):
    world = a_small_employer_world(jodgig)
    assert sync_employer_now(world["owner"]).outcome == "synced"
    jodgig.update(jt.users, world["owner"], first_name="Renamed", updated_at=jodgig.local_now())

    with platform_db.engine.connect() as locker:
        locker.execute(sa.select(p.identities_users).with_for_update()).all()
        started = time.monotonic()
        result = sync_employer_now(world["owner"])
        waited = time.monotonic() - started
        locker.rollback()
    report({"jit_locked_s": round(waited, 2)})

    assert result.outcome == "timed_out" and result.error == "DatabaseTimeout"
    assert "PLATFORM_DATABASE_URL" in result.message and "(JIT_LOCK_TIMEOUT_SECONDS)" in result.message
    assert "PLATFORM_LOCK_TIMEOUT_SECONDS" not in result.message
    assert waited < 2 + 2, "JIT waits at most JIT_LOCK_TIMEOUT_SECONDS (2 s) for a lock"
    assert identities(platform_db.engine)[world["owner"]]["first_name"] == "Ada"

    again = sync_employer_now(world["owner"])
    assert again.outcome == "synced"
    assert identities(platform_db.engine)[world["owner"]]["first_name"] == "Renamed"


@pytest.mark.parametrize(
    ("setting", "url"),
    [
        ("JODGIG_DATABASE_URL", "mysql+pymysql://sync:hush-jodgig-pw@127.0.0.1:{port}/jodgig"),
        ("PLATFORM_DATABASE_URL", "postgresql+psycopg2://sync:hush-platform-pw@127.0.0.1:{port}/platform"),
    ],
    ids=["jodgig", "platform"],
)
def test_a_server_that_never_answers_fails_the_run_within_the_connect_limit(
    sync_env, jodgig, platform_db, silent_server, monkeypatch, setting, url
):
    a_small_employer_world(jodgig)
    monkeypatch.setenv("DB_CONNECT_TIMEOUT_SECONDS", "2")
    with monkeypatch.context() as patch:
        patch.setenv(setting, url.format(port=silent_server))
        blocked, waited = timed_run()
    report({f"silent_{setting}_s": round(waited, 2)})

    assert not blocked.success
    messages = run_errors(blocked)
    assert f"{setting}: the server did not answer within 2 s (DB_CONNECT_TIMEOUT_SECONDS)" in messages, messages
    assert "hush-" not in messages
    assert waited < 2 + SLACK_SECONDS
    assert sync_logs(platform_db.engine) == []

    after, _ = timed_run()
    assert after.success, run_errors(after)
    assert len(identities(platform_db.engine)) == 2


def test_a_run_waiting_for_another_runs_lock_says_so_and_gives_up_before_its_max_runtime(
    sync_env, jodgig, platform_db, caplog
):
    a_small_employer_world(jodgig)
    with sync_lock_held_elsewhere(platform_db.engine):
        started = time.monotonic()
        blocked, logs = run_in_process_with_tags({"dagster/max_runtime": "8"})
        waited = time.monotonic() - started
    report({"lock_wait_with_max_runtime_8_s": round(waited, 2)})

    assert not blocked.success
    messages = run_errors(blocked)
    assert "still holds its lock after 4 s" in messages, messages
    waits = [line for line in logs if "waiting for the employer sync lock" in line]
    assert waits and "held by PostgreSQL session" in waits[0], logs
    assert 4 <= waited < 4 + SLACK_SECONDS
    assert sync_logs(platform_db.engine) == []

    after, _ = timed_run()
    assert after.success, run_errors(after)


MONITORED_DAGSTER_YAML = DAGSTER_YAML + """\
run_monitoring:
  enabled: true
  poll_interval_seconds: 1
"""
MAX_RUNTIME = 10


@pytest.mark.e2e
def test_the_daemon_ends_a_run_past_its_max_runtime_and_the_queue_moves_on(
    sync_env, jodgig, platform_db, mariadb_session, monkeypatch
):
    a_small_employer_world(jodgig)
    for name in ("SYNC_MAX_RUNTIME_SECONDS", "FULL_REFRESH_MAX_RUNTIME_SECONDS"):
        monkeypatch.setenv(name, str(MAX_RUNTIME))
    monkeypatch.setenv("JODGIG_STATEMENT_TIMEOUT_SECONDS", "300")
    expected, _ = uninterrupted_state(monkeypatch)

    with dagster_stack(working_dir=PROJECT, workspace=PROJECT / "workspace.yaml",
                       dagster_yaml=MONITORED_DAGSTER_YAML) as stack:
        mariadb_session.exec_driver_sql("LOCK TABLES users WRITE")
        started = time.monotonic()
        stuck = launch_run(stack, "employer_sync_job")
        queued = launch_run(stack, "employer_sync_job")
        stuck_status = wait_for_run(stack, stuck, timeout=MAX_RUNTIME + 60)
        ended_after = time.monotonic() - started
        mariadb_session.exec_driver_sql("UNLOCK TABLES")
        queued_status = wait_for_run(stack, queued, timeout=120)
        ended_message = run_failure_message(stack, stuck)
    report({"max_runtime_s": MAX_RUNTIME, "stuck_run_ended_after_s": round(ended_after, 2)})

    # FAILURE when the monitor marks it, CANCELED when the worker acknowledges the termination first.
    assert stuck_status in ("FAILURE", "CANCELED"), stack.logs()
    assert f"maximum runtime of {MAX_RUNTIME} seconds" in ended_message
    assert ended_after < MAX_RUNTIME + 30, "includes the run worker's start-up and the monitor's poll"
    assert queued_status == "SUCCESS", stack.logs()
    assert [log["run_id"] for log in sync_logs(platform_db.engine)] == [queued]
    assert_same_state(comparable_state(platform_db.engine), expected)


def test_a_jit_whose_platform_never_answers_is_timed_out_by_the_jit_limit(sync_env, jodgig, platform_db, silent_server):
    """The login's sync gives up within JIT_TIMEOUT_SECONDS (5 s, under DB_CONNECT_TIMEOUT_SECONDS): an outcome."""
    user = jodgig.user("HQ_MANAGER", jodgig.company())
    env = {**os.environ, **sync_env,
           "PLATFORM_DATABASE_URL": f"postgresql+psycopg2://sync:hush-platform-pw@127.0.0.1:{silent_server}/platform"}
    started = time.monotonic()
    done = subprocess.run([str(BIN / "employer-sync"), "jit", "--employer", str(user)], env=env,
                          capture_output=True, text=True, timeout=120)
    waited = time.monotonic() - started
    report({"jit_silent_platform_cli_s": round(waited, 2)})

    output = done.stdout + done.stderr
    assert done.returncode == 3, output[-3000:]
    assert f"user {user}: timed_out" in done.stdout
    assert "PLATFORM_DATABASE_URL: the server did not answer within 5 s (JIT_TIMEOUT_SECONDS)" in done.stdout
    assert "Traceback" not in output and "hush-" not in output
    # The run's own time, as the CLI prints it: the CLI's start-up (imports) varies with the machine.
    run_seconds = int(re.search(rf"user {user}: timed_out, .*\((\d+) ms, run ", done.stdout).group(1)) / 1000
    report({"jit_silent_platform_run_s": run_seconds})
    assert run_seconds < 5 + SLACK_SECONDS, done.stdout
