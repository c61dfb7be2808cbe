"""One employer batch: load from JodGig, then the generic batch processor."""

from collections.abc import Collection, Sequence
from functools import partial

from ..db.memberships import membership_company_ids
from ..domain.employer_plan import plan_employer, plan_employer_chunk
from ..domain.scope import empty_scope_counts
from .batch import pipelined, process_batch
from .employer_facts import EmployerBatchFacts, load_employer_batch
from .employer_writes import write_employer_plans
from .failure_reporting import FailureReporter
from .results import BatchResult
from .source_rules import Databases


def sync_employer_batch(
    dbs: Databases, user_ids: Sequence[int], reporter: FailureReporter, defer: Collection[int] | None = None
) -> BatchResult:
    """Sync these JodGig user ids as employers; ids that are not employers are skipped.

    ``defer``: see :func:`~.identity.settle_emails`.
    """
    return pipelined(user_ids, partial(_load, dbs), partial(_sync_loaded, dbs, reporter, defer), defer)


def _load(dbs: Databases, user_ids: Sequence[int]) -> EmployerBatchFacts:
    with dbs.platform.connect() as conn:
        previous = membership_company_ids(conn, user_ids)
    with dbs.source.connect() as conn:
        return load_employer_batch(conn, user_ids, dbs.rules.obsolete_company_ids, previous)


def _sync_loaded(
    dbs: Databases,
    reporter: FailureReporter,
    defer: Collection[int] | None,
    user_ids: Sequence[int],
    batch: EmployerBatchFacts,
) -> BatchResult:
    return process_batch(
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
