"""Read-only queries of the platform for the data checks."""

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain.batching import batched
from .platform_tables import ACTIVE, identities_users, org_memberships, org_organisations

_IN_LIST_CHUNK = 5000


def active_identity_user_ids(conn: Connection, kind: str, among: Collection[int] | None = None) -> set[int]:
    """JodGig user ids of the active identities of ``kind``; only those ``among`` these ids, if given."""
    i = identities_users
    query = sa.select(i.c.remote_gig_user_id).where(i.c.kind == kind, i.c.status == ACTIVE)
    if among is None:
        return set(conn.execute(query).scalars())
    return {
        user_id
        for chunk in batched(sorted(among), _IN_LIST_CHUNK)
        for user_id in conn.execute(query.where(i.c.remote_gig_user_id.in_(chunk))).scalars()
    }


def organisation_owners(conn: Connection, company_ids: Collection[int] | None = None) -> dict[int, list[int]]:
    """JodGig company id of every active organisation (of ``company_ids``, if given) → JodGig user ids
    of its owners."""
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
    queries = [query] if company_ids is None else [
        query.where(o.c.remote_gig_company_id.in_(chunk)) for chunk in batched(sorted(company_ids), _IN_LIST_CHUNK)
    ]
    result: dict[int, list[int]] = {}
    for company_id, user_id in (row for q in queries for row in conn.execute(q)):
        result.setdefault(company_id, [])
        if user_id is not None:
            result[company_id].append(user_id)
    return result
