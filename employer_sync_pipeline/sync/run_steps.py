"""The steps of a sync run, as plain Python, for any :class:`SyncDefinition` (the Dagster ops call these)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy.engine import Engine

from ..db.jodgig_queries import source_clock_utc
from ..db.sync_log import insert_sync_log, last_completed_run
from ..domain.batching import batched
from ..domain.email_claims import contested_user_ids
from ..domain.failure_streaks import PreviousRun, continue_streaks
from ..domain.window import SyncMode, SyncWindow, backfill_window, compute_incremental_window
from .failure_reporting import FailureReporter
from .results import BatchResult
from .source_rules import Databases
from .sync_definitions import SyncDefinition
from .sync_log_entry import DESTINATION_TABLE, SyncLogEntry


@dataclass(frozen=True)
class RunStart:
    """The run's window, and the last completed run before it (its failed records are retried)."""

    window: SyncWindow
    started_at: datetime
    previous: PreviousRun | None = None

    @property
    def retry_ids(self) -> tuple[int, ...]:
        """An incremental run retries what the last completed run failed (SPEC §4); a full refresh
        selects everyone anyway, and a backfill keeps to its window."""
        if self.previous is None or self.window.mode is not SyncMode.INCREMENTAL:
            return ()
        return self.previous.retry_ids


@dataclass(frozen=True)
class Selection:
    """The run's users, ordered for batching; ``retried`` were selected for failing last time,
    ``contested`` share an address with another selected user (their batches defer them)."""

    user_ids: tuple[int, ...]
    full_refresh: bool
    retried: frozenset[int] = frozenset()
    contested: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Batch:
    """One batch step's users, and those of them whose address another user of the run wants."""

    user_ids: tuple[int, ...]
    contested: frozenset[int]


def start_incremental_run(sync: SyncDefinition, dbs: Databases, lookback: timedelta, full_refresh: bool) -> RunStart:
    """The window from the last completed run's watermark to JodGig's clock (SPEC §4)."""
    started_at = datetime.now(timezone.utc)
    with dbs.platform.connect() as conn:
        previous = last_completed_run(conn, sync.origin_table, DESTINATION_TABLE)
    with dbs.source.connect() as conn:
        source_now = source_clock_utc(conn)
    last = previous.watermark_to if previous is not None else None
    return RunStart(compute_incremental_window(last, source_now, lookback, full_refresh), started_at, previous)


def start_backfill_run(sync: SyncDefinition, platform: Engine, start: datetime, end: datetime) -> RunStart:
    """An explicit window; backfills never move the incremental watermark. The last completed run
    is read for its failure streaks only."""
    with platform.connect() as conn:
        previous = last_completed_run(conn, sync.origin_table, DESTINATION_TABLE)
    return RunStart(backfill_window(start, end), datetime.now(timezone.utc), previous)


def select_in_scope(sync: SyncDefinition, dbs: Databases, start: RunStart) -> Selection:
    """Users changed in the window, and those the last run failed; the batches classify them."""
    window = start.window
    lower, upper = window.local_bounds(dbs.rules.timezone)
    with dbs.source.connect() as conn:
        emails = sync.select_changed(conn, None if window.selects_everything else lower, upper, start.retry_ids)
    ids = tuple(emails)
    return Selection(ids, window.selects_everything, frozenset(start.retry_ids) & set(ids), contested_user_ids(emails))


def batches_of(selection: Selection, size: int) -> list[Batch]:
    return [
        Batch(user_ids, selection.contested.intersection(user_ids)) for user_ids in batched(selection.user_ids, size)
    ]


@dataclass(frozen=True)
class Settled:
    """Every step's results with the deferred users' outcomes in place, and the settling write's own
    result (None when no batch deferred anyone)."""

    results: list[BatchResult]
    settling: BatchResult | None


def settle_deferred(
    sync: SyncDefinition, dbs: Databases, results: Sequence[BatchResult], reporter: FailureReporter
) -> Settled:
    """The run's last write: the users its batches deferred, their addresses decided together, in
    one transaction (SPEC §3)."""
    deferred = sorted(user_id for result in results for user_id in result.deferred_user_ids)
    kept = [result.without_deferred() for result in results]
    if not deferred:
        return Settled(kept, None)
    settling = sync.sync_batch(dbs, deferred, reporter)
    return Settled([*kept, settling], settling)


def record_sync_log(
    sync: SyncDefinition, platform: Engine, start: RunStart, results: Sequence[BatchResult], run_id: str | None
) -> tuple[SyncLogEntry, int]:
    """Write the run's one ``gig_sync_logs`` row; returns the entry and its id."""
    finished_at = datetime.now(timezone.utc)
    result = BatchResult.combine(results, scope_keys=tuple(sync.empty_scope_counts()))
    entry = SyncLogEntry(
        origin_table=sync.origin_table,
        window=start.window,
        started_at=start.started_at,
        finished_at=finished_at,
        result=result,
        run_id=run_id,
        streaks=continue_streaks(start.previous, [f.remote_gig_user_id for f in result.failures], run_id, finished_at),
    )
    with platform.begin() as conn:
        return entry, insert_sync_log(conn, entry.as_row())
