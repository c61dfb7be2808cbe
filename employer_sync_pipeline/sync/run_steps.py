"""The steps of a sync run, as plain Python, for any :class:`SyncDefinition` (the Dagster ops call these)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy.engine import Engine

from ..db.jodgig_queries import source_clock_utc
from ..db.sync_log import insert_sync_log, last_successful_watermark
from ..domain.window import SyncWindow, backfill_window, compute_incremental_window
from .results import BatchResult
from .settings import SourceRules
from .sync_definitions import SyncDefinition
from .sync_log import DESTINATION_TABLE, SyncLogEntry


@dataclass(frozen=True)
class RunStart:
    window: SyncWindow
    started_at: datetime


@dataclass(frozen=True)
class Selection:
    user_ids: tuple[int, ...]
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
    """Users changed in the window; the batches classify them."""
    lower, upper = window.local_bounds(rules.timezone)
    with source.connect() as conn:
        ids = sync.select_changed_ids(conn, None if window.selects_everything else lower, upper)
    return Selection(tuple(ids), window.selects_everything)


def record_sync_log(
    sync: SyncDefinition, platform: Engine, start: RunStart, results: Sequence[BatchResult], run_id: str | None
) -> tuple[SyncLogEntry, int]:
    """Write the run's one ``gig_sync_logs`` row; returns the entry and its id."""
    entry = SyncLogEntry(
        origin_table=sync.origin_table,
        window=start.window,
        started_at=start.started_at,
        finished_at=datetime.now(timezone.utc),
        result=BatchResult.combine(results, scope_keys=tuple(sync.empty_scope_counts())),
        run_id=run_id,
    )
    with platform.begin() as conn:
        return entry, insert_sync_log(conn, entry.as_row())
