"""Where record failures are reported besides the fail log (Sentry, in production)."""

from typing import Protocol

from .results import RecordFailure


class FailureReporter(Protocol):
    def report_record_failure(self, failure: RecordFailure) -> None: ...


class NoReporter:
    """Reporting off: failures still reach the fail log."""

    def report_record_failure(self, failure: RecordFailure) -> None:
        return None
