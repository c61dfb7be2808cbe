"""Set-based writes into the platform tables. The caller owns the transaction."""

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from ..domain.mapping import IdentityRow, storable_text
from ..domain.organisation import ADMIN, OWNER
from ..domain.records import Company, Outlet
from .platform_tables import (
    ACTIVE,
    DEACTIVATED,
    identities_users,
    org_memberships,
    org_organisations,
    org_outlet_assignments,
    org_outlets,
)
from .copy_upsert import copy_rows
from .upsert import find_ids, upsert_returning_ids, uses_copy

_IDENTITY_COLUMNS = [name for name in IdentityRow.__slots__ if name != "remote_gig_user_id"] + ["status"]


class Identity(NamedTuple):
    id: int
    remote_gig_user_id: int
    kind: str
    status: str
    remote_updated_at: datetime


class ExistingMembership(NamedTuple):
    id: int
    organisation_id: int
    identities_user_id: int
    role: str


def _newer_or_same(table: sa.Table, excluded) -> sa.ColumnElement[bool]:
    """The guard: never overwrite an identity with older JodGig data."""
    return table.c.remote_updated_at <= excluded.remote_updated_at


def upsert_identities(conn: Connection, rows: Iterable[IdentityRow]) -> tuple[dict[int, int], int]:
    """Active identities keyed on ``remote_gig_user_id``: (remote id → identity id, rows written)."""
    # Built by hand: dataclasses.asdict deep-copies every value, a hot spot at batch scale.
    values = [{name: getattr(row, name) for name in IdentityRow.__slots__} | {"status": ACTIVE} for row in rows]
    ids, written = upsert_returning_ids(
        conn, identities_users, values, ["remote_gig_user_id"], _IDENTITY_COLUMNS, guard=_newer_or_same
    )
    return {key[0]: identity_id for key, identity_id in ids.items()}, written


def release_emails(conn: Connection, rows: Sequence[IdentityRow]) -> None:
    """Take these identities out of the active e-mail index until their upsert, later in the same
    transaction, makes them active with their new address: no reader ever sees this state.

    Behind the upsert's own guard, so an identity the upsert would not touch keeps its state.
    """
    if not rows:
        return
    i = identities_users
    version = i.c.remote_updated_at.type
    incoming = sa.case(
        *((i.c.remote_gig_user_id == row.remote_gig_user_id, sa.literal(row.remote_updated_at, version)) for row in rows)
    )
    statement = (
        sa.update(i)
        .where(
            i.c.remote_gig_user_id.in_([row.remote_gig_user_id for row in rows]),
            i.c.status == ACTIVE,
            i.c.remote_updated_at <= incoming,
        )
        .values(status=DEACTIVATED)
    )
    conn.execute(statement)


def load_identity(conn: Connection, identity_id: int) -> Identity:
    i = identities_users
    query = sa.select(i.c.id, i.c.remote_gig_user_id, i.c.kind, i.c.status, i.c.remote_updated_at).where(
        i.c.id == identity_id
    )
    return Identity(*conn.execute(query).one())


def active_email_holders(conn: Connection, kind: str, emails: Collection[str]) -> dict[str, int]:
    """E-mail → remote user id of the active identity of ``kind`` that has it."""
    if not emails:
        return {}
    i = identities_users
    if conn.dialect.name != "postgresql":
        query = sa.select(i.c.email, i.c.remote_gig_user_id).where(
            i.c.kind == kind, i.c.status == ACTIVE, i.c.email.in_(list(emails))
        )
        return dict(conn.execute(query).all())
    # One probe of the (kind, email) index per address, whatever the statistics: a freshly
    # loaded platform has none, and the planner then walks every address of the kind instead.
    addresses = sa.cast(sa.literal(list(emails)), ARRAY(sa.Text))
    wanted = sa.func.unnest(addresses).table_valued("email").render_derived("wanted")
    holder = (
        sa.select(i.c.remote_gig_user_id)
        .where(i.c.kind == kind, i.c.status == ACTIVE, i.c.email == wanted.c.email)
        .limit(1)
        .lateral("holder")
    )
    query = sa.select(wanted.c.email, holder.c.remote_gig_user_id).select_from(wanted).join(holder, sa.true())
    return dict(conn.execute(query).all())


def find_identity_versions(conn: Connection, remote_user_ids: Collection[int]) -> dict[int, datetime]:
    """Remote user id → ``remote_updated_at`` of its identity, for those that have one."""
    if not remote_user_ids:
        return {}
    i = identities_users
    query = sa.select(i.c.remote_gig_user_id, i.c.remote_updated_at).where(
        i.c.remote_gig_user_id.in_(list(remote_user_ids))
    )
    return dict(conn.execute(query).all())


def find_identity_ids(conn: Connection, remote_user_ids: Collection[int]) -> dict[int, int]:
    found = find_ids(conn, identities_users, ["remote_gig_user_id"], {(i,) for i in remote_user_ids})
    return {key[0]: identity_id for key, identity_id in found.items()}


def deactivate_identities(conn: Connection, identity_ids: Collection[int]) -> set[int]:
    """Deactivate active identities; returns the remote user ids that changed."""
    if not identity_ids:
        return set()
    statement = (
        sa.update(identities_users)
        .where(identities_users.c.id.in_(identity_ids), identities_users.c.status == ACTIVE)
        .values(status=DEACTIVATED, updated_at=sa.func.now())
        .returning(identities_users.c.remote_gig_user_id)
    )
    return set(conn.execute(statement).scalars())


