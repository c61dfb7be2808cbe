"""Per-record isolation for set-based writes (SPEC §3 "Errors").

A batch is written in one transaction. If the database rejects it because of
some record, the batch is split in halves and each half retried in its own
transaction, down to single records: exactly the bad records fail, and the
cost stays close to the bulk path when bad records are rare.
"""

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

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


def write_with_isolation(
    engine: Engine,
    plans: Sequence[Plan],
    write: Callable[[Connection, Sequence[Plan]], Written],
) -> tuple[list[Written], list[RecordFailure]]:
    """Write ``plans``; returns what each committed ``write`` returned, and the failed records."""
    if not plans:
        return [], []
    try:
        with engine.begin() as conn:
            return [write(conn, plans)], []
    except RECORD_LEVEL_ERRORS as error:
        if len(plans) == 1:
            return [], [failure_from_database_error(plans[0].user_id, error)]
    middle = len(plans) // 2
    first_counts, first_failures = write_with_isolation(engine, plans[:middle], write)
    second_counts, second_failures = write_with_isolation(engine, plans[middle:], write)
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
