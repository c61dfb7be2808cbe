"""One talent batch (SPEC §7): identities only; a talent has no memberships."""

from collections.abc import Callable, Collection, Sequence
from functools import partial

from sqlalchemy.engine import Connection, Engine

from ..db import jodgig_queries as jq
from ..db import memberships
from ..domain.scope import TALENT
from ..domain.talent import TalentPlan, classify_talent, empty_talent_counts, plan_talent
from .batch import PlannedChunk, pipelined, plan_chunk, write_planned
from .identity import write_identities
from .isolation import Plans
from .failure_reporting import FailureReporter
from .one_connection import one_connection
from .results import BatchResult, Written
from .reader_process import ChunkLoader
from .source_rules import Databases, SourceRules


def sync_talent_batch(
    dbs: Databases, user_ids: Sequence[int], reporter: FailureReporter, defer: Collection[int] | None = None
) -> BatchResult:
    """Sync these JodGig user ids as talents; ids that are not talents are skipped.

    ``defer``: see :func:`~.identity.settle_emails`.
    """
    loader = ChunkLoader(dbs.source, partial(_load_and_plan, dbs.rules), prepare=tuple)
    with one_connection(dbs.platform) as writes:
        return pipelined(user_ids, loader, partial(_write, writes, reporter, defer), defer)


def _load_and_plan(rules: SourceRules, conn: Connection, user_ids: Sequence[int]) -> PlannedChunk:
    talents = jq.load_users(conn, user_ids, (TALENT,))
    return plan_chunk(
        sorted(talents, key=lambda user: user.id),
        user_id_of=lambda user: user.id,
        classify=classify_talent,
        plan=partial(plan_talent, tz=rules.timezone),
    )


def _write(
    platform: Engine,
    reporter: FailureReporter,
    defer: Collection[int] | None,
    user_ids: Sequence[int],
    planned: PlannedChunk,
) -> Callable[[], BatchResult]:
    return partial(
        write_planned,
        platform,
        user_ids,
        planned,
        write=write_talent_plans,
        reporter=reporter,
        scope_keys=tuple(empty_talent_counts()),
        defer=defer,
    )


def write_talent_plans(conn: Connection, talents: Plans[TalentPlan], releases: Collection[int] = ()) -> Written:
    """Upsert or deactivate the identities, and drop any memberships left from an employer past."""
    written = Written()
    identity_ids = write_identities(conn, talents.plans, written, releases)
    stale = [membership.id for membership in memberships.existing_memberships(conn, list(identity_ids.values()))]
    written.table_rows["org_memberships.deleted"] = memberships.delete_memberships(conn, stale)
    return written
