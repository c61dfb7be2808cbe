"""The steps of a sync run, as plain Python, for any :class:`SyncDefinition` (the Dagster ops call these)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy.engine import Engine

from ..db.jodgig_queries import source_clock_utc
from ..db.sync_log import insert_sync_log, last_successful_watermark
from ..domain.batching import batched
from ..domain.window import SyncWindow, backfill_window, compute_incremental_window
from .results import BatchResult
from .settings import SourceRules
from .sync_definitions import SyncDefinition
from .sync_log import DESTINATION_TABLE, SyncLogEntry

_COUNT_CHUNK = 5000


@dataclass(frozen=True)
class RunStart:
    window: SyncWindow
    started_at: datetime


@dataclass(frozen=True)
class Selection:
    user_ids: tuple[int, ...]
    scope_counts: dict[str, int]
    full_refresh: bool


def start_incremental_run(
    sync: SyncDefinition, source: Engine, platform: Engine, lookback: timedelta, full_refresh: bool
) -> RunStart:
    """The window from the last successful watermark to JodGig's clock (SPEC §4)."""
    started_at = datetime.now(timezone.utc)
    with platform.connect() as conn:
        last = last_successful_watermark(conn, sync.origin_table, DESTINATION_TABLE)
    with source.connect() as conn:
        source_now = source_clock_utc(conn)
    return RunStart(compute_incremental_window(last, source_now, lookback, full_refresh), started_at)


def start_backfill_run(start: datetime, end: datetime) -> RunStart:
    """An explicit window; backfills never read or move the incremental watermark."""
    return RunStart(backfill_window(start, end), datetime.now(timezone.utc))


def select_in_scope(sync: SyncDefinition, source: Engine, window: SyncWindow, rules: SourceRules) -> Selection:
    """Users changed in the window, with the set counts of those it looked at."""
    lower, upper = window.local_bounds(rules.timezone)
    counts = sync.empty_scope_counts()
    with source.connect() as conn:
        ids = sync.select_changed_ids(conn, None if window.selects_everything else lower, upper)
        for chunk in batched(ids, _COUNT_CHUNK):
            for key, count in sync.count_scope(conn, chunk, rules).items():
                counts[key] += count
    return Selection(tuple(ids), counts, window.selects_everything)


def record_sync_log(
    sync: SyncDefinition, platform: Engine, start: RunStart, results: Sequence[BatchResult], run_id: str | None
) -> tuple[SyncLogEntry, int]:
    """Write the run's one ``gig_sync_logs`` row; returns the entry and its id."""
    total = BatchResult.combine(results)
    total.scope_counts = {**sync.empty_scope_counts(), **total.scope_counts}
    entry = SyncLogEntry(
        origin_table=sync.origin_table,
        window=start.window,
        started_at=start.started_at,
        finished_at=datetime.now(timezone.utc),
        result=total,
        run_id=run_id,
    )
    with platform.begin() as conn:
        return entry, insert_sync_log(conn, entry.as_row())
