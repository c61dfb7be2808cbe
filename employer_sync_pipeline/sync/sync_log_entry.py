"""Composing a run's ``gig_sync_logs`` row (SPEC §5)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ..domain.failure_streaks import FailureStreak
from ..domain.window import SyncWindow
from .results import BatchResult

DESTINATION_TABLE = "identities_users"


@dataclass(frozen=True)
class SyncLogEntry:
    origin_table: str
    window: SyncWindow
    started_at: datetime
    finished_at: datetime
    result: BatchResult
    run_id: str | None
    streaks: Mapping[int, FailureStreak]

    @property
    def is_successful(self) -> bool:
        return not self.result.failures

    def as_row(self) -> dict:
        result = self.result
        return {
            "origin_table": self.origin_table,
            "destination_table": DESTINATION_TABLE,
            "sync_mode": self.window.mode.value,
            "is_successful": self.is_successful,
            "watermark_from": self.window.lower,
            "watermark_to": self.window.upper,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            **{f"records_{name}": count for name, count in result.counts.items()},
            "fail_log": [
                failure.as_log_entry() | self.streaks[failure.remote_gig_user_id].as_log_fields()
                for failure in result.failures
            ],
            "scope_counts": result.scope_counts,
            "run_id": self.run_id,
        }
