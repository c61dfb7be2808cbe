"""Reads of one user's platform rows, as explain shows them: identity, memberships, assignments."""

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..domain.explanation import PlatformAssignment, PlatformIdentity, PlatformMembership
from .platform_tables import identities_users, org_memberships, org_organisations, org_outlet_assignments, org_outlets

_IDENTITY_COLUMNS = [identities_users.c[field.name] for field in dataclasses.fields(PlatformIdentity)]


@contextmanager
def read_only_connection(engine: Engine) -> Iterator[Connection]:
    """A platform connection that refuses writes, whatever the caller does with it."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # Reset when the connection goes back to the pool.
            yield conn.execution_options(postgresql_readonly=True)
            return
        conn.exec_driver_sql("PRAGMA query_only = ON")
        try:
            yield conn
        finally:
            conn.rollback()
            conn.exec_driver_sql("PRAGMA query_only = OFF")


def identity_of_user(conn: Connection, remote_user_id: int) -> PlatformIdentity | None:
    query = sa.select(*_IDENTITY_COLUMNS).where(identities_users.c.remote_gig_user_id == remote_user_id)
    row = conn.execute(query).first()
    return PlatformIdentity(*row) if row is not None else None


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
