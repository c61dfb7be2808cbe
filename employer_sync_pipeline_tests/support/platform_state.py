"""The platform's state as two databases can compare it, whatever their histories."""

import sqlalchemy as sa

from employer_sync_pipeline.db import platform_tables as p


def comparable_state(engine: sa.Engine) -> dict[str, set[tuple]]:
    """Every platform table but ``gig_sync_logs``, as sets of tuples keyed by JodGig ids.

    Surrogate ids, ``created_at`` and ``updated_at`` are left out: they depend on history.
    """
    i, o, oo, m, a = p.identities_users, p.org_organisations, p.org_outlets, p.org_memberships, p.org_outlet_assignments
    queries = {
        "identities": sa.select(
            i.c.remote_gig_user_id, i.c.kind, i.c.email, i.c.first_name, i.c.last_name, i.c.phone_number,
            i.c.status, i.c.remote_created_at, i.c.remote_updated_at,
        ),
        "organisations": sa.select(o.c.remote_gig_company_id, o.c.name, o.c.uen, o.c.status),
        "outlets": sa.select(
            oo.c.remote_gig_outlet_id, o.c.remote_gig_company_id, oo.c.name, oo.c.address, oo.c.status
        ).join(o, o.c.id == oo.c.organisation_id),
        "memberships": sa.select(o.c.remote_gig_company_id, i.c.remote_gig_user_id, m.c.role)
        .join(o, o.c.id == m.c.organisation_id)
        .join(i, i.c.id == m.c.identities_user_id),
        "assignments": sa.select(i.c.remote_gig_user_id, oo.c.remote_gig_outlet_id)
        .select_from(a)
        .join(m, m.c.id == a.c.org_membership_id)
        .join(i, i.c.id == m.c.identities_user_id)
        .join(oo, oo.c.id == a.c.org_outlet_id),
    }  # fmt: skip
    with engine.connect() as conn:
        state = {name: {tuple(row) for row in conn.execute(query)} for name, query in queries.items()}
    # Keys are unique per table, so the keyed tables lose nothing as dicts later.
    for name in ("identities", "organisations", "outlets"):
        assert len({row[0] for row in state[name]}) == len(state[name]), name
    return state
