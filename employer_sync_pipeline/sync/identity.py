"""The shared identity upsert (SPEC §7): one mapping, one guarded statement, for every caller.

``upsert_identities_user`` is the one-user form; the batch writers and JIT call
``write_identities`` with already-mapped plans. Both end in the same guarded
``platform_writes.upsert_identities`` and never commit: the caller owns the transaction.
"""

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.engine import Connection

from ..db import platform_writes as pw
from ..domain.mapping import IdentityRow, map_identity
from ..domain.records import JodgigUser
from ..domain.timezone import TimezoneService
from .results import Written


class IdentityPlan(Protocol):
    user_id: int
    identity: IdentityRow | None


def upsert_identities_user(
    connection: Connection, jodgig_user: JodgigUser, kind: str, *, tz: TimezoneService
) -> pw.Identity:
    """Map ``jodgig_user`` for ``kind``, upsert it behind the guard, and return the identity."""
    row = map_identity(jodgig_user, kind, tz)
    ids, _ = pw.upsert_identities(connection, [row])
    return pw.load_identity(connection, ids[row.remote_gig_user_id])


def write_identities(conn: Connection, plans: Sequence[IdentityPlan], written: Written) -> dict[int, int]:
    """Upsert the in-scope plans' identities and deactivate the others' existing ones.

    Returns remote user id → identity id for every plan that has an identity.
    """
    upserted, written.table_rows["identities_users.upserted"] = pw.upsert_identities(
        conn, [plan.identity for plan in plans if plan.identity is not None]
    )
    leaving = pw.find_identity_ids(conn, [plan.user_id for plan in plans if plan.identity is None])
    written.deactivated_user_ids = pw.deactivate_identities(conn, list(leaving.values()))
    written.table_rows["identities_users.deactivated"] = len(written.deactivated_user_ids)
    return {**upserted, **leaving}
