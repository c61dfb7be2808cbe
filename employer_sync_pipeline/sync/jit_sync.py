"""Just-in-time sync of one user (SPEC §6): the batch path with a batch of one, no sync log."""

from dataclasses import dataclass, replace

from sqlalchemy.engine import Engine

from ..db.jodgig_queries import user_exists
from ..db.timeouts import DatabaseTimeout
from .failure_reporting import FailureReporter
from .one_connection import one_connection
from .results import DEACTIVATED, FAILED, SKIPPED, SYNCED
from .source_rules import Databases
from .sync_definitions import SyncDefinition

TIMED_OUT = "timed_out"
NOT_FOUND = "not_found"

__all__ = ["DEACTIVATED", "FAILED", "NOT_FOUND", "SKIPPED", "SYNCED", "TIMED_OUT", "JitResult", "sync_user_now"]


@dataclass(frozen=True)
class JitResult:
    """What a JIT sync did for one JodGig user."""

    remote_gig_user_id: int
    outcome: str
    scope_set: str | None
    identity_id: int | None
    error: str | None = None
    message: str | None = None


def sync_user_now(
    sync: SyncDefinition, dbs: Databases, remote_gig_user_id: int, reporter: FailureReporter
) -> JitResult:
    """Sync one user in one transaction, with the batch sync's rules and writes.

    A wait that hits a JIT limit rolls the transaction back and returns ``outcome='timed_out'``,
    so a login never waits longer than the limits. An id JodGig does not have is ``not_found``;
    a user who is not a ``sync.name`` is ``skipped``.
    """
    try:
        with one_connection(dbs.platform) as platform:
            [record] = sync.sync_batch(replace(dbs, platform=platform), [remote_gig_user_id], reporter).records
        if record.scope_set is None:
            return _not_a(sync, dbs.source, remote_gig_user_id)
    except DatabaseTimeout as error:
        return JitResult(remote_gig_user_id, TIMED_OUT, None, None, type(error).__name__, str(error))
    failure = record.failure
    return JitResult(
        remote_gig_user_id,
        record.outcome,
        record.scope_set.value,
        record.identity_id,
        failure.error if failure else None,
        failure.message if failure else None,
    )


def _not_a(sync: SyncDefinition, source: Engine, remote_gig_user_id: int) -> JitResult:
    with source.connect() as conn:
        exists = user_exists(conn, remote_gig_user_id)
    if exists:
        return JitResult(remote_gig_user_id, SKIPPED, None, None,
                         message=f"JodGig user {remote_gig_user_id} is not {'an' if sync.name[0] in 'aeiou' else 'a'} {sync.name}")
    return JitResult(remote_gig_user_id, NOT_FOUND, None, None,
                     message=f"JodGig has no user with id {remote_gig_user_id}")
