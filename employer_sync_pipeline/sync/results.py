"""What a batch or a run did, for the sync log, metadata and the demo summary."""

import operator
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol


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


SYNCED = "synced"
DEACTIVATED = "deactivated"
SKIPPED = "skipped"
FAILED = "failed"
#: Left by a batch to the run's final step, which settles contested e-mails and replaces this outcome.
DEFERRED = "deferred"

# A run's counts go over every record (a full refresh has a hundred thousand): counted in C.
_outcome_of = operator.attrgetter("outcome")
_scope_set_of = operator.attrgetter("scope_set")
#: The outcomes a run counts, in the order it reports them.
_COUNTED_OUTCOMES = (SYNCED, DEACTIVATED, SKIPPED, FAILED)


class ScopeSetLike(Protocol):
    value: str

    @property
    def counted_in(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    """What a batch did with one selected user: the one place counts, the sync log and JIT read.

    ``scope_set`` is None for an id that is not a user of the sync (unknown, or another role).
    ``identity_id`` is the user's platform identity after the batch, if it has one.
    """

    remote_gig_user_id: int
    scope_set: ScopeSetLike | None
    outcome: str
    identity_id: int | None = None
    failure: RecordFailure | None = None


@dataclass
class Written:
    """What one committed write changed."""

    table_rows: Counter = field(default_factory=Counter)
    deactivated_user_ids: set[int] = field(default_factory=set)
    identity_ids: dict[int, int] = field(default_factory=dict)
    #: JodGig company id → the owner the write decided for it (None: no owner, or not live), for
    #: every company whose organisation, outlets or owner it wrote.
    company_owners: dict[int, int | None] = field(default_factory=dict)


@dataclass
class BatchResult:
    """The outcome of every record of one batch; results of many batches add up with :meth:`combine`.

    ``scope_keys`` are the sync's sets, counted from zero in :attr:`scope_counts`.
    """

    records: list[RecordOutcome] = field(default_factory=list)
    table_rows: Counter = field(default_factory=Counter)
    scope_keys: tuple[str, ...] = ()
    #: JodGig company id → the owner the batch decided and wrote (None: no owner, or not live).
    company_owners: dict[int, int | None] = field(default_factory=dict)

    @property
    def selected(self) -> int:
        return len(self.records)

    @property
    def synced(self) -> int:
        return self._count(SYNCED)

    @property
    def deactivated(self) -> int:
        return self._count(DEACTIVATED)

    @property
    def skipped(self) -> int:
        return self._count(SKIPPED)

    @property
    def failed(self) -> int:
        return self._count(FAILED)

    @property
    def failures(self) -> list[RecordFailure]:
        """The fail log: one entry per failed record, by user id."""
        failed = [record.failure for record in self.records if record.failure is not None]
        return sorted(failed, key=lambda failure: failure.remote_gig_user_id)

    @property
    def scope_counts(self) -> dict[str, int]:
        """Set → users, among the records that are users of the sync."""
        counts = dict.fromkeys(self.scope_keys, 0)
        for scope_set, users in Counter(map(_scope_set_of, self.records)).items():
            if scope_set is not None:
                for key in scope_set.counted_in:
                    counts[key] = counts.get(key, 0) + users
        return counts

    @property
    def deferred_user_ids(self) -> list[int]:
        return [record.remote_gig_user_id for record in self.records if record.outcome == DEFERRED]

    def without_deferred(self) -> "BatchResult":
        """This result less its deferred records, whose outcome the settling step gives."""
        records = [record for record in self.records if record.outcome != DEFERRED]
        return BatchResult(records, self.table_rows, self.scope_keys, self.company_owners)

    @property
    def counts(self) -> dict[str, int]:
        """Records selected, synced, deactivated, skipped and failed, in one pass over them: what the
        sync log, the run's metadata and its log line all report."""
        by_outcome = Counter(map(_outcome_of, self.records))
        return {"selected": self.selected} | {outcome: by_outcome[outcome] for outcome in _COUNTED_OUTCOMES}

    def _count(self, outcome: str) -> int:
        return operator.countOf(map(_outcome_of, self.records), outcome)

    @classmethod
    def combine(cls, results: Iterable["BatchResult"], scope_keys: tuple[str, ...] = ()) -> "BatchResult":
        total = cls(scope_keys=scope_keys)
        for result in results:
            total.records.extend(result.records)
            total.table_rows.update(result.table_rows)
            total.company_owners.update(result.company_owners)
            total.scope_keys = total.scope_keys or result.scope_keys
        return total
