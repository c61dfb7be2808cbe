"""One employer batch: load from JodGig, then the generic batch processor."""

from collections.abc import Sequence
from functools import partial

from sqlalchemy.engine import Engine

from ..db.platform_writes import membership_company_ids
from ..domain.employer_plan import plan_employer
from ..domain.scope import count_scope_sets
from .batch import pipelined, process_batch
from .employer_facts import EmployerBatchFacts, load_employer_batch
from .employer_writes import write_employer_plans
from .reporting import FailureReporter
from .results import BatchResult
from .settings import SourceRules


def sync_employer_batch(
    source: Engine, platform: Engine, user_ids: Sequence[int], rules: SourceRules, reporter: FailureReporter
) -> BatchResult:
    """Sync these JodGig user ids as employers; ids that are not employers are skipped."""
    return pipelined(
        user_ids, partial(_load, source, platform, rules), partial(_sync_loaded, platform, rules, reporter)
    )


def _load(source: Engine, platform: Engine, rules: SourceRules, user_ids: Sequence[int]) -> EmployerBatchFacts:
    with platform.connect() as conn:
        previous = membership_company_ids(conn, user_ids)
    with source.connect() as conn:
        return load_employer_batch(conn, user_ids, rules.obsolete_company_ids, previous)


def _sync_loaded(
    platform: Engine, rules: SourceRules, reporter: FailureReporter, user_ids: Sequence[int], batch: EmployerBatchFacts
) -> BatchResult:
    result = process_batch(
        platform,
        len(user_ids),
        batch.facts,
        user_id_of=lambda facts: facts.user.id,
        plan=partial(
            plan_employer, owners=batch.context.owners, obsolete_company_ids=rules.obsolete_company_ids, tz=rules.timezone
        ),
        write=partial(write_employer_plans, context=batch.context),
        reporter=reporter,
    )
    result.scope_counts = count_scope_sets(f.scope_set(rules.obsolete_company_ids) for f in batch.facts)
    return result
