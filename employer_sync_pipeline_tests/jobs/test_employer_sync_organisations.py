"""employer_sync_job on MariaDB → PostgreSQL: organisations, owners, memberships, assignments (SPEC §3.2–3.4)."""

from datetime import datetime

import sqlalchemy as sa

from employer_sync_pipeline.db import jodgig_tables as t
from employer_sync_pipeline.db import platform_tables as p

from ..support.runs import assignments, identities, memberships, rows, run_employer_sync, sync_logs


def statuses(engine, table, key) -> dict[int, str]:
    return {row[key]: row["status"] for row in rows(engine, table)}


def test_organisation_and_live_outlets_are_upserted(sync_env, jodgig, platform_db):
    company = jodgig.company(name="Kopi Co", uen="201912345K")
    live = jodgig.outlet(company)
    disabled = jodgig.outlet(company, status=0)
    deleted = jodgig.outlet(company, deleted_at=datetime(2025, 1, 1))
    jodgig.user("HQ_MANAGER", company)
    run_employer_sync()

    [org] = rows(platform_db.engine, p.org_organisations)
    assert (org["remote_gig_company_id"], org["name"], org["uen"], org["status"]) == (
        company, "Kopi Co", "201912345K", "active")
    assert statuses(platform_db.engine, p.org_outlets, "remote_gig_outlet_id") == {live: "active"}

    now = jodgig.local_now()
    jodgig.update(t.outlets, live, status=0, updated_at=now)
    jodgig.update(t.outlets, disabled, status=1, updated_at=now)
    run_employer_sync()

    assert statuses(platform_db.engine, p.org_outlets, "remote_gig_outlet_id") == {
        live: "deactivated", disabled: "active"}
    assert deleted not in statuses(platform_db.engine, p.org_outlets, "remote_gig_outlet_id")


def test_roles_follow_owner_resolution(sync_env, jodgig, platform_db):
    company = jodgig.company()
    earliest = jodgig.user("HQ_MANAGER", company, created_at=datetime(2020, 1, 1))
    other_hq = jodgig.user("HQ_MANAGER", company, created_at=datetime(2021, 1, 1))
    manager = jodgig.user("OUTLET_MANAGER", company, created_at=datetime(2019, 1, 1))
    super_hq = jodgig.user("SUPER_HQ_EXTERNAL", created_at=datetime(2018, 1, 1))
    jodgig.pivot(super_hq, company)

    run_employer_sync()

    assert memberships(platform_db.engine) == {
        (company, earliest): "owner", (company, other_hq): "admin",
        (company, manager): "manager", (company, super_hq): "admin"}


def test_owner_swap_through_owner_user_id(sync_env, jodgig, platform_db):
    company = jodgig.company()
    first = jodgig.user("HQ_MANAGER", company, created_at=datetime(2020, 1, 1))
    second = jodgig.user("HQ_MANAGER", company, created_at=datetime(2021, 1, 1))
    run_employer_sync()
    assert memberships(platform_db.engine)[(company, first)] == "owner"

    jodgig.update(t.companies, company, owner_user_id=second, updated_at=jodgig.local_now())
    run_employer_sync()

    assert memberships(platform_db.engine) == {(company, first): "admin", (company, second): "owner"}


def test_owner_swap_across_batches_never_breaks_the_one_owner_index(sync_env, jodgig, platform_db):
    company = jodgig.company()
    first = jodgig.user("HQ_MANAGER", company, created_at=datetime(2020, 1, 1))
    filler = [jodgig.user("OUTLET_MANAGER", company) for _ in range(3)]
    second = jodgig.user("HQ_MANAGER", company, created_at=datetime(2021, 1, 1))
    run_employer_sync(batch_size=2)

    jodgig.update(t.companies, company, owner_user_id=second, updated_at=jodgig.local_now())
    run_employer_sync(batch_size=1)

    assert memberships(platform_db.engine)[(company, second)] == "owner"
    assert memberships(platform_db.engine)[(company, first)] == "admin"
    assert all(memberships(platform_db.engine)[(company, f)] == "manager" for f in filler)
    assert sync_logs(platform_db.engine)[-1]["is_successful"]


