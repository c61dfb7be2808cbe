"""Secrets and personal data never leak (SPEC §8, docs/operating.md "Sentry", docs/how-it-works.md "Failed records").

Both database URLs carry a recognisable password: JodGig through a MariaDB user made for this
file, the platform through PostgreSQL's trust authentication, which accepts and ignores it.
The job then runs as an operator runs it (the ``dagster`` CLI, a fresh ``DAGSTER_HOME``), once
with a couple of failing records and once against a JodGig port nobody listens on, and the JIT
command runs for a good, a failing and an unreachable case. Neither password may appear in
their output, in any file under ``DAGSTER_HOME`` (event log, run storage, compute logs), or in
any platform row.

Sentry is captured in-process through sentry-sdk's transport hook: events carry the JodGig
user id and the ``sync`` and ``dagster_run_id`` tags, and never an e-mail, a name, a phone
number or a password, even for records whose failure naturally involves them: a duplicate
e-mail found before the write, two employers whose rows only the database rejects (with an
error text whose DETAIL contains the e-mail) and a name over 100 characters.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from employer_sync_pipeline.db import jodgig_tables as t
from employer_sync_pipeline.db import platform_tables as p
from employer_sync_pipeline.definitions import sync_jobs
from employer_sync_pipeline.orchestration.resources import JodgigDatabase, PlatformDatabase, SyncRunLock
from employer_sync_pipeline.orchestration.sentry import report_failed_runs_to_sentry

from ..support import sentry, servers
from ..support.runs import identities, sync_logs
from ..support.sentry import FAKE_DSN, CapturingSentryResource

BIN = Path(sys.executable).parent
JODGIG_USER = f"esp_leak_reader_{uuid.uuid4().hex[:8]}"  # unique: other test sessions may share the server
JODGIG_PASSWORD = "Jodgig-S3cret-Pw-7781"
PLATFORM_PASSWORD = "Platform-S3cret-Pw-4402"
WRONG_PASSWORD = "Wrong-S3cret-Pw-9931"  # sent to JodGig in one run: refused, and must not be echoed either
SECRETS = (JODGIG_PASSWORD, PLATFORM_PASSWORD, WRONG_PASSWORD)
UNUSED_PORT = 1

# Distinctive personal data: any of these found anywhere it must not be is a leak.
GOOD_EMAIL = "Quokka.Leakcheck-1@Zephyr-Mail.com"
DUPLICATE_EMAIL = "Dup.Leakcheck-7@Zephyr-Mail.com"
REJECTED_EMAILS = ("swap.alpha-leak@zephyr-mail.com", "swap.beta-leak@zephyr-mail.com")
LONG_NAME = "Xanthoriel" * 11  # 110 characters
PERSONAL_DATA = (
    "quokka.leakcheck", "dup.leakcheck", "swap.alpha-leak", "swap.beta-leak", "zephyr-mail",
    "quillonius", "vexmorrow", "brambleworth", "snorkelbane", "xanthoriel", "gloamquist", "fennimore",
    "98765432", "9876 5432", "9876-5432", "87654321", "8765 4321",
)  # fmt: skip


@pytest.fixture
def leak_reader(jodgig_db):
    """A SELECT-only MariaDB user with a recognisable password; its URL."""
    admin = sa.create_engine(servers.MYSQL_ADMIN_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE USER IF NOT EXISTS '{JODGIG_USER}'@'%%' IDENTIFIED BY '{JODGIG_PASSWORD}'")
        conn.exec_driver_sql(f"GRANT SELECT ON `{jodgig_db.name}`.* TO '{JODGIG_USER}'@'%%'")
    url = make_url(jodgig_db.reader_url).set(username=JODGIG_USER, password=JODGIG_PASSWORD)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP USER IF EXISTS '{JODGIG_USER}'@'%%'")
        admin.dispose()


@pytest.fixture
def secret_env(monkeypatch, leak_reader, platform_db):
    """Both URLs with their passwords, in this process's environment (the in-process runs read it)."""
    platform_url = make_url(platform_db.url).set(password=PLATFORM_PASSWORD).render_as_string(hide_password=False)
    assert JODGIG_PASSWORD in leak_reader and PLATFORM_PASSWORD in platform_url
    monkeypatch.setenv("JODGIG_DATABASE_URL", leak_reader)
    monkeypatch.setenv("PLATFORM_DATABASE_URL", platform_url)
    return {"JODGIG_DATABASE_URL": leak_reader, "PLATFORM_DATABASE_URL": platform_url}


