"""``identities_users``: every read and write of the platform's identities.

Writes are set-based and never commit: the caller owns the transaction.
"""

import dataclasses
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from ..domain.explanation import PlatformIdentity
from ..domain.mapping import IdentityRow
from .id_lists import execute_with_ids, id_chunks, is_one_of, one_of
from .platform_tables import ACTIVE, DEACTIVATED, identities_users
from .upsert import find_ids, upsert_returning_ids

_WRITTEN_COLUMNS = [name for name in IdentityRow.__slots__ if name != "remote_gig_user_id"] + ["status"]
_EXPLAINED_COLUMNS = [identities_users.c[field.name] for field in dataclasses.fields(PlatformIdentity)]


class Identity(NamedTuple):
    id: int
    remote_gig_user_id: int
    kind: str
    status: str
    remote_updated_at: datetime


def _newer_or_same(table: sa.Table, excluded) -> sa.ColumnElement[bool]:
    """The guard: never overwrite an identity with older JodGig data."""
    return table.c.remote_updated_at <= excluded.remote_updated_at


def upsert_identities(
    conn: Connection, rows: Iterable[IdentityRow], look_up: Collection[int] = ()
) -> tuple[dict[int, int], int]:
    """Active identities keyed on ``remote_gig_user_id``: (remote id → identity id, rows written).

    The ids of the remote users of ``look_up`` that have an identity are returned too.
    """
    # Built by hand: dataclasses.asdict deep-copies every value, a hot spot at batch scale.
    values = [{name: getattr(row, name) for name in IdentityRow.__slots__} | {"status": ACTIVE} for row in rows]
    ids, written = upsert_returning_ids(
        conn, identities_users, values, ["remote_gig_user_id"], _WRITTEN_COLUMNS, guard=_newer_or_same, look_up=look_up
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
            is_one_of(conn, i.c.remote_gig_user_id, (row.remote_gig_user_id for row in rows)),
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
    return dict(conn.execute(_email_holders_query(), {"kind": kind, "emails": list(emails)}).all())


@lru_cache(maxsize=None)
def _email_holders_query() -> sa.Select:
    """PostgreSQL: one probe of the (kind, email) index per address, whatever the statistics: a
    freshly loaded platform has none, and the planner then walks every address of the kind instead."""
    i = identities_users
    wanted = sa.func.unnest(sa.bindparam("emails", type_=ARRAY(sa.Text))).table_valued("email").render_derived("wanted")
    holder = (
        sa.select(i.c.remote_gig_user_id)
        .where(i.c.kind == sa.bindparam("kind"), i.c.status == ACTIVE, i.c.email == wanted.c.email)
        .limit(1)
        .lateral("holder")
    )
    return sa.select(wanted.c.email, holder.c.remote_gig_user_id).select_from(wanted).join(holder, sa.true())


def find_identity_versions(conn: Connection, remote_user_ids: Collection[int]) -> dict[int, datetime]:
    """Remote user id → ``remote_updated_at`` of its identity, for those that have one."""
    if not remote_user_ids:
        return {}
    i = identities_users
    query = sa.select(i.c.remote_gig_user_id, i.c.remote_updated_at).where(
        is_one_of(conn, i.c.remote_gig_user_id, remote_user_ids)
    )
    return dict(conn.execute(query).all())


def find_identity_ids(conn: Connection, remote_user_ids: Collection[int]) -> dict[int, int]:
    found = find_ids(conn, identities_users, ["remote_gig_user_id"], {(i,) for i in remote_user_ids})
    return {key[0]: identity_id for key, identity_id in found.items()}


def deactivate_identities(conn: Connection, identity_ids: Collection[int]) -> set[int]:
    """Deactivate active identities; returns the remote user ids that changed."""
    if not identity_ids:
        return set()
    return set(execute_with_ids(conn, _deactivation, identity_ids).scalars())


@lru_cache(maxsize=None)
def _deactivation(form: str) -> sa.Update:
    i = identities_users
    return (
        sa.update(i)
        .where(one_of(form, i.c.id, "ids"), i.c.status == ACTIVE)
        .values(status=DEACTIVATED, updated_at=sa.func.now())
        .returning(i.c.remote_gig_user_id)
    )


def identity_of_user(conn: Connection, remote_user_id: int) -> PlatformIdentity | None:
    query = sa.select(*_EXPLAINED_COLUMNS).where(identities_users.c.remote_gig_user_id == remote_user_id)
    row = conn.execute(query).first()
    return PlatformIdentity(*row) if row is not None else None


def active_identity_user_ids(conn: Connection, kind: str, among: Collection[int] | None = None) -> set[int]:
    """JodGig user ids of the active identities of ``kind``; only those ``among`` these ids, if given."""
    i = identities_users
    query = sa.select(i.c.remote_gig_user_id).where(i.c.kind == kind, i.c.status == ACTIVE)
    if among is None:
        return set(conn.execute(query).scalars())
    return {
        user_id
        for chunk in id_chunks(conn, among)
        for user_id in conn.execute(query.where(is_one_of(conn, i.c.remote_gig_user_id, chunk))).scalars()
    }