def test_owner_leaving_scope_hands_over_to_the_next_candidate(sync_env, jodgig, platform_db):
    company = jodgig.company()
    owner = jodgig.user("HQ_MANAGER", company, created_at=datetime(2020, 1, 1))
    successor = jodgig.user("HQ_MANAGER", company, created_at=datetime(2021, 1, 1))
    run_employer_sync()

    jodgig.update(t.users, owner, status=0, updated_at=jodgig.local_now())
    run_employer_sync()

    assert identities(platform_db.engine)[owner]["status"] == "deactivated"
    assert memberships(platform_db.engine) == {(company, successor): "owner"}
    assert sync_logs(platform_db.engine)[-1]["records_selected"] == 1


def test_super_hq_pivots_to_live_disabled_and_obsolete_companies(sync_env, jodgig, platform_db, monkeypatch):
    live = jodgig.company()
    disabled = jodgig.company(status=0)
    obsolete = jodgig.company()
    monkeypatch.setenv("JODGIG_OBSOLETE_COMPANY_IDS", str(obsolete))
    super_hq = jodgig.user("SUPER_HQ_EXTERNAL")
    for company in (live, disabled, obsolete):
        jodgig.pivot(super_hq, company)
    run_employer_sync()

    assert memberships(platform_db.engine) == {(live, super_hq): "admin"}
    assert set(statuses(platform_db.engine, p.org_organisations, "remote_gig_company_id")) == {live}

    jodgig.update(t.companies, disabled, status=1, updated_at=jodgig.local_now())
    jodgig.update(t.companies, live, status=0, updated_at=jodgig.local_now())
    run_employer_sync()

    assert memberships(platform_db.engine) == {(disabled, super_hq): "admin"}
    assert statuses(platform_db.engine, p.org_organisations, "remote_gig_company_id") == {
        live: "deactivated", disabled: "active"}


def test_assignments_keep_only_live_outlets_of_the_own_company(sync_env, jodgig, platform_db):
    company = jodgig.company()
    other = jodgig.company()
    own_outlets = [jodgig.outlet(company), jodgig.outlet(company)]
    closed = jodgig.outlet(company, status=0)
    foreign = jodgig.outlet(other)
    manager = jodgig.user("OUTLET_MANAGER", company)
    for outlet in (*own_outlets, closed, foreign):
        jodgig.outlet_user(outlet, manager)
    jodgig.outlet_user(999999, manager)

    run_employer_sync()

    assert assignments(platform_db.engine) == {(manager, o) for o in own_outlets}


def test_assignment_added_and_hard_deleted_only_full_refresh_sees_the_delete(sync_env, jodgig, platform_db):
    company = jodgig.company()
    kept, dropped, added = jodgig.outlet(company), jodgig.outlet(company), jodgig.outlet(company)
    manager = jodgig.user("OUTLET_MANAGER", company)
    jodgig.outlet_user(kept, manager)
    jodgig.outlet_user(dropped, manager)
    run_employer_sync()

    jodgig.outlet_user(added, manager, created_at=jodgig.local_now(), updated_at=jodgig.local_now())
    run_employer_sync()
    assert assignments(platform_db.engine) == {(manager, kept), (manager, dropped), (manager, added)}

    jodgig.delete_outlet_user(dropped, manager)
    run_employer_sync(lookback_minutes=0)
    assert sync_logs(platform_db.engine)[-1]["records_selected"] == 0
    assert (manager, dropped) in assignments(platform_db.engine)

    run_employer_sync(full_refresh=True)
    assert assignments(platform_db.engine) == {(manager, kept), (manager, added)}


