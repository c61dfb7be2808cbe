"""The steps of an employer sync run, as plain Python (the Dagster ops call these)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy.engine import Engine

from ..db.jodgig_queries import select_changed_employer_ids, source_clock_utc
from ..db.sync_log import insert_sync_log, last_successful_watermark
from ..domain.batching import batched
from ..domain.scope import count_scope_sets
from ..domain.window import SyncWindow, compute_incremental_window
from .employer_facts import classify_employers
from .results import BatchResult
from .settings import SourceRules
from .sync_log import DESTINATION_TABLE, SyncLogEntry

EMPLOYER_ORIGIN_TABLE = "jodgig_users_employers"
_CLASSIFY_CHUNK = 5000


@dataclass(frozen=True)
class RunStart:
    window: SyncWindow
    started_at: datetime


@dataclass(frozen=True)
class Selection:
    user_ids: tuple[int, ...]
    scope_counts: dict[str, int]


def start_incremental_run(
    source: Engine, platform: Engine, lookback: timedelta, full_refresh: bool
) -> RunStart:
    """The window from the last successful watermark to JodGig's clock (SPEC §4)."""
    started_at = datetime.now(timezone.utc)
    with platform.connect() as conn:
        last = last_successful_watermark(conn, EMPLOYER_ORIGIN_TABLE, DESTINATION_TABLE)
    with source.connect() as conn:
        source_now = source_clock_utc(conn)
    return RunStart(compute_incremental_window(last, source_now, lookback, full_refresh), started_at)


def select_employers(source: Engine, window: SyncWindow, rules: SourceRules) -> Selection:
    """Employers changed in the window, with the set counts of those it looked at."""
    lower, upper = window.local_bounds(rules.timezone)
    with source.connect() as conn:
        ids = select_changed_employer_ids(conn, None if window.selects_everything else lower, upper)
        sets = [
            scope_set
            for chunk in batched(ids, _CLASSIFY_CHUNK)
            for scope_set in classify_employers(conn, chunk, rules.obsolete_company_ids).values()
        ]
    return Selection(tuple(ids), count_scope_sets(sets))


def record_sync_log(
    platform: Engine, start: RunStart, results: Sequence[BatchResult], run_id: str | None
) -> tuple[SyncLogEntry, int]:
    """Write the run's one ``gig_sync_logs`` row; returns the entry and its id."""
    entry = SyncLogEntry(
        origin_table=EMPLOYER_ORIGIN_TABLE,
        window=start.window,
        started_at=start.started_at,
        finished_at=datetime.now(timezone.utc),
        result=BatchResult.combine(results),
        run_id=run_id,
    )
    with platform.begin() as conn:
        return entry, insert_sync_log(conn, entry.as_row())