def build_world(jodgig) -> dict[str, int]:
    """A live company with a good employer, a duplicate e-mail and a name over 100 characters."""
    with jodgig.writer.begin() as conn:  # JodGig's DDL caps names at 100: this JodGig's column has drifted
        conn.exec_driver_sql("ALTER TABLE users MODIFY first_name VARCHAR(200) NULL")
    company = jodgig.company()
    outlet = jodgig.outlet(company)
    world = {
        "good": jodgig.user("HQ_MANAGER", company, email=GOOD_EMAIL, first_name="Quillonius", last_name="Vexmorrow",
                            mobile="+65 9876-5432"),
        "duplicate_kept": jodgig.user("OUTLET_MANAGER", company, email=DUPLICATE_EMAIL, first_name="Brambleworth",
                                      mobile="9876 5432"),
        "duplicate": jodgig.user("OUTLET_MANAGER", company, email=f"  {DUPLICATE_EMAIL.lower()} ",
                                 first_name="Snorkelbane", last_name="Gloamquist", mobile="(65) 8765-4321"),
        "long_name": jodgig.user("OUTLET_MANAGER", company, email="Fennimore.Xanthoriel@Zephyr-Mail.com",
                                 first_name=LONG_NAME, last_name="Fennimore", mobile="8765 4321"),
    }
    jodgig.outlet_user(outlet, world["good"])
    return world


def leaks(text: str | bytes, needles=SECRETS) -> list[str]:
    haystack = text.lower() if isinstance(text, str) else text.lower().decode("latin-1")
    return [needle for needle in needles if needle.lower() in haystack]


def scan_tree(root: Path, needles=SECRETS) -> tuple[int, int, dict[str, list[str]]]:
    """(files, bytes, {relative path: needles found}) for every file under ``root``, read as bytes."""
    files = total = 0
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            files += 1
            total += len(data)
            if hits := leaks(data, needles):
                found[str(path.relative_to(root))] = hits
    return files, total, found


def platform_rows_as_text(engine: sa.Engine) -> dict[str, str]:
    """Every row of every platform table, each column rendered as text by PostgreSQL."""
    with engine.connect() as conn:
        return {
            table.name: "\n".join(conn.exec_driver_sql(f'SELECT t::text FROM "{table.name}" t').scalars())
            for table in p.metadata.sorted_tables
        }


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, env={**os.environ, **env}, capture_output=True, text=True, timeout=300)


# --------------------------------------------------------------------------- #
# CLI runs: output, DAGSTER_HOME, platform rows
# --------------------------------------------------------------------------- #