def upsert_organisations(conn: Connection, companies: Iterable[Company]) -> tuple[dict[int, int], int]:
    """Active organisations for live companies: (company id → organisation id, rows written)."""
    values = [
        {"remote_gig_company_id": c.id, "name": storable_text(c.name), "uen": storable_text(c.uen), "status": ACTIVE}
        for c in companies
    ]
    ids, written = upsert_returning_ids(
        conn, org_organisations, values, ["remote_gig_company_id"], ["name", "uen", "status"]
    )
    return {key[0]: org_id for key, org_id in ids.items()}, written


def find_organisation_ids(conn: Connection, company_ids: Collection[int]) -> dict[int, int]:
    found = find_ids(conn, org_organisations, ["remote_gig_company_id"], {(i,) for i in company_ids})
    return {key[0]: org_id for key, org_id in found.items()}


def deactivate_organisations(conn: Connection, company_ids: Collection[int]) -> int:
    return _deactivate(conn, org_organisations, org_organisations.c.remote_gig_company_id, company_ids)


def upsert_outlets(
    conn: Connection, outlets: Iterable[Outlet], organisation_ids: Mapping[int, int]
) -> tuple[dict[int, int], int]:
    """Active outlets: (JodGig outlet id → org outlet id, rows written)."""
    values = [
        {
            "remote_gig_outlet_id": o.id,
            "organisation_id": organisation_ids[o.company_id],
            "name": storable_text(o.name),
            "address": storable_text(o.address),
            "status": ACTIVE,
        }
        for o in outlets
    ]
    ids, written = upsert_returning_ids(
        conn, org_outlets, values, ["remote_gig_outlet_id"], ["organisation_id", "name", "address", "status"]
    )
    return {key[0]: outlet_id for key, outlet_id in ids.items()}, written


def deactivate_outlets(conn: Connection, outlet_ids: Collection[int]) -> int:
    return _deactivate(conn, org_outlets, org_outlets.c.remote_gig_outlet_id, outlet_ids)


def _deactivate(conn: Connection, table: sa.Table, key: sa.Column, remote_ids: Collection[int]) -> int:
    if not remote_ids:
        return 0
    statement = (
        sa.update(table)
        .where(key.in_(remote_ids), table.c.status == ACTIVE)
        .values(status=DEACTIVATED, updated_at=sa.func.now())
    )
    return conn.execute(statement).rowcount


def membership_company_ids(conn: Connection, remote_user_ids: Collection[int]) -> set[int]:
    """JodGig company ids of the organisations where these users have memberships now."""
    if not remote_user_ids:
        return set()
    m, o, i = org_memberships, org_organisations, identities_users
    query = (
        sa.select(o.c.remote_gig_company_id)
        .distinct()
        .select_from(m)
        .join(o, o.c.id == m.c.organisation_id)
        .join(i, i.c.id == m.c.identities_user_id)
        .where(i.c.remote_gig_user_id.in_(list(remote_user_ids)))
    )
    return set(conn.execute(query).scalars())


def existing_memberships(conn: Connection, identity_ids: Collection[int]) -> list[ExistingMembership]:
    if not identity_ids:
        return []
    m = org_memberships
    query = sa.select(m.c.id, m.c.organisation_id, m.c.identities_user_id, m.c.role).where(
        m.c.identities_user_id.in_(identity_ids)
    )
    return [ExistingMembership(*row) for row in conn.execute(query)]


def delete_memberships(conn: Connection, membership_ids: Collection[int]) -> int:
    """Delete memberships and their outlet assignments."""
    if not membership_ids:
        return 0
    conn.execute(
        sa.delete(org_outlet_assignments).where(org_outlet_assignments.c.org_membership_id.in_(membership_ids))
    )
    return conn.execute(sa.delete(org_memberships).where(org_memberships.c.id.in_(membership_ids))).rowcount


def demote_other_owners(conn: Connection, owners: Mapping[int, int | None]) -> int:
    """Make every owner of these organisations who is not its resolved owner an admin.

    ``owners`` maps organisation id → the resolved owner's identity id (None:
    no owner). Runs before any promotion, so the one-owner index always holds.
    """
    if not owners:
        return 0
    m = org_memberships
    keep = [(org_id, identity_id) for org_id, identity_id in owners.items() if identity_id is not None]
    statement = sa.update(m).where(m.c.organisation_id.in_(owners.keys()), m.c.role == OWNER)
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


def existing_assignments(conn: Connection, membership_ids: Collection[int]) -> dict[tuple[int, int], int]:
    """(membership id, org outlet id) → assignment id."""
    if not membership_ids:
        return {}
    a = org_outlet_assignments
    query = sa.select(a.c.id, a.c.org_membership_id, a.c.org_outlet_id).where(
        a.c.org_membership_id.in_(membership_ids)
    )
    return {(membership_id, outlet_id): row_id for row_id, membership_id, outlet_id in conn.execute(query)}


def insert_assignments(conn: Connection, pairs: Collection[tuple[int, int]]) -> int:
    if not pairs:
        return 0
    rows = [{"org_membership_id": m, "org_outlet_id": o} for m, o in pairs]
    if uses_copy(conn, len(rows)):
        return copy_rows(conn, org_outlet_assignments, rows, ["org_membership_id", "org_outlet_id"])
    conn.execute(sa.insert(org_outlet_assignments), rows)
    return len(rows)


def delete_assignments(conn: Connection, assignment_ids: Collection[int]) -> int:
    if not assignment_ids:
        return 0
    a = org_outlet_assignments
    return conn.execute(sa.delete(a).where(a.c.id.in_(assignment_ids))).rowcount
