"""One employer batch: load from JodGig, then the generic batch processor."""

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from functools import partial

from sqlalchemy.engine import Connection, Engine

from ..db.memberships import membership_company_ids
from ..domain.employer_plan import plan_employer, plan_employer_chunk
from ..domain.scope import empty_scope_counts
from .batch import pipelined, plan_batch
from .employer_facts import EmployerBatchFacts, load_employer_batch
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
    loader = ChunkLoader(dbs.source, partial(_read, dbs.rules), partial(_with_previous_companies, dbs.platform))
    with one_connection(dbs.platform) as writes:
        return pipelined(user_ids, loader, partial(_plan_loaded, replace(dbs, platform=writes), reporter, defer), defer)


def _with_previous_companies(platform: Engine, user_ids: Sequence[int]) -> tuple[Sequence[int], set[int]]:
    """The users, and the companies where the platform still has their memberships (read here:
    the reader process reads JodGig only)."""
    with platform.connect() as conn:
        return user_ids, membership_company_ids(conn, user_ids)


def _read(rules: SourceRules, conn: Connection, request: tuple[Sequence[int], set[int]]) -> EmployerBatchFacts:
    user_ids, previous = request
    return load_employer_batch(conn, user_ids, rules.obsolete_company_ids, previous)


def _plan_loaded(
    dbs: Databases,
    reporter: FailureReporter,
    defer: Collection[int] | None,
    user_ids: Sequence[int],
    batch: EmployerBatchFacts,
) -> Callable[[], BatchResult]:
    return plan_batch(
        dbs.platform,
        user_ids,
        batch.facts,
        user_id_of=lambda facts: facts.user.id,
        classify=lambda facts: batch.scope_sets[facts.user.id],
        plan=partial(plan_employer, companies=batch.companies, tz=dbs.rules.timezone),
        write=write_employer_plans,
        reporter=reporter,
        scope_keys=tuple(empty_scope_counts()),
        defer=defer,
        gather=partial(plan_employer_chunk, companies=batch.companies),
    )
