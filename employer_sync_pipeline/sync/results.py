"""What a batch or a run did, for the sync log, metadata and the demo summary."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field



@dataclass(frozen=True)
class RecordFailure:
    """One record that failed alone: a fail-log entry (SPEC §3 "Errors")."""

    remote_gig_user_id: int
    error: str
    message: str

    def as_log_entry(self) -> dict:
        return {"remote_gig_user_id": self.remote_gig_user_id, "error": self.error, "message": self.message}


def duplicate_email_failure(user_id: int) -> RecordFailure:
    return RecordFailure(
        user_id,
        "DuplicateEmail",
        "another active identity of the same kind already has this e-mail; resolve the duplicate account in JodGig",
    )


@dataclass
class Written:
    """What one committed write changed."""

    table_rows: Counter = field(default_factory=Counter)
    deactivated_user_ids: set[int] = field(default_factory=set)


@dataclass
class BatchResult:
    """Counts of one batch; results of many batches add up with :meth:`combine`."""

    selected: int = 0
    synced: int = 0
    deactivated: int = 0
    skipped: int = 0
    failures: list[RecordFailure] = field(default_factory=list)
    scope_counts: dict[str, int] = field(default_factory=dict)
    table_rows: Counter = field(default_factory=Counter)

    @property
    def failed(self) -> int:
        return len(self.failures)

    @classmethod
    def combine(cls, results: Iterable["BatchResult"]) -> "BatchResult":
        total = cls()
        for result in results:
            total.selected += result.selected
            total.synced += result.synced
            total.deactivated += result.deactivated
            total.skipped += result.skipped
            total.failures.extend(result.failures)
            for key, count in result.scope_counts.items():
                total.scope_counts[key] = total.scope_counts.get(key, 0) + count
            total.table_rows.update(result.table_rows)
        total.failures.sort(key=lambda failure: failure.remote_gig_user_id)
        return total
