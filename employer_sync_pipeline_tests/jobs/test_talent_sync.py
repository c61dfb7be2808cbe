"""talent_sync_job on MariaDB → PostgreSQL (SPEC §7)."""

from datetime import datetime, timezone

import sqlalchemy as sa

from employer_sync_pipeline.db import jodgig_tables as t
from employer_sync_pipeline.db import platform_tables as p

from ..support.runs import identities, memberships, run_employer_sync, run_talent_sync, snapshot, sync_logs


def test_enabled_talents_sync_and_disabled_or_deleted_ones_deactivate(sync_env, jodgig, platform_db):
    enabled = jodgig.user("TALENT", email=" Tal.Ent@Example.com ", mobile="8123 4567")
    disabled = jodgig.user("TALENT")
    deleted = jodgig.user("TALENT")
    never_synced = jodgig.user("TALENT", status=0)
    employer = jodgig.user("HQ_MANAGER", jodgig.company())
    run_talent_sync()
    assert set(identities(platform_db.engine)) == {enabled, disabled, deleted}

    jodgig.update(t.users, disabled, status=0, updated_at=jodgig.local_now())
    jodgig.update(t.users, deleted, is_deleted=1, updated_at=jodgig.local_now())
    run_talent_sync()

    synced = identities(platform_db.engine)
    assert (synced[enabled]["kind"], synced[enabled]["email"], synced[enabled]["phone_number"]) == (
        "talent", "tal.ent@example.com", "+6581234567")
    assert {uid: i["status"] for uid, i in synced.items()} == {
        enabled: "active", disabled: "deactivated", deleted: "deactivated"}
    assert never_synced not in synced and employer not in synced
    log = sync_logs(platform_db.engine)[-1]
    assert log["origin_table"] == "jodgig_users_talents" and log["sync_mode"] == "incremental"
    assert (log["records_selected"], log["records_deactivated"]) == (2, 2)
    assert log["scope_counts"] == {"T": 0, "T_deleted": 1, "T_disabled": 1}


def test_a_talent_who_becomes_an_employer_changes_kind(sync_env, jodgig, platform_db):
    company = jodgig.company()
    user = jodgig.user("TALENT")
    run_talent_sync()
    assert identities(platform_db.engine)[user]["kind"] == "talent"

    jodgig.update(t.users, user, role="HQ_MANAGER", company_id=company, updated_at=jodgig.local_now())
    run_employer_sync()
    run_talent_sync()

    identity = identities(platform_db.engine)[user]
    assert (identity["kind"], identity["status"]) == ("employer", "active")
    assert memberships(platform_db.engine) == {(company, user): "owner"}


def test_an_employer_who_becomes_a_talent_loses_its_memberships(sync_env, jodgig, platform_db):
    company = jodgig.company()
    user = jodgig.user("HQ_MANAGER", company)
    run_employer_sync()

    jodgig.update(t.users, user, role="TALENT", company_id=None, updated_at=jodgig.local_now())
    run_talent_sync()

    assert identities(platform_db.engine)[user]["kind"] == "talent"
    assert memberships(platform_db.engine) == {}


def test_the_guard_keeps_newer_talent_data(sync_env, jodgig, platform_db):
    user = jodgig.user("TALENT", first_name="Old")
    run_talent_sync()
    newer = datetime(2030, 1, 1, tzinfo=timezone.utc)
    with platform_db.engine.begin() as conn:
        conn.execute(sa.update(p.identities_users).values(remote_updated_at=newer, first_name="Newer"))

    jodgig.update(t.users, user, first_name="Stale")
    run_talent_sync(full_refresh=True)

    assert identities(platform_db.engine)[user]["first_name"] == "Newer"


def test_talent_and_employer_watermarks_are_separate(sync_env, jodgig, platform_db):
    jodgig.user("TALENT")
    run_employer_sync()
    run_talent_sync()
    before = snapshot(platform_db.engine)
    run_talent_sync()
    logs = sync_logs(platform_db.engine)
    assert [(log["origin_table"], log["sync_mode"]) for log in logs] == [
        ("jodgig_users_employers", "full_refresh"),
        ("jodgig_users_talents", "full_refresh"),
        ("jodgig_users_talents", "incremental"),
    ]
    assert snapshot(platform_db.engine) == before


def test_talents_retry_failed_records_and_swap_emails_in_one_run(sync_env, jodgig, platform_db):
    first = jodgig.user("TALENT", email="a@example.com")
    second = jodgig.user("TALENT", email="b@example.com")
    broken = jodgig.user("TALENT", email="not-an-email")
    run_talent_sync()
    now = jodgig.local_now()
    jodgig.update(t.users, first, email="b@example.com", updated_at=now)
    jodgig.update(t.users, second, email="a@example.com", updated_at=now)

    run_talent_sync(batch_size=1)

    talents = identities(platform_db.engine)
    assert (talents[first]["email"], talents[second]["email"]) == ("b@example.com", "a@example.com")
    log = sync_logs(platform_db.engine)[-1]
    assert (log["origin_table"], log["sync_mode"], log["records_selected"]) == ("jodgig_users_talents", "incremental", 3)
    assert [(f["remote_gig_user_id"], f["failed_runs"]) for f in log["fail_log"]] == [(broken, 2)]
