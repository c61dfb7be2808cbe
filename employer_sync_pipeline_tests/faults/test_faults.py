"""Fault injection against real servers and real ``dagster job execute`` processes (SPEC §4–§5).

A run that cannot finish must fail loudly, write no sync log row, and leave the platform in a
state that the next run repairs: after its platform sessions are terminated, or the process is
SIGKILLed, half-way through the batches, one more run gives exactly what a single uninterrupted
run gives (compared table by table on remote keys, against a second fresh platform database).
An unreachable JodGig fails the run at once, naming the setting and hiding the password. Two
runs started together (bypassing the run queue) must not race: the advisory lock held by
``SyncRunLock`` serialises them, a run that cannot take it stops cleanly, a run that loses it
stops, and a finished run does not take it again.

The interrupted runs use the demo data set (scale 2) in batches of 200, so that they last a few
seconds. Every test bounds its waits and SIGKILLs the process group of whatever it started.
"""

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO

import dagster as dg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from employer_sync_pipeline.db import jodgig_tables as jt
from employer_sync_pipeline.db import platform_tables as p
from employer_sync_pipeline.db.engines import APPLICATION_NAME
from employer_sync_pipeline.db.locks import lock_key
from employer_sync_pipeline.demo.generator import DEMO_OBSOLETE_COMPANY_IDS, generate_demo_data
from employer_sync_pipeline.domain.batching import batched
from employer_sync_pipeline.domain.mapping import normalise_email
from employer_sync_pipeline.domain.scope import EMPLOYER_ROLES
from employer_sync_pipeline.orchestration.resources import JodgigDatabase, PlatformDatabase, SyncRunLock
from employer_sync_pipeline.orchestration.sentry import SentryResource

from ..support.demo_repair import repair_rejected_emails
from ..support.locks import sync_lock_held_elsewhere
from ..support.selection import full_refresh_employer_ids
from ..support.fault_runs import assert_same_state, report, run_in_process, uninterrupted_state
from ..support.platform_state import comparable_state
from ..support.runs import identities, run_errors, sync_logs

DAGSTER = str(Path(sys.executable).parent / "dagster")
JOB_ARGS = ("job", "execute", "-m", "employer_sync_pipeline.definitions", "-j", "employer_sync_job")
SCALE = 2  # the demo data set twice over: 6,504 employers, 10 of them permanently failing
SMALL_BATCHES = 200  # a CLI run on the demo at scale 2 then lasts a few seconds, in tens of batches
IDENTITIES_BEFORE_THE_FAULT = 500  # of 3,354: the lock session dies a few batches into the run
RUN_CONFIG_YAML = (
    "ops:\n  fan_out_batches:\n    config:\n"
    f"      batch_size: {SMALL_BATCHES}\n      full_refresh_batch_size: {SMALL_BATCHES}\n"
)
LOCK_HELD_MESSAGE = "sync still holds its lock"
WAITING_MESSAGE = "waiting for the employer sync lock, held by"
LOCK_KEY = lock_key("sync:employer")
#: How pg_locks shows that bigint advisory key: its high and low 32 bits as classid and objid.
LOCK_IDS = {"classid": (LOCK_KEY & 0xFFFF_FFFF_FFFF_FFFF) >> 32, "objid": LOCK_KEY & 0xFFFF_FFFF}
#: Terminates every platform session of the sync, but only at a moment when one of them is inside a
#: transaction (a batch being written): one statement, so the check and the kill see one snapshot.
TERMINATE_SYNC_SESSIONS_MID_TRANSACTION = sa.text("""
    WITH sync AS (
        SELECT pid, state, xact_start FROM pg_stat_activity
        WHERE application_name LIKE :application AND datname = current_database() AND pid <> pg_backend_pid()
    )
    SELECT pid, state, pg_terminate_backend(pid) FROM sync
    WHERE EXISTS (SELECT 1 FROM sync WHERE xact_start IS NOT NULL AND state <> 'idle')
""")
#: The session holding the sync's advisory lock.
LOCK_HOLDER = sa.text("""
    SELECT pid FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND objsubid = 1
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND classid = CAST(:classid AS oid) AND objid = CAST(:objid AS oid)
""")


# --------------------------------------------------------------------------------------------
# helpers


