"""Row counts of the platform tables, for summaries."""

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .platform_tables import identities_users, org_memberships, org_organisations, org_outlet_assignments, org_outlets


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
