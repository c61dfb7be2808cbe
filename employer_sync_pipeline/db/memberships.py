"""``org_memberships`` and ``org_outlet_assignments``: every read and write of who belongs where.

Writes are set-based and never commit: the caller owns the transaction.
"""

from collections.abc import Collection, Iterable, Mapping
from functools import lru_cache, partial
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain.explanation import PlatformAssignment, PlatformMembership
from ..domain.organisation import ADMIN, OWNER
from .id_lists import execute_with_ids, id_chunks, ids_form, is_one_of, one_of
from .platform_tables import (
    ACTIVE,
    identities_users,
    org_memberships,
    org_organisations,
    org_outlet_assignments,
    org_outlets,
)
from .upsert import insert_rows, upsert_returning_ids


class ExistingMembership(NamedTuple):
    id: int
    organisation_id: int
    identities_user_id: int
    role: str


def membership_company_ids(conn: Connection, remote_user_ids: Collection[int]) -> set[int]:
    """JodGig company ids of the organisations where these users have memberships now."""
    if not remote_user_ids:
        return set()
    return set(conn.execute(_membership_companies_query(ids_form(conn)), {"ids": list(remote_user_ids)}).scalars())


@lru_cache(maxsize=None)
def _membership_companies_query(form: str) -> sa.Select:
    m, o, i = org_memberships, org_organisations, identities_users
    return (
        sa.select(o.c.remote_gig_company_id)
        .distinct()
        .select_from(m)
        .join(o, o.c.id == m.c.organisation_id)
        .join(i, i.c.id == m.c.identities_user_id)
        .where(one_of(form, i.c.remote_gig_user_id, "ids"))
    )


class MembershipState(NamedTuple):
    """What a write needs to know of the memberships it may change, read in one statement."""

    #: The identities' memberships.
    memberships: list[ExistingMembership]
    #: (membership id, org outlet id) → assignment id, of those memberships.
    assignments: dict[tuple[int, int], int]
    #: Organisation id → the identity id of its owner now, for the organisations asked about.
    owners: dict[int, int]


def membership_state(
    conn: Connection, identity_ids: Collection[int], organisation_ids: Collection[int]
) -> MembershipState:
    """The memberships of these identities with their outlet assignments, and the owners of these
    organisations."""
    if not identity_ids and not organisation_ids:
        return MembershipState([], {}, {})
    query = _membership_state_query(ids_form(conn), bool(identity_ids), bool(organisation_ids))
    rows = conn.execute(query, {"identities": list(identity_ids), "organisations": list(organisation_ids)})
    identities, organisations = set(identity_ids), set(organisation_ids)
    found: dict[int, ExistingMembership] = {}
    assignments, owners = {}, {}
    for membership_id, org_id, identity_id, role, assignment_id, outlet_id in rows:
        if identity_id in identities:
            found[membership_id] = ExistingMembership(membership_id, org_id, identity_id, role)
        if assignment_id is not None:
            assignments[(membership_id, outlet_id)] = assignment_id
        if role == OWNER and org_id in organisations:
            owners[org_id] = identity_id
    return MembershipState(list(found.values()), assignments, owners)


@lru_cache(maxsize=None)
def _membership_state_query(form: str, of_identities: bool, of_organisations: bool) -> sa.CompoundSelect:
    m, a = org_memberships, org_outlet_assignments
    parts = []
    if of_identities:
        parts.append(
            sa.select(m.c.id, m.c.organisation_id, m.c.identities_user_id, m.c.role, a.c.id, a.c.org_outlet_id)
            .outerjoin(a, a.c.org_membership_id == m.c.id)
            .where(one_of(form, m.c.identities_user_id, "identities"))
        )
    if of_organisations:
        parts.append(
            sa.select(m.c.id, m.c.organisation_id, m.c.identities_user_id, m.c.role, sa.null(), sa.null()).where(
                one_of(form, m.c.organisation_id, "organisations"), m.c.role == OWNER
            )
        )
    return sa.union_all(*parts)


def existing_memberships(conn: Connection, identity_ids: Collection[int]) -> list[ExistingMembership]:
    if not identity_ids:
        return []
    m = org_memberships
    query = sa.select(m.c.id, m.c.organisation_id, m.c.identities_user_id, m.c.role).where(
        is_one_of(conn, m.c.identities_user_id, identity_ids)
    )
    return [ExistingMembership(*row) for row in conn.execute(query)]


def delete_memberships(conn: Connection, membership_ids: Collection[int]) -> int:
    """Delete memberships and their outlet assignments."""
    if not membership_ids:
        return 0
    execute_with_ids(conn, partial(_deletion, org_outlet_assignments.c.org_membership_id), membership_ids)
    return execute_with_ids(conn, partial(_deletion, org_memberships.c.id), membership_ids).rowcount


@lru_cache(maxsize=None)
def _deletion(key: sa.Column, form: str) -> sa.Delete:
    """Delete the rows of ``key``'s table whose ``key`` is one of the ids bound as ``ids``."""
    return sa.delete(key.table).where(one_of(form, key, "ids"))


