"""Reads across all five synced tables at once: the state a plan compares, and the totals a summary shows."""

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain.plan_diff import PlatformState
from .platform_tables import identities_users, org_memberships, org_organisations, org_outlet_assignments, org_outlets


def read_platform_state(conn: Connection) -> PlatformState:
    """Every row of the five synced tables, without surrogate ids and bookkeeping timestamps."""
    i, o, oo, m, a = identities_users, org_organisations, org_outlets, org_memberships, org_outlet_assignments
    # Each keyed row: its JodGig id, then its status, then the other columns the sync writes.
    identities = sa.select(
        i.c.remote_gig_user_id, i.c.status, i.c.kind, i.c.email, i.c.first_name, i.c.last_name, i.c.phone_number,
        i.c.remote_created_at, i.c.remote_updated_at,
    )
    organisations = sa.select(o.c.remote_gig_company_id, o.c.status, o.c.name, o.c.uen)
    outlets = sa.select(
        oo.c.remote_gig_outlet_id, oo.c.status, o.c.remote_gig_company_id, oo.c.name, oo.c.address
    ).join(o, o.c.id == oo.c.organisation_id)
    memberships = (
        sa.select(o.c.remote_gig_company_id, i.c.remote_gig_user_id, m.c.role)
        .join(o, o.c.id == m.c.organisation_id)
        .join(i, i.c.id == m.c.identities_user_id)
    )
    assignments = (
        sa.select(i.c.remote_gig_user_id, oo.c.remote_gig_outlet_id)
        .select_from(a)
        .join(m, m.c.id == a.c.org_membership_id)
        .join(i, i.c.id == m.c.identities_user_id)
        .join(oo, oo.c.id == a.c.org_outlet_id)
    )  # fmt: skip
    return PlatformState(
        identities={row[0]: tuple(row[1:]) for row in conn.execute(identities)},
        organisations={row[0]: tuple(row[1:]) for row in conn.execute(organisations)},
        outlets={row[0]: tuple(row[1:]) for row in conn.execute(outlets)},
        memberships={(company, user): role for company, user, role in conn.execute(memberships)},
        assignments=set(conn.execute(assignments).tuples()),
    )


def platform_totals(conn: Connection) -> dict[str, int]:
    """Counts by table and status (or role for memberships)."""
    totals: dict[str, int] = {}
    for table, column in (
        (identities_users, identities_users.c.status),
        (org_organisations, org_organisations.c.status),
        (org_outlets, org_outlets.c.status),
        (org_memberships, org_memberships.c.role),
    ):
        for value, count in conn.execute(sa.select(column, sa.func.count()).group_by(column)):
            totals[f"{table.name} {value}"] = count
    totals["org_outlet_assignments"] = conn.execute(
        sa.select(sa.func.count()).select_from(org_outlet_assignments)
    ).scalar_one()
    return totals
