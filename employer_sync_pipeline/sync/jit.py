"""Just-in-time sync of one user (SPEC §6): the batch path with a batch of one, no sync log."""

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from ..db.platform_writes import find_identity_ids
from ..db.timeouts import DatabaseTimeout
from .reporting import FailureReporter
from .results import BatchResult
from .settings import SourceRules
from .sync_definitions import SyncDefinition

SYNCED = "synced"
DEACTIVATED = "deactivated"
SKIPPED = "skipped"
FAILED = "failed"
TIMED_OUT = "timed_out"


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
    sync: SyncDefinition,
    source: Engine,
    platform: Engine,
    remote_gig_user_id: int,
    rules: SourceRules,
    reporter: FailureReporter,
) -> JitResult:
    """Sync one user in one transaction, with the batch sync's rules and writes.

    A wait that hits a JIT limit rolls the transaction back and returns ``outcome='timed_out'``,
    so a login never waits longer than the limits.
    """
    try:
        result = sync.sync_batch(source, platform, [remote_gig_user_id], rules, reporter)
    except DatabaseTimeout as error:
        return JitResult(remote_gig_user_id, TIMED_OUT, None, None, type(error).__name__, str(error))
    scope_set = _only_set(result)
    if scope_set is None:
        return JitResult(
            remote_gig_user_id, SKIPPED, None, None, message=f"JodGig has no {sync.name} with id {remote_gig_user_id}"
        )
    with platform.connect() as conn:
        identity_id = find_identity_ids(conn, [remote_gig_user_id]).get(remote_gig_user_id)
    if result.failures:
        failure = result.failures[0]
        return JitResult(remote_gig_user_id, FAILED, scope_set, identity_id, failure.error, failure.message)
    return JitResult(remote_gig_user_id, _outcome(result), scope_set, identity_id)


def _outcome(result: BatchResult) -> str:
    if result.synced:
        return SYNCED
    return DEACTIVATED if result.deactivated else SKIPPED


def _only_set(result: BatchResult) -> str | None:
    """The one user's set; ``S_invalid`` is more telling than the S it is counted in too."""
    present = {key for key, count in result.scope_counts.items() if count}
    if "S_invalid" in present:
        return "S_invalid"
    return next(iter(present), None)
