"""The sync window: which JodGig changes a run covers (SPEC §4, §5)."""

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum

from .timezone import TimezoneService


class SyncMode(str, Enum):
    INCREMENTAL = "incremental"
    FULL_REFRESH = "full_refresh"
    BACKFILL = "backfill"


@dataclass(frozen=True)
class SyncWindow:
    """``[lower, upper)`` in UTC. ``lower`` None means from the beginning."""

    mode: SyncMode
    lower: datetime | None
    upper: datetime

    def __post_init__(self):
        if self.lower is not None and self.lower > self.upper:
            raise ValueError(f"sync window lower bound {self.lower} is after its upper bound {self.upper}")

    @property
    def selects_everything(self) -> bool:
        """A full refresh re-derives every employer, whatever its timestamps."""
        return self.mode is SyncMode.FULL_REFRESH

    def local_bounds(self, tz: TimezoneService) -> tuple[datetime | None, datetime]:
        """The window in JodGig local time, for the JodGig query edge."""
        lower = tz.to_local(self.lower) if self.lower is not None else None
        return lower, tz.to_local(self.upper)


def compute_incremental_window(
    last_watermark_to: datetime | None,
    source_now: datetime,
    lookback: timedelta,
    full_refresh: bool = False,
) -> SyncWindow:
    """The next window after the last successful incremental or full sync.

    ``source_now`` is the JodGig database clock (UTC) at the start of the run.
    With no previous watermark, or when asked, the run is a full refresh.
    """
    if lookback < timedelta(0):
        raise ValueError(f"lookback must not be negative, got {lookback}")
    if full_refresh or last_watermark_to is None:
        return SyncWindow(SyncMode.FULL_REFRESH, None, source_now)
    # A watermark ahead of the source clock (clock skew) must not empty the window.
    lower = min(last_watermark_to, source_now) - lookback
    return SyncWindow(SyncMode.INCREMENTAL, lower, source_now)


def backfill_window(start: datetime, end: datetime) -> SyncWindow:
    """An explicit window, e.g. a range of JodGig local days; stored and compared in UTC."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError(f"backfill bounds must be timezone-aware, got {start!r} and {end!r}")
    return SyncWindow(SyncMode.BACKFILL, start.astimezone(timezone.utc), end.astimezone(timezone.utc))
