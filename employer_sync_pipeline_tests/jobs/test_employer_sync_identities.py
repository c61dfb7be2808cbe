"""employer_sync_job on MariaDB → PostgreSQL: identities, the watermark, failures and the sync log."""

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from employer_sync_pipeline.db import jodgig_tables as t
from employer_sync_pipeline.db import platform_tables as p

from ..support.runs import identities, run_employer_sync, snapshot, sync_logs


def test_full_sync_maps_in_scope_employers_and_skips_the_rest(sync_env, jodgig, platform_db):
    company = jodgig.company()
    disabled_company = jodgig.company(status=0)
    hq = jodgig.user("HQ_MANAGER", company, email="  Ada.Tan@Example.COM ", first_name="  Ada ", last_name=" ",
                     mobile="+65 9123-4567", created_at=datetime(2026, 3, 1, 8, 0), updated_at=None)
    manager = jodgig.user("OUTLET_MANAGER", company, mobile="12345")
    super_hq = jodgig.user("SUPER_HQ_EXTERNAL")
    jodgig.pivot(super_hq, company)
    out_of_scope = [
        jodgig.user("HQ_MANAGER", disabled_company),
        jodgig.user("HQ_MANAGER", company, status=0),
        jodgig.user("HQ_MANAGER", company, is_deleted=1),
        jodgig.user("HQ_MANAGER", None),
        jodgig.user("SUPER_HQ_EXTERNAL"),
    ]
    jodgig.user("TALENT")

    run_employer_sync()

    synced = identities(platform_db.engine)
    assert set(synced) == {hq, manager, super_hq}
    ada = synced[hq]
    assert (ada["kind"], ada["status"], ada["email"]) == ("employer", "active", "ada.tan@example.com")
    assert (ada["first_name"], ada["last_name"], ada["phone_number"]) == ("Ada", None, "+6591234567")
    singapore_8am_in_utc = datetime(2026, 3, 1, 0, 0, tzinfo=timezone.utc)
    assert ada["remote_created_at"] == ada["remote_updated_at"] == singapore_8am_in_utc
    assert synced[manager]["phone_number"] is None
    assert not set(out_of_scope) & set(synced)


def test_sync_log_row_describes_the_run(sync_env, jodgig, platform_db):
    company = jodgig.company()
    jodgig.user("HQ_MANAGER", company)
    jodgig.user("HQ_MANAGER", company, status=0)
    invalid = jodgig.user("OUTLET_MANAGER", company, email="not-an-email")

    result = run_employer_sync()

    [log] = sync_logs(platform_db.engine)
    assert log["origin_table"] == "jodgig_users_employers"
    assert log["destination_table"] == "identities_users"
    assert log["sync_mode"] == "full_refresh"
    assert log["watermark_from"] is None
    assert log["started_at"] <= log["finished_at"]
    assert abs(log["watermark_to"] - datetime.now(timezone.utc)) < timedelta(minutes=5)
    counts = [log[f"records_{name}"] for name in ("selected", "synced", "deactivated", "skipped", "failed")]
    assert counts == [3, 1, 0, 1, 1]
    assert log["scope_counts"]["G"] == 2 and log["scope_counts"]["F"] == 1
    assert log["fail_log"] == [
        {"remote_gig_user_id": invalid, "error": "InvalidEmail",
         "message": "users.email is missing or not of the form local@domain.tld; correct it in JodGig",
         "first_failed_at": log["finished_at"].isoformat(), "first_failed_run_id": result.run_id, "failed_runs": 1}
    ]
    assert log["is_successful"] is False
    assert log["run_id"] == result.run_id


def test_incremental_run_sees_a_company_only_change(sync_env, jodgig, platform_db):
    company = jodgig.company()
    other = jodgig.company()
    employers = [jodgig.user("HQ_MANAGER", company), jodgig.user("OUTLET_MANAGER", company)]
    bystander = jodgig.user("HQ_MANAGER", other)
    run_employer_sync()

    jodgig.update(t.companies, company, status=0, updated_at=jodgig.local_now())
    run_employer_sync()

    synced = identities(platform_db.engine)
    assert [synced[e]["status"] for e in employers] == ["deactivated", "deactivated"]
    assert synced[bystander]["status"] == "active"
    first, second = sync_logs(platform_db.engine)
    assert second["sync_mode"] == "incremental"
    assert second["watermark_from"] == first["watermark_to"] - timedelta(minutes=10)
    assert (second["records_selected"], second["records_deactivated"]) == (2, 2)
    assert second["scope_counts"]["E"] == 2


def test_guard_keeps_newer_platform_data(sync_env, jodgig, platform_db):
    company = jodgig.company()
    user = jodgig.user("HQ_MANAGER", company, first_name="Old")
    run_employer_sync()
    newer = datetime(2030, 1, 1, tzinfo=timezone.utc)
    with platform_db.engine.begin() as conn:
        conn.execute(sa.update(p.identities_users).values(remote_updated_at=newer, first_name="Newer"))

    jodgig.update(t.users, user, first_name="Stale")
    run_employer_sync(full_refresh=True)

    identity = identities(platform_db.engine)[user]
    assert (identity["first_name"], identity["remote_updated_at"]) == ("Newer", newer)


def test_duplicate_and_invalid_emails_fail_alone(sync_env, jodgig, platform_db):
    company = jodgig.company()
    first = jodgig.user("HQ_MANAGER", company, email="same@example.com")
    fine = [jodgig.user("OUTLET_MANAGER", company) for _ in range(5)]
    duplicate = jodgig.user("OUTLET_MANAGER", company, email=" SAME@example.com")
    invalid = jodgig.user("OUTLET_MANAGER", company, email="two@@example.com")

    run_employer_sync()

    assert set(identities(platform_db.engine)) == {first, *fine}
    [log] = sync_logs(platform_db.engine)
    assert [(f["remote_gig_user_id"], f["error"]) for f in log["fail_log"]] == [
        (duplicate, "DuplicateEmail"),
        (invalid, "InvalidEmail"),
    ]
    assert "same@example.com" not in str(log["fail_log"]).lower()


def test_rerun_changes_nothing(sync_env, jodgig, platform_db):
    company = jodgig.company()
    outlet = jodgig.outlet(company)
    hq = jodgig.user("HQ_MANAGER", company)
    jodgig.outlet_user(outlet, hq)
    jodgig.user("SUPER_HQ_EXTERNAL", id=900)
    jodgig.pivot(900, company)
    run_employer_sync()
    before = snapshot(platform_db.engine)

    run_employer_sync(full_refresh=True)
    run_employer_sync()

    assert snapshot(platform_db.engine) == before
    assert [log["is_successful"] for log in sync_logs(platform_db.engine)] == [True, True, True]
