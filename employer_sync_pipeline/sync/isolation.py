"""Per-record isolation for set-based writes (SPEC §3 "Errors").

A batch is written in one transaction. If the database rejects it because of
some record, the batch is split in halves and each half retried in its own
transaction, down to single records: exactly the bad records fail, and the
cost stays close to the bulk path when bad records are rare.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, Self, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .results import RecordFailure, duplicate_email_failure

_DUPLICATE_EMAIL_MARKERS = (
    "index_identities_users_on_kind_and_email_active",
    "identities_users.kind, identities_users.email",
)

#: Errors caused by a record's data. Anything else (a lost connection, a bug) fails the run.
RECORD_LEVEL_ERRORS = (sa.exc.IntegrityError, sa.exc.DataError)


class HasUserId(Protocol):
    user_id: int


Plan = TypeVar("Plan", bound=HasUserId)
Written = TypeVar("Written")


class Bisectable(Protocol):
    """Plans written in one transaction, which isolation can split into two parts written apart."""

    plans: Sequence[HasUserId]

    def __len__(self) -> int: ...

    def halves(self) -> tuple[Self, Self]: ...


@dataclass(frozen=True)
class Plans(Generic[Plan]):
    """Plans with nothing shared between them: a part is a slice."""

    plans: Sequence[Plan]

    def __len__(self) -> int:
        return len(self.plans)

    def halves(self) -> tuple["Plans[Plan]", "Plans[Plan]"]:
        middle = len(self.plans) // 2
        return Plans(self.plans[:middle]), Plans(self.plans[middle:])


Unit = TypeVar("Unit", bound=Bisectable)


def write_with_isolation(
    engine: Engine,
    unit: Unit,
    write: Callable[[Connection, Unit], Written],
) -> tuple[list[Written], list[RecordFailure]]:
    """Write ``unit``; returns what each committed ``write`` returned, and the failed records."""
    if not len(unit):
        return [], []
    try:
        with engine.begin() as conn:
            return [write(conn, unit)], []
    except RECORD_LEVEL_ERRORS as error:
        if len(unit) == 1:
            return [], [failure_from_database_error(unit.plans[0].user_id, error)]
    first, second = unit.halves()
    first_counts, first_failures = write_with_isolation(engine, first, write)
    second_counts, second_failures = write_with_isolation(engine, second, write)
    return first_counts + second_counts, first_failures + second_failures


def failure_from_database_error(user_id: int, error: sa.exc.DBAPIError) -> RecordFailure:
    """A fail-log entry for a rejected record, without the values the driver echoes."""
    text = str(error.orig)
    if any(marker in text for marker in _DUPLICATE_EMAIL_MARKERS):
        return duplicate_email_failure(user_id)
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    return RecordFailure(
        user_id, type(error.orig).__name__, f"the platform database rejected the record: {first_line}"
    )
