"""Failed records over time (SPEC §3 "Errors", §4 the retry set).

Every run retries the records its predecessor failed, so a record that keeps failing fails in a
row of runs: its *streak*. Each fail-log entry carries the streak's first run and time and its
length, so an operator can tell a fresh failure from a month-old one.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class FailureStreak:
    first_failed_at: datetime
    first_failed_run_id: str | None
    failed_runs: int

    def as_log_fields(self) -> dict:
        return {
            "first_failed_at": self.first_failed_at.isoformat(),
            "first_failed_run_id": self.first_failed_run_id,
            "failed_runs": self.failed_runs,
        }

    def age(self, now: datetime) -> timedelta:
        return now - self.first_failed_at


@dataclass(frozen=True)
class PreviousRun:
    """The last completed incremental or full-refresh run of a sync: where the next window starts,
    and the records the next run retries."""

    watermark_to: datetime
    run_id: str | None
    finished_at: datetime
    fail_log: tuple[Mapping, ...]

    @property
    def retry_ids(self) -> tuple[int, ...]:
        return tuple(sorted({entry["remote_gig_user_id"] for entry in self.fail_log}))

    def streak_of(self, entry: Mapping) -> FailureStreak:
        return logged_streak(entry, self.run_id, self.finished_at)


def logged_streak(entry: Mapping, run_id: str | None, finished_at: datetime) -> FailureStreak:
    """The streak a fail-log entry records; an entry from before streaks were logged: its run alone."""
    if "first_failed_at" in entry:
        return FailureStreak(
            datetime.fromisoformat(entry["first_failed_at"]), entry.get("first_failed_run_id"), entry["failed_runs"]
        )
    return FailureStreak(finished_at, run_id, 1)


def continue_streaks(
    previous: PreviousRun | None, failed_ids: Iterable[int], run_id: str | None, failed_at: datetime
) -> dict[int, FailureStreak]:
    """The streak of each record that failed in this run: one run longer if it failed in the
    previous run too, else starting with this run."""
    before = {entry["remote_gig_user_id"]: entry for entry in previous.fail_log} if previous is not None else {}
    streaks = {}
    for user_id in failed_ids:
        if user_id in before:
            earlier = previous.streak_of(before[user_id])
            streaks[user_id] = FailureStreak(earlier.first_failed_at, earlier.first_failed_run_id, earlier.failed_runs + 1)
        else:
            streaks[user_id] = FailureStreak(failed_at, run_id, 1)
    return streaks


def older_than(
    fail_log: Iterable[Mapping], finished_at: datetime, run_id: str | None, limit: timedelta, now: datetime
) -> list[Mapping]:
    """The entries of a run's fail log whose streak began more than ``limit`` before ``now``."""
    return [entry for entry in fail_log if logged_streak(entry, run_id, finished_at).age(now) > limit]