def test_passwords_never_reach_cli_output_dagster_home_or_the_sync_log(secret_env, jodgig, platform_db, tmp_path):
    world = build_world(jodgig)
    home = tmp_path / "fresh_dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**secret_env, "DAGSTER_HOME": str(home)}
    execute = [str(BIN / "dagster"), "job", "execute", "-m", "employer_sync_pipeline.definitions",
               "-j", "employer_sync_job"]
    jit = [str(BIN / "employer-sync"), "jit", "--employer"]
    unreachable = make_url(secret_env["JODGIG_DATABASE_URL"]).set(port=UNUSED_PORT)
    unreachable_env = {**env, "JODGIG_DATABASE_URL": unreachable.render_as_string(hide_password=False)}
    assert JODGIG_PASSWORD in unreachable_env["JODGIG_DATABASE_URL"]

    done = {
        "job execute (failing records)": run_cli(execute, env),
        "job execute (JodGig unreachable)": run_cli(execute, unreachable_env),
        "jit, good employer": run_cli([*jit, str(world["good"])], env),
        "jit, name too long": run_cli([*jit, str(world["long_name"])], env),
        "jit, JodGig unreachable": run_cli([*jit, str(world["good"])], unreachable_env),
    }

    # The runs did what they should, so there was something to leak.
    ok, down = done["job execute (failing records)"], done["job execute (JodGig unreachable)"]
    assert ok.returncode == 0 and "RUN_SUCCESS" in ok.stdout + ok.stderr, ok.stderr[-3000:]
    assert down.returncode != 0 and "RUN_FAILURE" in down.stdout + down.stderr, down.stderr[-3000:]
    assert "JODGIG_DATABASE_URL" in down.stdout + down.stderr
    assert done["jit, good employer"].returncode == 0, done["jit, good employer"].stderr[-3000:]
    assert "synced" in done["jit, good employer"].stdout
    assert done["jit, name too long"].returncode == 1 and "ValueTooLong" in done["jit, name too long"].stdout
    assert done["jit, JodGig unreachable"].returncode != 0
    [log] = sync_logs(platform_db.engine)
    assert not log["is_successful"]
    assert {f["remote_gig_user_id"] for f in log["fail_log"]} == {world["duplicate"], world["long_name"]}
    assert identities(platform_db.engine)[world["good"]]["status"] == "active"

    # No password in any output.
    output_leaks = {name: leaks(run.stdout + run.stderr) for name, run in done.items()}
    assert output_leaks == {name: [] for name in done}
    # What the runs log about failed records carries no personal data either (docs/how-it-works.md "Failed records").
    output_leaks = {name: leaks(run.stdout + run.stderr, PERSONAL_DATA) for name, run in done.items()}
    assert output_leaks == {name: [] for name in done}

    # No password in any file of the Dagster instance: SQLite event log and run storage, compute logs.
    files, scanned_bytes, file_leaks = scan_tree(home)
    assert (home / "history" / "runs.db").exists() and list(home.glob("storage/*/compute_logs/*"))
    assert file_leaks == {}
    assert scan_tree(home, PERSONAL_DATA)[2] == {}

    # No password in any platform row; no personal data in the fail log.
    rows = platform_rows_as_text(platform_db.engine)
    assert rows["gig_sync_logs"]  # the run wrote its row
    assert {table: leaks(text) for table, text in rows.items()} == {table: [] for table in rows}
    assert leaks(json.dumps(log["fail_log"]), PERSONAL_DATA) == []
    print(f"\nsecrets: {len(done)} CLI invocations, {sum(len(r.stdout) + len(r.stderr) for r in done.values())} "
          f"characters of output; {files} files, {scanned_bytes} bytes under DAGSTER_HOME; "
          f"{sum(len(text) for text in rows.values())} characters of platform rows; no secret found")


# --------------------------------------------------------------------------- #
# Sentry
# --------------------------------------------------------------------------- #


@pytest.fixture
def captured(monkeypatch):
    monkeypatch.setenv("SENTRY_DSN", FAKE_DSN)
    sentry.CAPTURED.events.clear()
    yield sentry.CAPTURED
    sentry.CAPTURED.events.clear()


def run_with_capturing_sentry(instance=None):
    resources = {"jodgig_db": JodgigDatabase(), "platform_db": PlatformDatabase(), "sentry": CapturingSentryResource(),
                 "sync_lock": SyncRunLock()}
    return sync_jobs["employer_sync_job"].execute_in_process(resources=resources, raise_on_error=False, instance=instance)


def record_events(events: list[dict]) -> dict[str, list[dict]]:
    """Record-failure events (they have an ``error`` tag), by Sentry user id."""
    by_user: dict[str, list[dict]] = {}
    for event in events:
        if "error" in event.get("tags", {}):
            by_user.setdefault(event["user"]["id"], []).append(event)
    return by_user


