"""The generic batch processor: plan every record, write set-based with isolation, count.

Each sync (employers, talents) supplies how to load and plan a chunk (with :func:`plan_chunk`) and
how to write a set of plans; everything else is shared.
"""

import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Generic, TypeVar

from sqlalchemy.engine import Engine

from ..db.identities import find_identity_ids
from ..domain.batching import batched
from ..domain.errors import RecordError
from .identity import settle_emails
from .isolation import Bisectable, Plans, write_with_isolation
from .reader_process import ChunkLoader, ReaderProcess, can_fork
from .failure_reporting import FailureReporter
from .results import DEACTIVATED, DEFERRED, FAILED, SKIPPED, SYNCED, BatchResult, RecordFailure, RecordOutcome, Written

logger = logging.getLogger(__name__)

Facts = TypeVar("Facts")
Plan = TypeVar("Plan")
Loaded = TypeVar("Loaded")
ScopeSet = TypeVar("ScopeSet")

#: Users written per transaction; a step's batch is processed in chunks of this size. Every chunk
#: costs PostgreSQL the same statements, each planned anew: at 2,000 a full sync costs PostgreSQL
#: about 15% less CPU than at 1,000 (benchmarks/README.md).
WRITE_CHUNK = 2000
#: Reader processes of a batch: one left the writer waiting for it most of a full refresh, while a
#: fifth of both cores' time went idle; two kept the writer busy (benchmarks/README.md).
READER_PROCESSES = 2


@dataclass(frozen=True)
class PlannedChunk(Generic[ScopeSet, Plan]):
    """A chunk classified and planned, reading no database: each user's set, the plans, the failures."""

    sets: Mapping[int, ScopeSet]
    plans: list[Plan]
    failures: list[RecordFailure]


def plan_chunk(
    records: Sequence[Facts],
    user_id_of: Callable[[Facts], int],
    classify: Callable[[Facts], ScopeSet],
    plan: Callable[[Facts, ScopeSet], Plan],
) -> PlannedChunk:
    """Classify each record once and plan it; a bad record fails alone. Pure: it runs where the chunk
    was loaded, in the reader process when there is one."""
    sets = {user_id_of(record): classify(record) for record in records}
    plans, failures = _plan_records(records, user_id_of, lambda record: plan(record, sets[user_id_of(record)]))
    return PlannedChunk(sets, plans, failures)


def pipelined(
    user_ids: Sequence[int],
    loader: ChunkLoader[object, Loaded],
    write_of: Callable[[Sequence[int], Loaded], Callable[[], BatchResult]],
    defer: Collection[int] | None,
) -> BatchResult:
    """Process ``user_ids`` chunk by chunk: load and plan (``loader``), then write (``write_of``).

    With more than one chunk the two overlap on both cores: reader processes load and plan chunks
    *n + 1* and *n + 2* while a writer thread writes chunk *n*, mostly waiting on PostgreSQL.
    Writes stay one after another, in order: a chunk's write starts once the previous one has
    committed, so it reads the platform as it would without the overlap, and no chunk is written
    after one that failed. Only the platform read a chunk's loading needs (``loader.prepare``: the
    companies where its users have memberships) is made when it is submitted, before the writes of
    the chunks ahead of it; those change only their own users' memberships. Each chunk keeps its
    own transaction and isolation. Without ``defer`` every e-mail claim is decided here, so the
    claims are written together: one chunk.
    """
    chunks = list(batched(user_ids, WRITE_CHUNK if defer is not None else max(len(user_ids), 1)))
    if len(chunks) < 2 or not can_fork():
        return BatchResult.combine(write_of(chunk, loader(chunk))() for chunk in chunks)
    writes: list[Future[BatchResult]] = []
    readers = min(READER_PROCESSES, len(chunks))
    with (
        ReaderProcess(loader, readers) as reader,
        ThreadPoolExecutor(1, thread_name_prefix="platform-writer") as writer,
    ):
        for chunk in chunks[:readers]:
            reader.submit(chunk)
        for index, chunk in enumerate(chunks):
            loaded = reader.result()
            if index + readers < len(chunks):
                reader.submit(chunks[index + readers])
            write = write_of(chunk, loaded)
            if writes:
                writes[-1].result()
            writes.append(writer.submit(write))
        return BatchResult.combine(write.result() for write in writes)


def write_planned(
    platform: Engine,
    user_ids: Sequence[int],
    planned: PlannedChunk,
    write: Callable[..., Written],
    reporter: FailureReporter,
    scope_keys: tuple[str, ...] = (),
    defer: Collection[int] | None = None,
    gather: Callable[[Sequence[Plan]], Bisectable] = Plans,
) -> BatchResult:
    """Write a planned chunk, once every earlier write has committed; one outcome per user.

    It settles the e-mails (``defer``: see :func:`~.identity.settle_emails`; a run's batches pass
    the run's contested ids), has ``gather`` turn the plans to write into what ``write`` applies
    (the employers': their share of the chunk's company plan, decided when it was planned), writes
    with isolation and reports the failed records.
    """
    with platform.connect() as conn:
        emails = settle_emails(conn, planned.plans, defer)
    failures = planned.failures + emails.failures
    written, write_failures = write_with_isolation(
        platform, gather(emails.plans), partial(write, releases=emails.releases)
    )
    failures += write_failures
    for failure in failures:
        reporter.report_record_failure(failure)
    return outcomes(platform, user_ids, planned.sets, emails.plans, written, failures, scope_keys, emails.deferred)


def _plan_records(
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
        result.company_owners.update(w.company_owners)
    return result
