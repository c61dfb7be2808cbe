"""The generic batch processor: plan every record, write set-based with isolation, count.

Each sync (employers, talents) supplies how to plan one record and how to
write a set of plans; everything else is shared.
"""

import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from sqlalchemy.engine import Engine

from ..db.identities import find_identity_ids
from ..domain.batching import batched
from ..domain.errors import RecordError
from .identity import settle_emails
from .isolation import Bisectable, Plans, write_with_isolation
from .failure_reporting import FailureReporter
from .results import DEACTIVATED, DEFERRED, FAILED, SKIPPED, SYNCED, BatchResult, RecordFailure, RecordOutcome, Written

logger = logging.getLogger(__name__)

Facts = TypeVar("Facts")
Plan = TypeVar("Plan")
Loaded = TypeVar("Loaded")
ScopeSet = TypeVar("ScopeSet")

#: Users written per transaction; a step's batch is processed in chunks of this size.
WRITE_CHUNK = 1000


def pipelined(
    user_ids: Sequence[int],
    load: Callable[[Sequence[int]], Loaded],
    process: Callable[[Sequence[int], Loaded], BatchResult],
    defer: Collection[int] | None,
) -> BatchResult:
    """Process ``user_ids`` chunk by chunk, loading the next chunk while the current one is written.

    Reading JodGig is CPU-bound in the driver and writing mostly waits on PostgreSQL, so one
    reader thread overlaps the two. Each chunk keeps its own transaction and isolation. Without
    ``defer`` every e-mail claim is decided here, so the claims are written together: one chunk.
    """
    chunks = list(batched(user_ids, WRITE_CHUNK if defer is not None else max(len(user_ids), 1)))
    if len(chunks) == 1:
        # Nothing to overlap (JIT, the settling step, a small run): a thread would only cost its start.
        return process(chunks[0], load(chunks[0]))
    results = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="jodgig-reader") as reader:
        upcoming = reader.submit(load, chunks[0]) if chunks else None
        for index, chunk in enumerate(chunks):
            loaded = upcoming.result()
            upcoming = reader.submit(load, chunks[index + 1]) if index + 1 < len(chunks) else None
            results.append(process(chunk, loaded))
    return BatchResult.combine(results)


def process_batch(
    platform: Engine,
    user_ids: Sequence[int],
    records: Sequence[Facts],
    user_id_of: Callable[[Facts], int],
    classify: Callable[[Facts], ScopeSet],
    plan: Callable[[Facts, ScopeSet], Plan],
    write: Callable[..., Written],
    reporter: FailureReporter,
    scope_keys: tuple[str, ...] = (),
    defer: Collection[int] | None = None,
    gather: Callable[[Sequence[Plan]], Bisectable] = Plans,
) -> BatchResult:
    """Classify each record once, plan, write and record its outcome; a bad record fails alone.

    ``gather`` turns the plans to write into what ``write`` applies (the employers' company plan
    is decided there, once). ``defer``: see :func:`~.identity.settle_emails`; a run's batches
    pass the run's contested ids.
    """
    sets = {user_id_of(record): classify(record) for record in records}
    plans, failures = plan_records(records, user_id_of, lambda record: plan(record, sets[user_id_of(record)]))
    with platform.connect() as conn:
        emails = settle_emails(conn, plans, defer)
    failures += emails.failures
    written, write_failures = write_with_isolation(
        platform, gather(emails.plans), partial(write, releases=emails.releases)
    )
    failures += write_failures
    for failure in failures:
        reporter.report_record_failure(failure)
    return outcomes(platform, user_ids, sets, emails.plans, written, failures, scope_keys, emails.deferred)


def plan_records(
    records: Iterable[Facts], user_id_of: Callable[[Facts], int], plan: Callable[[Facts], Plan]
) -> tuple[list[Plan], list[RecordFailure]]:
    """Map and validate every record before any write; failures never reach the database."""
    plans, failures = [], []
    for record in records:
        try:
            plans.append(plan(record))
        except RecordError as error:
            failures.append(RecordFailure(error.user_id, error.error, error.message))
        except Exception as error:  # noqa: BLE001 - any bad record must fail alone (SPEC §3)
            logger.warning("unexpected error mapping JodGig user %s", user_id_of(record), exc_info=True)
            failures.append(
                RecordFailure(
                    user_id_of(record),
                    type(error).__name__,
                    "unexpected error while mapping this record; see the run log",
                )
            )
    return plans, failures


def outcomes(
    platform: Engine,
    user_ids: Sequence[int],
    sets: Mapping[int, ScopeSet],
    plans: Sequence,
    written: Sequence[Written],
    failures: Sequence[RecordFailure],
    scope_keys: tuple[str, ...] = (),
    deferred: Collection[int] = (),
) -> BatchResult:
    """One outcome per selected id, in selection order, and the rows written."""
    failed = {failure.remote_gig_user_id: failure for failure in failures}
    in_scope = {plan.user_id for plan in plans if plan.identity is not None}
    deactivated = set().union(*(w.deactivated_user_ids for w in written))
    identity_ids = {uid: iid for w in written for uid, iid in w.identity_ids.items()}
    if failed:
        # A failed record wrote nothing: its identity, if any, is the one it had before.
        with platform.connect() as conn:
            identity_ids.update(find_identity_ids(conn, list(failed)))
    result = BatchResult(scope_keys=scope_keys)
    for user_id in user_ids:
        if user_id in failed:
            outcome = FAILED
        elif user_id in deferred:
            outcome = DEFERRED
        elif user_id in in_scope:
            outcome = SYNCED
        else:
            outcome = DEACTIVATED if user_id in deactivated else SKIPPED
        result.records.append(
            RecordOutcome(user_id, sets.get(user_id), outcome, identity_ids.get(user_id), failed.get(user_id))
        )
    for w in written:
        result.table_rows.update(w.table_rows)
        result.company_ids |= w.company_ids
    return result
