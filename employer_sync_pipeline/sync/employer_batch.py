"""One employer batch: load and plan each chunk from JodGig, then the generic batch processor writes it."""

from collections.abc import Callable, Collection, Sequence
from functools import partial

from sqlalchemy.engine import Connection, Engine

from ..db.memberships import membership_company_ids
from ..domain.employer_plan import EmployerChunkPlan, plan_employer, plan_employer_chunk
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
) -> tuple[PlannedChunk, EmployerChunkPlan]:
    """The chunk's facts, each employer classified once (by the loader) and planned, and the
    chunk's plan with what it does to companies, decided here once: the writer applies it to the
    plans the e-mail rule leaves (:meth:`~.EmployerChunkPlan.restricted_to`)."""
    user_ids, previous = request
    batch = load_employer_batch(conn, user_ids, rules.obsolete_company_ids, previous)
    planned = plan_chunk(
        batch.facts,
        user_id_of=lambda facts: facts.user.id,
        classify=lambda facts: batch.scope_sets[facts.user.id],
        plan=partial(plan_employer, companies=batch.companies, tz=rules.timezone),
    )
    return planned, plan_employer_chunk(planned.plans, batch.companies)


def _write(
    platform: Engine,
    reporter: FailureReporter,
    defer: Collection[int] | None,
    user_ids: Sequence[int],
    loaded: tuple[PlannedChunk, EmployerChunkPlan],
) -> Callable[[], BatchResult]:
    planned, chunk_plan = loaded
    return partial(
        write_planned,
        platform,
        user_ids,
        planned,
        write=write_employer_plans,
        reporter=reporter,
        scope_keys=tuple(empty_scope_counts()),
        defer=defer,
        gather=chunk_plan.restricted_to,
    )
