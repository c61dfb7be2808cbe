"""One employer batch: load and plan each chunk from JodGig, then the generic batch processor writes it."""

from collections.abc import Callable, Collection, Sequence
from functools import partial

from sqlalchemy.engine import Connection, Engine

from ..db.memberships import membership_company_ids
from ..domain.company_plan import CompanyFacts
from ..domain.employer_plan import plan_employer, plan_employer_chunk
from ..domain.scope import empty_scope_counts
from .batch import PlannedChunk, pipelined, plan_chunk, write_planned
from .employer_facts import load_employer_batch
from .employer_writes import write_employer_plans
from .failure_reporting import FailureReporter
from .one_connection import one_connection
from .results import BatchResult
from .reader_process import ChunkLoader
from .source_rules import Databases, SourceRules


def sync_employer_batch(
    dbs: Databases, user_ids: Sequence[int], reporter: FailureReporter, defer: Collection[int] | None = None
) -> BatchResult:
    """Sync these JodGig user ids as employers; ids that are not employers are skipped.

    ``defer``: see :func:`~.identity.settle_emails`.
    """
    loader = ChunkLoader(dbs.source, partial(_load_and_plan, dbs.rules), partial(_with_previous_companies, dbs.platform))
    with one_connection(dbs.platform) as writes:
        return pipelined(user_ids, loader, partial(_write, writes, reporter, defer), defer)


def _with_previous_companies(platform: Engine, user_ids: Sequence[int]) -> tuple[Sequence[int], set[int]]:
    """The users, and the companies where the platform still has their memberships (read here:
    the reader process reads JodGig only)."""
    with platform.connect() as conn:
        return user_ids, membership_company_ids(conn, user_ids)


def _load_and_plan(
    rules: SourceRules, conn: Connection, request: tuple[Sequence[int], set[int]]
) -> tuple[PlannedChunk, CompanyFacts]:
    """The chunk's facts, each employer classified once (by the loader) and planned, and the
    companies' liveness and owners, which the write's company plan needs."""
    user_ids, previous = request
    batch = load_employer_batch(conn, user_ids, rules.obsolete_company_ids, previous)
    planned = plan_chunk(
        batch.facts,
        user_id_of=lambda facts: facts.user.id,
        classify=lambda facts: batch.scope_sets[facts.user.id],
        plan=partial(plan_employer, companies=batch.companies, tz=rules.timezone),
    )
    return planned, batch.companies


def _write(
    platform: Engine,
    reporter: FailureReporter,
    defer: Collection[int] | None,
    user_ids: Sequence[int],
    loaded: tuple[PlannedChunk, CompanyFacts],
) -> Callable[[], BatchResult]:
    planned, companies = loaded
    return partial(
        write_planned,
        platform,
        user_ids,
        planned,
        write=write_employer_plans,
        reporter=reporter,
        scope_keys=tuple(empty_scope_counts()),
        defer=defer,
        gather=partial(plan_employer_chunk, companies=companies),
    )