def demote_other_owners(conn: Connection, owners: Mapping[int, int | None]) -> int:
    """Make every owner of these organisations who is not its resolved owner an admin.

    ``owners`` maps organisation id → the resolved owner's identity id (None:
    no owner). Runs before any promotion, so the one-owner index always holds.
    """
    if not owners:
        return 0
    m = org_memberships
    keep = [(org_id, identity_id) for org_id, identity_id in owners.items() if identity_id is not None]
    statement = sa.update(m).where(is_one_of(conn, m.c.organisation_id, owners.keys()), m.c.role == OWNER)
    if keep:
        statement = statement.where(sa.tuple_(m.c.organisation_id, m.c.identities_user_id).not_in(keep))
    return conn.execute(statement.values(role=ADMIN, updated_at=sa.func.now())).rowcount


def upsert_memberships(conn: Connection, rows: Iterable[tuple[int, int, str]]) -> tuple[dict[tuple, int], int]:
    """(organisation id, identity id, role) rows: ((org, identity) → membership id, rows written)."""
    values = [{"organisation_id": o, "identities_user_id": i, "role": role} for o, i, role in rows]
    return upsert_returning_ids(
        conn, org_memberships, values, ["organisation_id", "identities_user_id"], ["role"]
    )


def promote_owners(conn: Connection, owners: Mapping[int, int | None]) -> int:
    """Make each resolved owner's existing membership the owner."""
    pairs = [(org_id, identity_id) for org_id, identity_id in owners.items() if identity_id is not None]
    if not pairs:
        return 0
    m = org_memberships
    statement = (
        sa.update(m)
        .where(sa.tuple_(m.c.organisation_id, m.c.identities_user_id).in_(pairs), m.c.role != OWNER)
        .values(role=OWNER, updated_at=sa.func.now())
    )
    return conn.execute(statement).rowcount


def memberships_of_user(conn: Connection, remote_user_id: int) -> list[PlatformMembership]:
    """The user's memberships, by JodGig company id."""
    m, o, i = org_memberships, org_organisations, identities_users
    query = (
        sa.select(o.c.remote_gig_company_id, m.c.role, o.c.status)
        .select_from(m)
        .join(o, o.c.id == m.c.organisation_id)
        .join(i, i.c.id == m.c.identities_user_id)
        .where(i.c.remote_gig_user_id == remote_user_id)
        .order_by(o.c.remote_gig_company_id)
    )
    return [PlatformMembership(*row) for row in conn.execute(query)]


def organisation_owners(conn: Connection, company_ids: Collection[int] | None = None) -> dict[int, list[int]]:
    """JodGig company id of every active organisation (of ``company_ids``, if given) → JodGig user ids
    of its owners."""
    o, m, i = org_organisations, org_memberships, identities_users
    owners = sa.select(m.c.organisation_id, i.c.remote_gig_user_id).join(i, i.c.id == m.c.identities_user_id).where(
        m.c.role == OWNER
    ).subquery()
    query = (
        sa.select(o.c.remote_gig_company_id, owners.c.remote_gig_user_id)
        .outerjoin(owners, owners.c.organisation_id == o.c.id)
        .where(o.c.status == ACTIVE)
        .order_by(o.c.remote_gig_company_id, owners.c.remote_gig_user_id)
    )
    queries = [query] if company_ids is None else [
        query.where(is_one_of(conn, o.c.remote_gig_company_id, chunk))
        for chunk in id_chunks(conn, company_ids)
    ]
    result: dict[int, list[int]] = {}
    for company_id, user_id in (row for q in queries for row in conn.execute(q)):
        result.setdefault(company_id, [])
        if user_id is not None:
            result[company_id].append(user_id)
    return result


def existing_assignments(conn: Connection, membership_ids: Collection[int]) -> dict[tuple[int, int], int]:
    """(membership id, org outlet id) → assignment id."""
    if not membership_ids:
        return {}
    a = org_outlet_assignments
    query = sa.select(a.c.id, a.c.org_membership_id, a.c.org_outlet_id).where(
        is_one_of(conn, a.c.org_membership_id, membership_ids)
    )
    return {(membership_id, outlet_id): row_id for row_id, membership_id, outlet_id in conn.execute(query)}


def insert_assignments(conn: Connection, pairs: Collection[tuple[int, int]]) -> int:
    if not pairs:
        return 0
    return insert_rows(conn, org_outlet_assignments, [{"org_membership_id": m, "org_outlet_id": o} for m, o in pairs])


def delete_assignments(conn: Connection, assignment_ids: Collection[int]) -> int:
    if not assignment_ids:
        return 0
    return execute_with_ids(conn, partial(_deletion, org_outlet_assignments.c.id), assignment_ids).rowcount


def assignments_of_user(conn: Connection, remote_user_id: int) -> list[PlatformAssignment]:
    """The user's outlet assignments, by JodGig outlet and company id."""
    a, m, i, oo, o = org_outlet_assignments, org_memberships, identities_users, org_outlets, org_organisations
    query = (
        sa.select(oo.c.remote_gig_outlet_id, o.c.remote_gig_company_id, oo.c.status)
        .select_from(a)
        .join(m, m.c.id == a.c.org_membership_id)
        .join(i, i.c.id == m.c.identities_user_id)
        .join(oo, oo.c.id == a.c.org_outlet_id)
        .join(o, o.c.id == oo.c.organisation_id)
        .where(i.c.remote_gig_user_id == remote_user_id)
        .order_by(oo.c.remote_gig_outlet_id)
    )
    return [PlatformAssignment(*row) for row in conn.execute(query)]
