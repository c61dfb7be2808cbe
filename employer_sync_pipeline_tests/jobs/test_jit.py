"""JIT (SPEC §6): the Python API, the Dagster jobs, the login sensor and the CLI, on MariaDB → PostgreSQL."""

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg
import psycopg2.extensions
import sqlalchemy as sa

from employer_sync_pipeline.db import jodgig_tables as t
from employer_sync_pipeline.definitions import defs
from employer_sync_pipeline.jit import sync_employer_now, sync_talent_now
from employer_sync_pipeline.orchestration.resources import JodgigDatabase, PlatformDatabase
from employer_sync_pipeline.sync.logins import LoginCursor

from ..support.runs import assignments, identities, memberships, run_employer_sync, sync_logs

BIN = Path(sys.executable).parent


def test_jit_gives_a_g_employer_its_organisation_membership_and_assignments(sync_env, jodgig, platform_db):
    company = jodgig.company()
    outlet = jodgig.outlet(company)
    manager = jodgig.user("OUTLET_MANAGER", company)
    jodgig.outlet_user(outlet, manager)

    result = sync_employer_now(manager)

    assert (result.outcome, result.scope_set) == ("synced", "G")
    assert result.identity_id == identities(platform_db.engine)[manager]["id"]
    assert memberships(platform_db.engine) == {(company, manager): "manager"}
    assert assignments(platform_db.engine) == {(manager, outlet)}
    assert sync_logs(platform_db.engine) == []


def test_jit_of_the_new_owner_re_resolves_the_owner(sync_env, jodgig, platform_db):
    company = jodgig.company()
    first = jodgig.user("HQ_MANAGER", company, created_at=datetime(2020, 1, 1))
    second = jodgig.user("HQ_MANAGER", company, created_at=datetime(2021, 1, 1))
    run_employer_sync()

    jodgig.update(t.companies, company, owner_user_id=second, updated_at=jodgig.local_now())
    assert sync_employer_now(second).outcome == "synced"

    assert memberships(platform_db.engine) == {(company, first): "admin", (company, second): "owner"}


def test_jit_deactivates_an_out_of_scope_employer_with_an_identity(sync_env, jodgig, platform_db):
    company = jodgig.company()
    user = jodgig.user("HQ_MANAGER", company)
    run_employer_sync()
    jodgig.update(t.users, user, status=0)

    result = sync_employer_now(user)

    assert (result.outcome, result.scope_set) == ("deactivated", "F")
    assert identities(platform_db.engine)[user]["status"] == "deactivated"
    assert memberships(platform_db.engine) == {}


def test_jit_skips_out_of_scope_without_identity_and_talents_and_does_not_find_unknown_ids(
    sync_env, jodgig, platform_db
):
    never_synced = jodgig.user("HQ_MANAGER", jodgig.company(status=0))
    talent = jodgig.user("TALENT")
    results = [sync_employer_now(never_synced), sync_employer_now(987654), sync_employer_now(talent)]
    assert [(r.outcome, r.scope_set, r.identity_id) for r in results] == [
        ("skipped", "E", None), ("not_found", None, None), ("skipped", None, None)]
    assert "JodGig has no user with id 987654" in results[1].message
    assert f"JodGig user {talent} is not an employer" in results[2].message
    assert identities(platform_db.engine) == {}


def test_jit_reports_a_failed_record_instead_of_raising(sync_env, jodgig, platform_db):
    user = jodgig.user("HQ_MANAGER", jodgig.company(), email="broken")
    result = sync_employer_now(user)
    assert (result.outcome, result.error, result.identity_id) == ("failed", "InvalidEmail", None)


def test_jit_takes_one_platform_connection_per_call_and_a_database_rejection_fails_the_record_alone(
    sync_env, jodgig, platform_db
):
    """A login waits on the JIT: each pooled checkout costs a pre-ping and a reset, so one call
    reads and writes the platform on one connection, through isolation's retry too."""
    company = jodgig.company()
    manager = jodgig.user("HQ_MANAGER", company)
    long_name = jodgig.user("HQ_MANAGER", jodgig.company(), first_name="Maximiliana-Josephine")
    # Only the database sees this one: the mapping allows 100 characters, this platform 16.
    with platform_db.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE identities_users ALTER COLUMN first_name TYPE VARCHAR(16)")
    checkouts = []

    def count_platform_checkouts(dbapi_connection, *_):
        if isinstance(dbapi_connection, psycopg2.extensions.connection):
            checkouts.append(dbapi_connection)

    sa.event.listen(sa.pool.Pool, "checkout", count_platform_checkouts)
    try:
        outcomes = [sync_employer_now(user).outcome for user in (manager, manager, long_name)]
        per_call = len(checkouts) / 3
    finally:
        sa.event.remove(sa.pool.Pool, "checkout", count_platform_checkouts)

    assert outcomes == ["synced", "synced", "failed"]
    assert per_call == 1
    assert sync_employer_now(long_name).error == "StringDataRightTruncation"
    assert set(identities(platform_db.engine)) == {manager}
    assert memberships(platform_db.engine) == {(company, manager): "owner"}


def test_talent_jit(sync_env, jodgig, platform_db):
    talent = jodgig.user("TALENT")
    result = sync_talent_now(talent)
    assert (result.outcome, result.scope_set) == ("synced", "T")
    assert identities(platform_db.engine)[talent]["kind"] == "talent"


