"""One employer batch: load from JodGig, then the generic batch processor."""

from collections.abc import Collection, Sequence
from functools import partial

from sqlalchemy.engine import Engine

from ..db.platform_writes import membership_company_ids
from ..domain.employer_plan import plan_employer
from ..domain.scope import empty_scope_counts
from .batch import pipelined, process_batch
from .employer_facts import EmployerBatchFacts, load_employer_batch
from .employer_writes import write_employer_plans
from .failure_reporting import FailureReporter
from .results import BatchResult
from .source_rules import SourceRules


def sync_employer_batch(
    source: Engine,
    platform: Engine,
    user_ids: Sequence[int],
    rules: SourceRules,
    reporter: FailureReporter,
    defer: Collection[int] | None = None,
) -> BatchResult:
    """Sync these JodGig user ids as employers; ids that are not employers are skipped.

    ``defer``: see :func:`~.identity.settle_emails`.
    """
    return pipelined(
        user_ids, partial(_load, source, platform, rules), partial(_sync_loaded, platform, rules, reporter, defer), defer
    )


def _load(source: Engine, platform: Engine, rules: SourceRules, user_ids: Sequence[int]) -> EmployerBatchFacts:
    with platform.connect() as conn:
        previous = membership_company_ids(conn, user_ids)
    with source.connect() as conn:
        return load_employer_batch(conn, user_ids, rules.obsolete_company_ids, previous)


def _sync_loaded(
    platform: Engine,
    rules: SourceRules,
    reporter: FailureReporter,
    defer: Collection[int] | None,
    user_ids: Sequence[int],
    batch: EmployerBatchFacts,
) -> BatchResult:
    return process_batch(
        platform,
        user_ids,
        batch.facts,
        user_id_of=lambda facts: facts.user.id,
        classify=lambda facts: facts.scope_set(rules.obsolete_company_ids),
        plan=partial(plan_employer, companies=batch.companies, tz=rules.timezone),
        write=partial(write_employer_plans, companies=batch.companies),
        reporter=reporter,
        scope_keys=tuple(empty_scope_counts()),
        defer=defer,
    )