def test_disabled_company_deactivates_its_employers_and_organisation(sync_env, jodgig, platform_db):
    company = jodgig.company()
    outlet = jodgig.outlet(company)
    hq = jodgig.user("HQ_MANAGER", company)
    manager = jodgig.user("OUTLET_MANAGER", company)
    jodgig.outlet_user(outlet, manager)
    run_employer_sync()
    assert len(memberships(platform_db.engine)) == 2 and assignments(platform_db.engine)

    jodgig.update(t.companies, company, status=0, updated_at=jodgig.local_now())
    run_employer_sync()

    assert {i["status"] for i in identities(platform_db.engine).values()} == {"deactivated"}
    assert set(identities(platform_db.engine)) == {hq, manager}
    assert memberships(platform_db.engine) == {} and assignments(platform_db.engine) == set()
    assert statuses(platform_db.engine, p.org_organisations, "remote_gig_company_id") == {company: "deactivated"}
    assert sync_logs(platform_db.engine)[-1]["records_deactivated"] == 2


def test_never_synced_out_of_scope_employers_write_nothing(sync_env, jodgig, platform_db):
    company = jodgig.company(status=0)
    jodgig.user("HQ_MANAGER", company)
    jodgig.user("OUTLET_MANAGER", jodgig.company(), status=0)
    run_employer_sync()
    with platform_db.engine.connect() as conn:
        for table in (p.identities_users, p.org_organisations, p.org_memberships, p.org_outlets):
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 0


def test_a_duplicate_e_mail_in_a_big_batch_fails_alone_before_any_write(sync_env, jodgig, platform_db):
    company = jodgig.company()
    outlet = jodgig.outlet(company)
    taken = jodgig.user("HQ_MANAGER", company, email="taken@example.com")
    run_employer_sync()
    others = [jodgig.user("OUTLET_MANAGER", company) for _ in range(40)]
    for user in others:
        jodgig.outlet_user(outlet, user)
    clash = jodgig.user("OUTLET_MANAGER", company, email="TAKEN@example.com")
    jodgig.outlet_user(outlet, clash)

    run_employer_sync(full_refresh=True)

    assert set(identities(platform_db.engine)) == {taken, *others}
    assert {user for user, _ in assignments(platform_db.engine)} == set(others)
    [failure] = sync_logs(platform_db.engine)[-1]["fail_log"]
    assert (failure["remote_gig_user_id"], failure["error"]) == (clash, "DuplicateEmail")
    assert sync_logs(platform_db.engine)[-1]["records_synced"] == 41


def test_a_record_the_database_rejects_makes_the_batch_fall_back_and_fails_alone(sync_env, jodgig, platform_db):
    company = jodgig.company()
    others = [jodgig.user("OUTLET_MANAGER", company) for _ in range(20)]
    long_name = jodgig.user("HQ_MANAGER", company, first_name="Maximiliana-Josephine")
    # Only the database sees this one: the mapping allows 100 characters, this platform 16.
    with platform_db.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE identities_users ALTER COLUMN first_name TYPE VARCHAR(16)")

    run_employer_sync()

    synced = identities(platform_db.engine)
    assert long_name not in synced
    assert set(synced) == set(others)
    log = sync_logs(platform_db.engine)[-1]
    assert [(f["remote_gig_user_id"], f["error"]) for f in log["fail_log"]] == [(long_name, "StringDataRightTruncation")]
    assert "value too long" in log["fail_log"][0]["message"]
    assert log["records_synced"] == 20


def test_an_owner_moving_to_another_company_hands_the_old_company_to_the_next_candidate(sync_env, jodgig, platform_db):
    old, new = jodgig.company(), jodgig.company()
    owner = jodgig.user("HQ_MANAGER", old, created_at=datetime(2020, 1, 1))
    successor = jodgig.user("HQ_MANAGER", old, created_at=datetime(2021, 1, 1))
    run_employer_sync()

    jodgig.update(t.users, owner, company_id=new, updated_at=jodgig.local_now())
    run_employer_sync()

    assert memberships(platform_db.engine) == {(old, successor): "owner", (new, owner): "owner"}