def test_jit_jobs_through_dagster_job_execute(sync_env, jodgig, platform_db, tmp_path):
    employer = jodgig.user("HQ_MANAGER", jodgig.company())
    talent = jodgig.user("TALENT")
    for job, op, user in (("employer_jit_sync_job", "jit_sync_employer", employer),
                          ("talent_jit_sync_job", "jit_sync_talent", talent)):
        config = tmp_path / f"{job}.yaml"
        config.write_text(json.dumps({"ops": {op: {"config": {"remote_gig_user_id": user}}}}))
        done = subprocess.run(
            [str(BIN / "dagster"), "job", "execute", "-m", "employer_sync_pipeline.definitions", "-j", job,
             "-c", str(config)],
            env={**os.environ, **sync_env}, capture_output=True, text=True, timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
    assert {i["kind"] for i in identities(platform_db.engine).values()} == {"employer", "talent"}
    assert sync_logs(platform_db.engine) == []


def test_jit_job_puts_the_outcome_in_its_output_metadata(sync_env, jodgig):
    user = jodgig.user("HQ_MANAGER", jodgig.company())
    run_config = {"ops": {"jit_sync_employer": {"config": {"remote_gig_user_id": user}}}}
    result = defs.get_job_def("employer_jit_sync_job").execute_in_process(run_config=run_config)
    [output] = [e for e in result.all_node_events if e.event_type_value == "STEP_OUTPUT"]
    metadata = output.event_specific_data.metadata
    assert (metadata["outcome"].value, metadata["scope_set"].value) == ("synced", "G")


def _tick(cursor: str | None):
    resources = {"jodgig_db": JodgigDatabase(), "platform_db": PlatformDatabase()}
    with dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral(), cursor=cursor, resources=resources) as context:
        return defs.get_sensor_def("employer_login_sensor").evaluate_tick(context)


def test_login_sensor_requests_jit_for_missing_or_stale_identities(sync_env, jodgig, platform_db):
    company = jodgig.company()
    up_to_date = jodgig.user("HQ_MANAGER", company)
    stale = jodgig.user("OUTLET_MANAGER", company)
    run_employer_sync()
    jodgig.update(t.users, stale, updated_at=jodgig.local_now())
    missing = jodgig.user("OUTLET_MANAGER", company)
    talent = jodgig.user("TALENT")
    start = (jodgig.local_now() - timedelta(minutes=5)).replace(microsecond=0)
    for user in (up_to_date, stale, missing, talent):
        jodgig.update(t.users, user, last_login_at=start + timedelta(seconds=user))

    first = _tick(LoginCursor(start, 0).serialise())

    requested = [r.run_config["ops"]["jit_sync_employer"]["config"]["remote_gig_user_id"] for r in first.run_requests]
    assert requested == [stale, missing]
    assert len({r.run_key for r in first.run_requests}) == 2
    assert LoginCursor.parse(first.cursor) == LoginCursor(start + timedelta(seconds=missing), missing)

    again = _tick(first.cursor)
    assert again.run_requests == [] and again.cursor == first.cursor


def test_login_sensor_starts_at_the_source_clock(sync_env, jodgig):
    jodgig.user("HQ_MANAGER", jodgig.company(), last_login_at=datetime(2026, 1, 1))
    result = _tick(None)
    assert result.run_requests == []
    assert LoginCursor.parse(result.cursor).last_login_at > datetime(2026, 1, 1)


def test_cli_jit_prints_the_result(sync_env, jodgig, platform_db):
    user = jodgig.user("HQ_MANAGER", jodgig.company())
    done = subprocess.run([str(BIN / "employer-sync"), "jit", "--employer", str(user)],
                          env={**os.environ, **sync_env}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"user {user}: synced, set G, identity {identities(platform_db.engine)[user]['id']}" in done.stdout

    failing = jodgig.user("HQ_MANAGER", jodgig.company(), email="nope")
    done = subprocess.run([str(BIN / "employer-sync"), "jit", "--employer", str(failing)],
                          env={**os.environ, **sync_env}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "InvalidEmail" in done.stdout


def test_cli_jit_exit_codes_tell_the_outcomes_apart_without_a_stack_trace(sync_env, jodgig, platform_db):
    """0 synced, deactivated or skipped; 1 failed; 3 timed_out; 4 not_found (SPEC §6)."""
    owner = jodgig.user("HQ_MANAGER", jodgig.company())
    talent = jodgig.user("TALENT")

    def jit(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "employer-sync"), "jit", *args], env={**os.environ, **sync_env},
                              capture_output=True, text=True, timeout=120)

    assert jit("--employer", str(owner)).returncode == 0
    skipped, not_found = jit("--employer", str(talent)), jit("--employer", "987654")
    jodgig.update(t.users, owner, first_name="Renamed", updated_at=jodgig.local_now())
    with platform_db.engine.connect() as locker:
        locker.exec_driver_sql("SELECT * FROM identities_users FOR UPDATE").all()
        timed_out = jit("--employer", str(owner))
        locker.rollback()

    assert (skipped.returncode, not_found.returncode, timed_out.returncode) == (0, 4, 3)
    assert f"user {talent}: skipped" in skipped.stdout
    assert "user 987654: not_found" in not_found.stdout and "JodGig has no user with id 987654" in not_found.stdout
    assert "user " + str(owner) + ": timed_out" in timed_out.stdout
    assert "(JIT_LOCK_TIMEOUT_SECONDS)" in timed_out.stdout and "PLATFORM_LOCK_TIMEOUT_SECONDS" not in timed_out.stdout
    for done in (skipped, not_found, timed_out):
        assert "Traceback" not in done.stdout + done.stderr