@dataclass
class DagsterProcess:
    """A ``dagster`` CLI process in its own session (process group), its output in a file."""

    name: str
    popen: subprocess.Popen
    log_path: Path
    log_file: IO[str]
    started: float = field(default_factory=time.monotonic)
    elapsed: float | None = None
    _reader: IO[str] | None = None
    _carry: str = ""

    def has_logged(self, text: str) -> bool:
        """Has the output shown ``text`` yet? Reads only what is new since the last call."""
        if self._reader is None:
            self._reader = self.log_path.open(errors="replace")
        window = self._carry + self._reader.read()
        self._carry = window[-len(text):]
        return text in window

    def wait(self, timeout: float) -> int:
        try:
            code = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"{self.name} did not finish within {timeout} s; killed it. Output:\n{self.tail()}")
        self.elapsed = self.elapsed or time.monotonic() - self.started
        return code

    def running(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group (only while its leader, our child, is still running)."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.popen.wait(timeout=30)

    def output(self) -> str:
        self.log_file.flush()
        return self.log_path.read_text(errors="replace")

    def tail(self, chars: int = 4000) -> str:
        return self.output()[-chars:]


@pytest.fixture
def dagster_cli(tmp_path, isolated_environment):
    """Start ``dagster`` CLI processes; every one still running at teardown is SIGKILLed."""
    (isolated_environment / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    started: list[DagsterProcess] = []

    def launch(*args: str, env: dict[str, str], name: str = "dagster") -> DagsterProcess:
        log_path = tmp_path / f"{name}-{len(started)}.log"
        log_file = log_path.open("w")
        popen = subprocess.Popen(
            [DAGSTER, *args], env={**os.environ, **env}, stdout=log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        process = DagsterProcess(name, popen, log_path, log_file)
        started.append(process)
        return process

    try:
        yield launch
    finally:
        for process in started:
            try:
                process.kill()
            finally:
                process.log_file.close()
                if process._reader is not None:
                    process._reader.close()


def wait_until(predicate, timeout: float, what: str, interval: float = 0.05, process: DagsterProcess | None = None):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if process is not None and not process.running():
            pytest.fail(f"{process.name} exited ({process.popen.returncode}) before {what}:\n{process.tail()}")
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def count_rows(engine: Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def load_demo(jodgig_db, scale: int, monkeypatch, repair_emails: bool = False) -> dict[str, str]:
    """The demo data set at ``scale``; returns the settings a run needs beyond ``sync_env``."""
    with jodgig_db.writer.begin() as conn:
        generate_demo_data(conn, scale=scale)
        if repair_emails:
            repair_rejected_emails(conn)
    obsolete = ",".join(str(company_id) for company_id in sorted(DEMO_OBSOLETE_COMPANY_IDS))
    monkeypatch.setenv("JODGIG_OBSOLETE_COMPANY_IDS", obsolete)
    return {"JODGIG_OBSOLETE_COMPANY_IDS": obsolete}


def write_run_config(tmp_path: Path) -> str:
    path = tmp_path / "small_batches.yaml"
    path.write_text(RUN_CONFIG_YAML)
    return str(path)


def full_refresh_batches(batch_size: int) -> list[tuple[int, ...]]:
    """The batches a full refresh fans out, computed as the job does (settings from the environment)."""
    return list(batched(full_refresh_employer_ids(), batch_size))


def batch_with_a_shared_email(writer: Engine, batches: list[tuple[int, ...]]) -> tuple[int, int, int]:
    """(batch index, user, later user): the first batch holding one of two employers with the same
    e-mail whose other holder comes in a later batch. Before SPEC §3's run-wide rule, write order
    decided which one kept it; the fault still lands where that decision used to be taken."""
    users = jt.users
    with writer.connect() as conn:
        rows = conn.execute(sa.select(users.c.id, users.c.email).where(users.c.role.in_(EMPLOYER_ROLES))).all()
    holders: dict[str, list[int]] = {}
    for user_id, raw in rows:
        if (email := normalise_email(raw)) is not None:
            holders.setdefault(email, []).append(user_id)
    batch_of = {user_id: index for index, batch in enumerate(batches) for user_id in batch}
    candidates = []
    for ids in holders.values():
        in_scope = sorted((batch_of[user_id], user_id) for user_id in ids if user_id in batch_of)
        if len(in_scope) > 1 and in_scope[0][0] < in_scope[1][0]:
            candidates.append((in_scope[0][0], in_scope[0][1], in_scope[1][1]))
    assert candidates, "the demo data set has no e-mail shared across batches"
    return min(candidates)


def open_sync_transaction(engine: Engine) -> bool:
    """Is one of the sync's platform sessions inside a transaction (writing a batch) right now?"""
    query = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE :application "
        "AND datname = current_database() AND xact_start IS NOT NULL AND state <> 'idle'"
    )
    with engine.connect() as conn:
        return conn.execute(query, {"application": APPLICATION_NAME + "%"}).scalar_one() > 0


def sync_sessions(engine: Engine) -> list:
    query = sa.text(
        "SELECT pid FROM pg_stat_activity WHERE application_name LIKE :application AND datname = current_database()"
    )
    with engine.connect() as conn:
        return conn.execute(query, {"application": APPLICATION_NAME + "%"}).all()


def interrupt_mid_run(dagster_cli, env, platform_engine, tmp_path, interrupt, after_identities: int = 1) -> dict:
    """Start a CLI run in small batches, let it write some identities, ``interrupt`` it, wait for its end."""
    process = dagster_cli(*JOB_ARGS, "-c", write_run_config(tmp_path), env=env, name="interrupted")
    wait_until(lambda: count_rows(platform_engine, p.identities_users) >= after_identities, 90,
               f"{after_identities} identities", process=process)
    figures = interrupt(process) or {}
    figures["killed_at_s"] = round(time.monotonic() - process.started, 2)
    figures["identities_at_kill"] = count_rows(platform_engine, p.identities_users)
    figures["exit_code"] = process.wait(timeout=60)
    figures["exited_at_s"] = round(process.elapsed, 2)
    figures["identities_after_exit"] = count_rows(platform_engine, p.identities_users)
    figures["output"] = process.output()
    return figures


def aim_at_the_batch_with_a_shared_email(jodgig_db) -> tuple[str, tuple[int, int]]:
    """The step to hit, and the two employers sharing an e-mail that it decides between."""
    target, first_holder, later_holder = batch_with_a_shared_email(
        jodgig_db.writer, full_refresh_batches(SMALL_BATCHES)
    )
    return f"upsert_batch[batch_{target}]", (first_holder, later_holder)


def wait_for_step_start(process: DagsterProcess, step: str) -> None:
    wait_until(lambda: process.has_logged(f'Started execution of step "{step}"'), 60, f"{step} to start",
               interval=0.002, process=process)


def failed_steps(output: str) -> list[str]:
    steps = set(re.findall(r'Execution of step "(upsert_batch\[batch_(\d+)\])" failed', output))
    return [name for name, _ in sorted(steps, key=lambda step: int(step[1]))]


# --------------------------------------------------------------------------------------------
# 1. the platform connections are killed mid-run


def _batch_index(step_key: str) -> int:
    return int(step_key.rsplit("_", 1)[1].rstrip("]"))


def test_platform_connections_killed_mid_batch_fail_the_run_and_the_next_run_converges(
    sync_env, jodgig_db, platform_db, dagster_cli, monkeypatch, tmp_path
):
    """The sync's platform sessions are terminated while a batch is being written.

    The fault is aimed at a batch holding one of two employers with one e-mail (the demo has two
    such pairs per scale unit), whose address the run's last step decides; the run after the fault
    must end in exactly the same platform as an uninterrupted run.
    """
    env = {**sync_env, **load_demo(jodgig_db, scale=SCALE, monkeypatch=monkeypatch)}
    step, (first_holder, later_holder) = aim_at_the_batch_with_a_shared_email(jodgig_db)

    def terminate_sync_sessions_while_the_batch_writes(process):
        wait_for_step_start(process, step)

        def attempt():
            with platform_db.engine.connect() as conn:
                return conn.execute(TERMINATE_SYNC_SESSIONS_MID_TRANSACTION, {"application": APPLICATION_NAME + "%"}).all()

        killed = wait_until(attempt, 60, "a sync session inside a transaction", interval=0.001, process=process)
        return {"target": step, "shared_email_holders": (first_holder, later_holder),
                "sessions_terminated": [(pid, state) for pid, state, done in killed if done]}

    figures = interrupt_mid_run(
        dagster_cli, env, platform_db.engine, tmp_path, terminate_sync_sessions_while_the_batch_writes
    )
    output = figures["output"]
    figures["failed_steps"] = failed_steps(output)
    figures["holder_after_the_failed_run"] = sorted(set(identities(platform_db.engine)) & {first_holder, later_holder})
    report(figures)

    assert figures["sessions_terminated"]
    assert figures["exit_code"] != 0, f"the run survived its platform sessions being terminated:\n{output[-4000:]}"
    # The batch in flight fails (or, when the kill lands just as it commits, the next one), and
    # every later batch refuses to write, so the next run continues from a prefix of this one.
    first_failed = figures["failed_steps"][0]
    assert _batch_index(first_failed) in (_batch_index(step), _batch_index(step) + 1), figures["failed_steps"]
    # It says what failed: the step, the op, and the lost connection.
    [run_failure] = [line for line in output.splitlines() if " - RUN_FAILURE - " in line]
    assert "Steps failed: [" in run_failure and f"'{first_failed}'" in run_failure, run_failure
    assert 'Error occurred while executing op "upsert_batch"' in output
    lost_connection = "OperationalError" in output and (
        "terminating connection" in output or "server closed the connection" in output
    )
    assert lost_connection or "lost its lock" in output, output[-4000:]
    assert "reader-only-pw" not in output
    # The demo's bad e-mails make every finished run unsuccessful; the killed run wrote no row at all.
    assert sync_logs(platform_db.engine) == []

    result = run_in_process()
    assert result.success, run_errors(result)
    [log] = sync_logs(platform_db.engine)
    assert log["sync_mode"] == "full_refresh" and log["run_id"] == result.run_id
    expected_state, [expected_log] = uninterrupted_state(monkeypatch)
    assert 0 < figures["identities_at_kill"] < len(expected_state["identities"])
    assert_same_state(comparable_state(platform_db.engine), expected_state)
    assert {k: v for k, v in log.items() if k.startswith("records_") or k == "scope_counts"} == {
        k: v for k, v in expected_log.items() if k.startswith("records_") or k == "scope_counts"
    }
    assert not log["is_successful"] and log["records_failed"] == 5 * SCALE


def test_a_run_whose_lock_session_is_killed_stops_instead_of_running_unlocked(
    sync_env, jodgig_db, platform_db, dagster_cli, monkeypatch, tmp_path
):
    """Only the session holding the run lock dies (a DBA, an idle-session timeout, a proxy, a failover).

    The run no longer holds the lock, so a second run can take it and race on the watermark
    (SPEC §5). It must stop, writing no sync log row, rather than finish unprotected.
    """
    env = {**sync_env, **load_demo(jodgig_db, scale=SCALE, monkeypatch=monkeypatch)}

    def terminate_the_lock_session(process):
        with platform_db.engine.connect() as conn:
            [holder] = conn.execute(LOCK_HOLDER, LOCK_IDS).scalars().all()
            assert conn.execute(sa.select(sa.func.pg_terminate_backend(holder))).scalar_one()
        time.sleep(0.5)
        with platform_db.engine.connect() as conn:
            holders_after = conn.execute(LOCK_HOLDER, LOCK_IDS).scalars().all()
        return {"lock_session_terminated": holder, "lock_holders_after": holders_after,
                "run_still_going": process.running()}

    figures = interrupt_mid_run(dagster_cli, env, platform_db.engine, tmp_path, terminate_the_lock_session,
                                after_identities=IDENTITIES_BEFORE_THE_FAULT)
    logs = sync_logs(platform_db.engine)
    report({**figures, "sync_log_rows": [(log["id"], log["run_id"]) for log in logs]})

    assert figures["exit_code"] != 0, (
        f"the run lost its lock at {figures['killed_at_s']} s (holders afterwards: {figures['lock_holders_after']}), "
        f"went on writing ({figures['identities_at_kill']} → {figures['identities_after_exit']} identities) "
        f"unprotected, exited {figures['exit_code']} and wrote sync log rows {[log['id'] for log in logs]}"
    )
    assert logs == []


# --------------------------------------------------------------------------------------------
# 2. JodGig unreachable at the start


def test_unreachable_jodgig_fails_fast_naming_the_setting_without_the_password(
    sync_env, jodgig, platform_db, dagster_cli
):
    jodgig.user("HQ_MANAGER", jodgig.company())
    first = run_in_process()
    assert first.success, run_errors(first)
    before = sync_logs(platform_db.engine)
    assert len(before) == 1
    password = "Fault-Inj3ction-pw"
    wrong_port = make_url(sync_env["JODGIG_DATABASE_URL"]).set(port=1, password=password)
    env = {**sync_env, "JODGIG_DATABASE_URL": wrong_port.render_as_string(hide_password=False)}

    process = dagster_cli(*JOB_ARGS, env=env, name="unreachable")
    code = process.wait(timeout=60)
    output = process.output()
    report({"exit_code": code, "elapsed_s": round(process.elapsed, 2)})

    assert code != 0, output[-4000:]
    assert process.elapsed < 30, f"took {process.elapsed:.1f} s to give up"
    assert "cannot connect to the database in JODGIG_DATABASE_URL" in output, output[-4000:]
    assert "RUN_FAILURE" in output
    assert password not in output
    assert sync_logs(platform_db.engine) == before


# --------------------------------------------------------------------------------------------
# 3. SIGKILL mid-run


def test_a_run_killed_with_sigkill_mid_batch_is_repaired_exactly_by_the_next_run(
    sync_env, jodgig_db, platform_db, dagster_cli, monkeypatch, tmp_path
):
    env = {**sync_env, **load_demo(jodgig_db, scale=SCALE, monkeypatch=monkeypatch)}
    # The batch of test 1: after a SIGKILL no later batch runs, so its order cannot change.
    step, holders = aim_at_the_batch_with_a_shared_email(jodgig_db)

    def sigkill_mid_batch(process):
        wait_for_step_start(process, step)
        wait_until(lambda: open_sync_transaction(platform_db.engine), 60, "a batch being written",
                   interval=0.001, process=process)
        os.killpg(process.popen.pid, signal.SIGKILL)
        return {"target": step, "shared_email_holders": holders}

    figures = interrupt_mid_run(dagster_cli, env, platform_db.engine, tmp_path, sigkill_mid_batch)
    figures["holder_after_the_killed_run"] = sorted(set(identities(platform_db.engine)) & set(holders))
    report(figures)

    assert figures["exit_code"] == -signal.SIGKILL
    assert f'Finished execution of step "{step}"' not in figures["output"], f"the kill was aimed at {step}"
    assert "RUN_SUCCESS" not in figures["output"]
    assert sync_logs(platform_db.engine) == []
    # The killed process's sessions end (rolling back its open batch, releasing its lock).
    wait_until(lambda: not sync_sessions(platform_db.engine), 30, "the killed run's sessions to end")

    result = run_in_process()
    assert result.success, run_errors(result)
    [log] = sync_logs(platform_db.engine)
    assert log["sync_mode"] == "full_refresh"
    expected_state, [expected_log] = uninterrupted_state(monkeypatch)
    assert 0 < figures["identities_at_kill"] < len(expected_state["identities"])
    assert_same_state(comparable_state(platform_db.engine), expected_state)
    assert {k: v for k, v in log.items() if k.startswith("records_") or k == "scope_counts"} == {
        k: v for k, v in expected_log.items() if k.startswith("records_") or k == "scope_counts"
    }


# --------------------------------------------------------------------------------------------
# 4. two runs at once, and the lock itself


def test_two_cli_runs_started_together_do_not_race(
    sync_env, jodgig_db, platform_db, dagster_cli, monkeypatch, tmp_path
):
    # E-mails repaired: runs succeed, so the second one is incremental from the first's watermark.
    env = {**sync_env, **load_demo(jodgig_db, scale=SCALE, monkeypatch=monkeypatch, repair_emails=True)}
    config = write_run_config(tmp_path)
    # Two processes creating a fresh instance's SQLite storage at once race on its DDL (a Dagster
    # matter, not the sync's); an operator's instance exists already, so create it first.
    with dg.DagsterInstance.get() as instance:
        instance.get_runs(limit=1)

    runs = [dagster_cli(*JOB_ARGS, "-c", config, env=env, name=f"together-{n}") for n in (1, 2)]
    codes = [run.wait(timeout=120) for run in runs]
    outputs = [run.output() for run in runs]
    logs = sync_logs(platform_db.engine)
    report({"exit_codes": codes, "elapsed_s": [round(run.elapsed, 2) for run in runs],
            "waited_for_the_lock": [WAITING_MESSAGE in output for output in outputs],
            "sync_logs": [(log["sync_mode"], str(log["watermark_from"]), str(log["watermark_to"]),
                           str(log["started_at"]), str(log["finished_at"])) for log in logs]})

    if codes == [0, 0]:
        assert len(logs) == 2
        first, second = sorted(logs, key=lambda log: log["started_at"])
        assert second["started_at"] >= first["finished_at"], "the two runs overlapped"
        assert first["sync_mode"] == "full_refresh" and first["watermark_from"] is None
        assert second["sync_mode"] == "incremental"
        assert second["watermark_from"] == first["watermark_to"] - timedelta(minutes=10)
    else:
        assert sorted(codes)[0] == 0 and sorted(codes)[1] != 0, codes
        failed = outputs[codes.index(sorted(codes)[1])]
        assert LOCK_HELD_MESSAGE in failed, failed[-4000:]
        assert len(logs) == 1
    for log in logs:  # each row was written by one of the two processes (a waiting one names the other's run)
        assert sum(f"sync log {log['id']}: " in output for output in outputs) == 1
    assert all(log["is_successful"] for log in logs), [log["fail_log"] for log in logs]
    last = max(logs, key=lambda log: log["id"])
    assert last["watermark_to"] == max(log["watermark_to"] for log in logs)

    expected_state, _ = uninterrupted_state(monkeypatch)
    actual_state = comparable_state(platform_db.engine)
    assert {t: len(rows) for t, rows in actual_state.items()} == {t: len(rows) for t, rows in expected_state.items()}
    assert_same_state(actual_state, expected_state)


def _lock_resources(wait_seconds: int) -> dict:
    return {"jodgig_db": JodgigDatabase(), "platform_db": PlatformDatabase(), "sentry": SentryResource(),
            "sync_lock": SyncRunLock(wait_seconds=wait_seconds)}


def test_a_run_that_cannot_take_the_lock_stops_cleanly_and_the_next_one_runs(sync_env, jodgig, platform_db):
    company = jodgig.company()
    owner = jodgig.user("HQ_MANAGER", company)
    jodgig.user("OUTLET_MANAGER", company)

    with sync_lock_held_elsewhere(platform_db.engine):
        started = time.monotonic()
        blocked = run_in_process(**_lock_resources(wait_seconds=2))
        waited = time.monotonic() - started
    report({"blocked_run_s": round(waited, 2)})

    assert not blocked.success
    messages = run_errors(blocked)
    assert "SyncAlreadyRunning" in messages and LOCK_HELD_MESSAGE in messages, messages
    assert "stopped before reading or writing anything" in messages
    assert 2 <= waited < 30
    assert sync_logs(platform_db.engine) == [] and identities(platform_db.engine) == {}

    released = run_in_process(**_lock_resources(wait_seconds=2))
    assert released.success, run_errors(released)
    [log] = sync_logs(platform_db.engine)
    assert log["is_successful"] and log["records_synced"] == 2 and log["run_id"] == released.run_id
    assert identities(platform_db.engine)[owner]["status"] == "active"


def test_a_finished_cli_run_does_not_wait_for_the_lock_again(sync_env, jodgig, platform_db, dagster_cli):
    """Once its run is over, ``dagster job execute`` must exit, whoever takes the lock next.

    The CLI builds the job's resources once more after the run, for its result object; a lock
    taken in ``SyncRunLock.setup_for_execution`` then makes a finished run queue behind the next
    run (up to ``wait_seconds``, 600 s by default, then a false "stopped before reading or
    writing anything" failure).
    """
    jodgig.user("HQ_MANAGER", jodgig.company())
    process = dagster_cli(*JOB_ARGS, env=sync_env, name="finished")
    wait_until(lambda: sync_logs(platform_db.engine), 60, "the run's sync log row", interval=0.002, process=process)

    holder = platform_db.engine.connect()

    def take_the_lock() -> bool:
        taken = holder.execute(sa.select(sa.func.pg_try_advisory_lock(LOCK_KEY))).scalar_one()
        holder.commit()
        return taken

    try:
        # The next run takes the lock as soon as this one lets it go.
        wait_until(take_the_lock, 30, "the lock to be free", interval=0.001)
        taken_while_running = process.running()
        try:
            process.popen.wait(timeout=10)
            hung = False
        except subprocess.TimeoutExpired:
            hung = True
    finally:
        holder.execute(sa.select(sa.func.pg_advisory_unlock(LOCK_KEY)))
        holder.commit()
        holder.close()
    code = process.wait(timeout=30)
    output = process.output()
    after_the_run = output[output.index("RUN_SUCCESS"):] if "RUN_SUCCESS" in output else ""
    report({"lock_taken_while_cli_running": taken_while_running, "cli_hung_while_lock_held": hung,
            "exit_code": code, "exited_at_s": round(process.elapsed, 2),
            "waited_after_run_success": WAITING_MESSAGE in after_the_run})

    assert "RUN_SUCCESS" in output and len(sync_logs(platform_db.engine)) == 1
    assert not hung and WAITING_MESSAGE not in after_the_run, (
        "the run had finished, yet its CLI process waited for the sync lock again:\n" + after_the_run[-3000:]
    )
    assert code == 0