def test_sentry_events_carry_ids_and_tags_but_no_personal_data_or_secrets(
    secret_env, jodgig, platform_db, captured, monkeypatch
):
    world = build_world(jodgig)

    # 1. A duplicate e-mail (found before the write) and a name over 100 characters.
    first = run_with_capturing_sentry()
    assert first.success
    events = record_events(captured.events)
    assert set(events) == {str(world["duplicate"]), str(world["long_name"])}
    assert {e["tags"]["error"] for e in events[str(world["duplicate"])]} == {"DuplicateEmail"}
    assert {e["tags"]["error"] for e in events[str(world["long_name"])]} == {"ValueTooLong"}
    first_events = len(captured.events)

    # 2. Two synced employers change names that only this platform's own rule refuses: the
    #    database rejects them, with an error text whose DETAIL echoes the whole row, e-mail included.
    created = jodgig.local_now()
    alpha = jodgig.user("OUTLET_MANAGER", jodgig.company(), email=REJECTED_EMAILS[0], first_name="Fennimore",
                        created_at=created, updated_at=created)
    beta = jodgig.user("OUTLET_MANAGER", jodgig.company(), email=REJECTED_EMAILS[1], last_name="Gloamquist",
                       created_at=created, updated_at=created)
    assert run_with_capturing_sentry().success
    assert {alpha, beta} <= set(identities(platform_db.engine))
    with platform_db.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE identities_users ADD CONSTRAINT no_placeholder_names "
                             "CHECK (first_name <> 'Placeholder' AND last_name <> 'Placeholder')")
    now = jodgig.local_now().replace(microsecond=0)
    jodgig.update(t.users, alpha, first_name="Placeholder", updated_at=now)
    jodgig.update(t.users, beta, last_name="Placeholder", updated_at=now)
    database_errors: list[str] = []

    def keep_error_text(context) -> None:
        database_errors.append(str(context.original_exception))

    sa.event.listen(sa.engine.Engine, "handle_error", keep_error_text)
    try:
        rejected = run_with_capturing_sentry()
    finally:
        sa.event.remove(sa.engine.Engine, "handle_error", keep_error_text)
    assert rejected.success
    # The naturally leaky path was taken: the database's own error text names their e-mail.
    assert any(email in error for error in database_errors for email in REJECTED_EMAILS), database_errors
    rejected_events = record_events(captured.events[first_events:])
    rejected_failures = {f["remote_gig_user_id"] for f in sync_logs(platform_db.engine)[-1]["fail_log"]}
    assert rejected_failures >= {alpha, beta}, "the rows reached the database and failed there"
    assert {str(u) for u in rejected_failures} <= set(rejected_events)
    record_event_count = sum(len(e) for e in record_events(captured.events).values())

    # 3. Runs that fail: JodGig unreachable, JodGig refusing a wrong password, the platform unreachable.
    failed_run_ids: set[str] = set()
    jodgig_url = make_url(secret_env["JODGIG_DATABASE_URL"])
    platform_url = make_url(secret_env["PLATFORM_DATABASE_URL"])
    for name, value in (
        ("JODGIG_DATABASE_URL", jodgig_url.set(port=UNUSED_PORT)),
        ("JODGIG_DATABASE_URL", jodgig_url.set(password=WRONG_PASSWORD)),
        ("PLATFORM_DATABASE_URL", platform_url.set(port=UNUSED_PORT)),
    ):
        monkeypatch.setenv(name, value.render_as_string(hide_password=False))
        instance = dg.DagsterInstance.ephemeral()
        failed = run_with_capturing_sentry(instance)
        assert not failed.success
        # Outside the daemon, hand the run's failure to the run-failure sensor as the daemon would.
        [failure] = [e for e in failed.all_events if e.event_type_value == "PIPELINE_FAILURE"]
        with dg.build_run_status_sensor_context(
            sensor_name="report_failed_runs_to_sentry", dagster_instance=instance, dagster_run=failed.dagster_run,
            dagster_event=failure, resources={"sentry": CapturingSentryResource()},
        ) as context:
            report_failed_runs_to_sentry(context.for_run_failure())
        failed_run_ids.add(failed.run_id)
        monkeypatch.setenv(name, secret_env[name])
    run_failure_events = [e for e in captured.events if e["tags"].get("dagster_run_id") in failed_run_ids]
    assert len(run_failure_events) >= 3

    # Every record-failure event: the user id, the sync and the Dagster run.
    run_ids = {first.run_id, rejected.run_id} | {log["run_id"] for log in sync_logs(platform_db.engine)}
    for user_id, user_events in record_events(captured.events).items():
        for event in user_events:
            assert event["user"] == {"id": user_id}
            assert event["tags"]["sync"] == "employer_sync"
            assert event["tags"]["dagster_run_id"] in run_ids
    # Every event, failed runs' too: no personal data, no password, anywhere in it.
    serialised = captured.serialised()
    assert leaks(serialised, PERSONAL_DATA) == []
    assert leaks(serialised) == []
    print(f"\nsentry: {len(captured.events)} events ({record_event_count} record failures, "
          f"{len(run_failure_events)} failed-run reports), {len(serialised)} characters of JSON; "
          f"rejected records {sorted(rejected_failures)}; no personal data or secret found")
