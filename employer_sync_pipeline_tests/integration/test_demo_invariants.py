"""After a full sync of the whole demo data set, the platform is exactly what the rules say (SPEC §2–§3)."""

from collections import defaultdict

import sqlalchemy as sa

from employer_sync_pipeline.db import jodgig_tables as t
from employer_sync_pipeline.demo.generator import DEMO_OBSOLETE_COMPANY_IDS, generate_demo_data
from employer_sync_pipeline.domain.organisation import resolve_owner_per_company
from employer_sync_pipeline.domain.records import Company, JodgigUser, Outlet
from employer_sync_pipeline.domain.scope import EMPLOYER_ROLES, ScopeSet, classify_employer, is_company_live

from ..support.runs import assignments, identities, memberships, run_employer_sync, sync_logs

OBSOLETE = DEMO_OBSOLETE_COMPANY_IDS


def _load(conn, table, record_type):
    columns = [table.c[name] for name in record_type.__slots__]
    return [record_type(*row) for row in conn.execute(sa.select(*columns))]


def expected_state(writer) -> tuple[dict[int, ScopeSet], dict, set]:
    """Sets, memberships and assignments computed straight from the JodGig tables."""
    with writer.connect() as conn:
        users = _load(conn, t.users, JodgigUser)
        companies = {c.id: c for c in _load(conn, t.companies, Company)}
        outlets = {o.id: o for o in _load(conn, t.outlets, Outlet)}
        pivots = conn.execute(sa.select(t.super_hq_external_companies.c.user_id,
                                        t.super_hq_external_companies.c.company_id)).all()
        links = conn.execute(sa.select(t.outlet_user.c.user_id, t.outlet_user.c.outlet_id)).all()
    pivot_companies = defaultdict(list)
    for user_id, company_id in pivots:
        pivot_companies[user_id].append(company_id)
    users_by_company = defaultdict(list)
    for user in users:
        users_by_company[user.company_id].append(user)
    employers = [u for u in users if u.role in EMPLOYER_ROLES]
    sets = {
        u.id: classify_employer(u, companies.get(u.company_id), [companies.get(c) for c in pivot_companies[u.id]],
                                OBSOLETE)
        for u in employers
    }
    owners = {cid: resolve_owner_per_company(c, users_by_company[cid], OBSOLETE) for cid, c in companies.items()}
    expected_memberships = {}
    for u in employers:
        if sets[u.id] is ScopeSet.G:
            role = {"OUTLET_MANAGER": "manager"}.get(u.role, "owner" if owners[u.company_id] == u.id else "admin")
            expected_memberships[(u.company_id, u.id)] = role
        elif sets[u.id] is ScopeSet.S:
            for cid in pivot_companies[u.id]:
                if is_company_live(companies.get(cid), OBSOLETE):
                    expected_memberships[(cid, u.id)] = "admin"
    users_by_id = {u.id: u for u in users}
    expected_assignments = {
        (user_id, outlet_id)
        for user_id, outlet_id in links
        if sets.get(user_id) is ScopeSet.G and users_by_id[user_id].role != "SUPER_HQ_EXTERNAL"
        and outlet_id in outlets and outlets[outlet_id].is_live
        and outlets[outlet_id].company_id == users_by_id[user_id].company_id
    }
    return sets, expected_memberships, expected_assignments


def test_full_sync_of_the_demo_data_matches_the_rules(sync_env, jodgig_db, platform_db, monkeypatch):
    with jodgig_db.writer.begin() as conn:
        generate_demo_data(conn)
    monkeypatch.setenv("JODGIG_OBSOLETE_COMPANY_IDS", ",".join(map(str, sorted(OBSOLETE))))

    run_employer_sync(full_refresh=True)

    sets, expected_memberships, expected_assignments = expected_state(jodgig_db.writer)
    failed = {f["remote_gig_user_id"] for f in sync_logs(platform_db.engine)[0]["fail_log"]}
    assert len(failed) == 5
    synced = identities(platform_db.engine)
    in_scope = {uid for uid, s in sets.items() if s.in_scope}
    assert set(synced) == in_scope - failed
    assert {i["status"] for i in synced.values()} == {"active"}
    assert memberships(platform_db.engine) == {k: v for k, v in expected_memberships.items() if k[1] not in failed}
    assert assignments(platform_db.engine) == {a for a in expected_assignments if a[0] not in failed}
    owners_per_company = defaultdict(int)
    for (company, _), role in memberships(platform_db.engine).items():
        owners_per_company[company] += role == "owner"
    assert max(owners_per_company.values()) == 1
