"""Read-only queries of the platform for the data checks."""

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .platform_tables import ACTIVE, identities_users, org_memberships, org_organisations


def active_identity_user_ids(conn: Connection, kind: str) -> set[int]:
    i = identities_users
    query = sa.select(i.c.remote_gig_user_id).where(i.c.kind == kind, i.c.status == ACTIVE)
    return set(conn.execute(query).scalars())


def organisation_owners(conn: Connection) -> dict[int, list[int]]:
    """JodGig company id of every active organisation → JodGig user ids of its owners."""
    o, m, i = org_organisations, org_memberships, identities_users
    owners = sa.select(m.c.organisation_id, i.c.remote_gig_user_id).join(i, i.c.id == m.c.identities_user_id).where(
        m.c.role == "owner"
    ).subquery()
    query = (
        sa.select(o.c.remote_gig_company_id, owners.c.remote_gig_user_id)
        .outerjoin(owners, owners.c.organisation_id == o.c.id)
        .where(o.c.status == ACTIVE)
        .order_by(o.c.remote_gig_company_id, owners.c.remote_gig_user_id)
    )
    result: dict[int, list[int]] = {}
    for company_id, user_id in conn.execute(query):
        result.setdefault(company_id, [])
        if user_id is not None:
            result[company_id].append(user_id)
    return result
