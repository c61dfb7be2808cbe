"""The shared identity upsert (SPEC §7): one mapping, one guarded statement, for every caller.

``upsert_identities_user`` is the one-user form; the batch writers and JIT call
``write_identities`` with already-mapped plans. Both end in the same guarded
``db.identities.upsert_identities`` and never commit: the caller owns the transaction.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from sqlalchemy.engine import Connection

from ..db import identities
from ..domain.email_claims import EmailKey, settle_claims
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
) -> identities.Identity:
    """Map ``jodgig_user`` for ``kind``, upsert it behind the guard, and return the identity."""
    row = map_identity(jodgig_user, kind, tz)
    ids, _ = identities.upsert_identities(connection, [row])
    return identities.load_identity(connection, ids[row.remote_gig_user_id])


def write_identities(
    conn: Connection,
    plans: Sequence[IdentityPlan],
    written: Written,
    releases: Collection[int] = (),
    also_look_up: Collection[int] = (),
) -> dict[int, int]:
    """Upsert the in-scope plans' identities and deactivate the others' existing ones.

    ``releases`` are users of these plans whose current address another plan takes: they let go
    of it first, inside this transaction, so a swap or rotation never meets the unique index.
    Returns remote user id → identity id for every plan that has an identity, and for the users
    of ``also_look_up`` that have one: they are looked up by the upsert's own statement.
    """
    leaving = identities.find_identity_ids(conn, [plan.user_id for plan in plans if plan.identity is None])
    # Deactivate first: an e-mail an employer leaving scope frees is then free for this batch.
    written.deactivated_user_ids = identities.deactivate_identities(conn, list(leaving.values()))
    written.table_rows["identities_users.deactivated"] = len(written.deactivated_user_ids)
    releasing = [plan.identity for plan in plans if plan.user_id in releases and plan.identity is not None]
    identities.release_emails(conn, releasing)
    upserting = [plan.identity for plan in plans if plan.identity is not None]
    found, written.table_rows["identities_users.upserted"] = identities.upsert_identities(
        conn, upserting, look_up=set(also_look_up) - leaving.keys()
    )
    written.identity_ids = {row.remote_gig_user_id: found[row.remote_gig_user_id] for row in upserting} | leaving
    return found | leaving


@dataclass(frozen=True)
class EmailOutcome(Generic[Plan]):
    """What the e-mail rule leaves of a set of plans: those to write now, the failed, the deferred."""

    plans: list[Plan]
    failures: list[RecordFailure]
    deferred: frozenset[int]
    releases: frozenset[int]


def settle_emails(conn: Connection, plans: Sequence[Plan], defer: Collection[int] | None = None) -> EmailOutcome[Plan]:
    """Apply SPEC §3's e-mail rule to the plans of one write, before any write.

    With ``defer`` (a run's batch), a plan whose address another identity holds now, or that is
    in ``defer`` (addresses other users of the run want too), is left for the run's final step,
    which settles all of them together whatever the batch order. Without it (that final step, JIT),
    every claim is decided here. The database's unique index stays the safety net.
    """
    claims = {plan.user_id: (plan.identity.kind, plan.identity.email) for plan in plans if plan.identity is not None}
    holders = _active_holders(conn, set(claims.values()))
    deferred = frozenset()
    if defer is not None:
        deferred = frozenset(
            user_id for user_id, key in claims.items()
            if user_id in defer or holders.get(key, user_id) != user_id
        )  # fmt: skip
        claims = {user_id: key for user_id, key in claims.items() if user_id not in deferred}
    writers = [plan.user_id for plan in plans if plan.user_id not in deferred]
    settlement = settle_claims(claims, holders, writers)
    dropped = settlement.losers | deferred
    return EmailOutcome(
        [plan for plan in plans if plan.user_id not in dropped],
        [duplicate_email_failure(user_id) for user_id in sorted(settlement.losers)],
        deferred,
        settlement.releases,
    )


def _active_holders(conn: Connection, keys: Collection[EmailKey]) -> dict[EmailKey, int]:
    """(kind, e-mail) → remote user id of the active identity that has it."""
    holders = {}
    for kind in {kind for kind, _ in keys}:
        found = identities.active_email_holders(conn, kind, [email for k, email in keys if k == kind])
        holders.update({(kind, email): holder for email, holder in found.items()})
    return holders
