"""The shared identity upsert (SPEC §7): one mapping, one guarded statement, for every caller.

``upsert_identities_user`` is the one-user form; the batch writers and JIT call
``write_identities`` with already-mapped plans. Both end in the same guarded
``platform_writes.upsert_identities`` and never commit: the caller owns the transaction.
"""

from collections.abc import Sequence
from typing import Protocol, TypeVar

from sqlalchemy.engine import Connection

from ..db import platform_writes as pw
from ..domain.mapping import IdentityRow, map_identity
from ..domain.records import JodgigUser
from ..domain.timezone import TimezoneService
from .results import RecordFailure, Written, duplicate_email_failure


class IdentityPlan(Protocol):
    user_id: int
    identity: IdentityRow | None


Plan = TypeVar("Plan", bound=IdentityPlan)


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
    leaving = pw.find_identity_ids(conn, [plan.user_id for plan in plans if plan.identity is None])
    # Deactivate first: an e-mail an employer leaving scope frees is then free for this batch.
    written.deactivated_user_ids = pw.deactivate_identities(conn, list(leaving.values()))
    written.table_rows["identities_users.deactivated"] = len(written.deactivated_user_ids)
    upserted, written.table_rows["identities_users.upserted"] = pw.upsert_identities(
        conn, [plan.identity for plan in plans if plan.identity is not None]
    )
    written.identity_ids = {**upserted, **leaving}
    return written.identity_ids


def reject_duplicate_emails(conn: Connection, plans: Sequence[Plan]) -> tuple[list[Plan], list[RecordFailure]]:
    """Fail, before any write, the plans whose e-mail another identity keeps.

    The active identity that has the e-mail keeps it; when none does, or when it is in the
    batch giving the e-mail up, the lowest user id asking for it does, as the database would
    decide. The database stays the safety net: this only spares the bulk write a rollback.
    """
    by_email: dict[tuple[str, str], list[Plan]] = {}
    for plan in plans:
        if plan.identity is not None:
            by_email.setdefault((plan.identity.kind, plan.identity.email), []).append(plan)
    holders = _active_holders(conn, by_email.keys())
    in_batch = {plan.user_id for plan in plans}
    rejected = set()
    for key, wanting in by_email.items():
        holder = holders.get(key)
        if holder is not None and holder not in in_batch:
            keeper = None
        elif any(plan.user_id == holder for plan in wanting):
            keeper = holder
        else:
            keeper = min(plan.user_id for plan in wanting)
        rejected.update(plan.user_id for plan in wanting if plan.user_id != keeper)
    kept = [plan for plan in plans if plan.user_id not in rejected]
    return kept, [duplicate_email_failure(user_id) for user_id in sorted(rejected)]


def _active_holders(conn: Connection, keys) -> dict[tuple[str, str], int]:
    """(kind, e-mail) → remote user id of the active identity that has it."""
    holders = {}
    for kind in {kind for kind, _ in keys}:
        found = pw.active_email_holders(conn, kind, [email for k, email in keys if k == kind])
        holders.update({(kind, email): holder for email, holder in found.items()})
    return holders
