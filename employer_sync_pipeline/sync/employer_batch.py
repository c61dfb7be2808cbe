"""One employer batch: load from JodGig, plan in memory, write set-based with isolation."""

import logging
from collections.abc import Sequence
from functools import partial

from sqlalchemy.engine import Engine

from ..domain.employer_plan import EmployerPlan, plan_employer
from ..domain.errors import RecordError
from ..domain.scope import count_scope_sets
from .employer_facts import EmployerBatchFacts, load_employer_batch
from .employer_writes import write_employer_plans
from .isolation import write_with_isolation
from .reporting import FailureReporter
from .results import BatchResult, RecordFailure
from .settings import SourceRules

logger = logging.getLogger(__name__)


def sync_employer_batch(
    source: Engine,
    platform: Engine,
    user_ids: Sequence[int],
    rules: SourceRules,
    reporter: FailureReporter,
) -> BatchResult:
    """Sync these JodGig user ids; a bad record fails alone and is reported."""
    with source.connect() as conn:
        batch = load_employer_batch(conn, user_ids, rules.obsolete_company_ids)
    plans, failures = plan_employers(batch, rules)
    written, write_failures = write_with_isolation(
        platform, plans, partial(write_employer_plans, context=batch.context)
    )
    failures += write_failures
    for failure in failures:
        reporter.report_record_failure(failure)
    return _result(user_ids, batch, plans, written, failures, rules)


def plan_employers(batch: EmployerBatchFacts, rules: SourceRules) -> tuple[list[EmployerPlan], list[RecordFailure]]:
    """Map and validate every record before any write; failures never reach the database."""
    plans, failures = [], []
    for facts in batch.facts:
        try:
            plans.append(plan_employer(facts, batch.context.owners, rules.obsolete_company_ids, rules.timezone))
        except RecordError as error:
            failures.append(RecordFailure(error.user_id, error.error, error.message))
        except Exception as error:  # noqa: BLE001 - any bad record must fail alone (SPEC §3)
            logger.warning("unexpected error mapping JodGig user %s", facts.user.id, exc_info=True)
            failures.append(
                RecordFailure(
                    facts.user.id, type(error).__name__, "unexpected error while mapping this record; see the run log"
                )
            )
    return plans, failures


def _result(user_ids, batch, plans, written, failures, rules: SourceRules) -> BatchResult:
    failed_ids = {failure.remote_gig_user_id for failure in failures}
    deactivated = set().union(*(w.deactivated_user_ids for w in written))
    succeeded = [plan for plan in plans if plan.user_id not in failed_ids]
    result = BatchResult(
        selected=len(user_ids),
        synced=sum(1 for plan in succeeded if plan.identity is not None),
        deactivated=len(deactivated),
        failures=failures,
        scope_counts=count_scope_sets(f.scope_set(rules.obsolete_company_ids) for f in batch.facts),
    )
    result.skipped = result.selected - result.synced - result.deactivated - result.failed
    for w in written:
        result.table_rows.update(w.table_rows)
    return result
