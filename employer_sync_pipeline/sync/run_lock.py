"""Holding the sync's advisory lock for a whole run (SPEC §5: two runs never race on a watermark)."""

import time
from collections.abc import Callable

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from ..db.locks import (
    advisory_lock_holder,
    advisory_unlock,
    holds_advisory_lock,
    lock_key,
    this_session,
    try_advisory_lock,
)

#: How often a waiting run says again that it waits.
_WAIT_REPORT_SECONDS = 30.0


class SyncAlreadyRunning(Exception):
    """Another run of the same sync holds the lock; this run changed nothing."""


class RunInterrupted(Exception):
    """This run lost its lock or an earlier batch failed: it must write no more.

    Later batches of a run whose batch failed must not write: the next run then picks up
    from a prefix of this run's work and converges to what one clean run would give.
    """


def write_no_more(reason: str) -> RunInterrupted:
    """The error every step of an interrupted run raises before it would write."""
    return RunInterrupted(f"{reason}; this run writes nothing more, the next run covers its window")


def _lost_lock(sync_name: str) -> str:
    return f"the {sync_name} sync lost its lock (its database session ended)"


class RunLock:
    """A session advisory lock on a dedicated platform connection, for PostgreSQL platforms."""

    def __init__(self, platform: Engine, sync_name: str):
        self._platform = platform
        self._sync_name = sync_name
        self._key = lock_key(f"sync:{sync_name}")
        self._conn: Connection | None = None
        self._interrupted: str | None = None

    def acquire(self, wait_seconds: float, on_wait: Callable[[str], None], poll_seconds: float = 2.0) -> None:
        """Take the lock, waiting up to ``wait_seconds`` for a run that holds it to finish.

        While it waits it says so, naming the holder, when it starts and every 30 s.
        """
        if self._platform.dialect.name != "postgresql":
            return
        self._conn = self._platform.connect()
        self._conn.commit()
        started = time.monotonic()
        next_report = started
        while not self._locked_now():
            waited = time.monotonic() - started
            if waited >= wait_seconds:
                self.release()
                raise SyncAlreadyRunning(
                    f"another {self._sync_name} sync still holds its lock after {wait_seconds:.0f} s; this run "
                    "stopped before reading or writing anything. Let that run finish (see Runs in the UI), "
                    "then launch again; the run queue in dagster.yaml prevents this overlap."
                )
            if time.monotonic() >= next_report:
                on_wait(
                    f"waiting for the {self._sync_name} sync lock, held by {self._holder()}: waited {waited:.0f} s "
                    f"of at most {wait_seconds:.0f} s"
                )
                next_report += _WAIT_REPORT_SECONDS
            time.sleep(poll_seconds)

    @property
    def session_id(self) -> str | None:
        """The session holding the lock, as :class:`LockOfTheRun` recognises it; None without a lock."""
        if self._conn is None:
            return None
        session = this_session(self._conn)
        self._conn.commit()
        return _session_id(session)

    def _holder(self) -> str:
        holder = advisory_lock_holder(self._conn, self._key)
        self._conn.commit()
        if holder is None:
            return "a session that just ended"
        return f"PostgreSQL session {holder['pid']} ({holder['application_name'] or 'unnamed'}, since {holder['backend_start']:%Y-%m-%d %H:%M:%S %Z})"

    def verify(self) -> None:
        """Raise unless this session still holds the lock; once lost, it stays lost for this run."""
        if self._interrupted is not None:
            raise write_no_more(self._interrupted)
        if self._conn is None:
            return
        try:
            held = holds_advisory_lock(self._conn, self._key)
            self._conn.commit()
        except DBAPIError as error:
            held = False
            self._conn.invalidate(error)
        if not held:
            self._interrupted = _lost_lock(self._sync_name)
            raise write_no_more(self._interrupted)

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            if not self._conn.invalidated:
                advisory_unlock(self._conn, self._key)
                self._conn.commit()
        except DBAPIError:
            pass  # the session is gone, and its lock with it
        finally:
            self._conn.close()
            self._conn = None

    def _locked_now(self) -> bool:
        locked = try_advisory_lock(self._conn, self._key)
        self._conn.commit()
        return locked


class LockOfTheRun:
    """A step's view of the lock its run holds in another process (the run worker, possibly another machine).

    The run's orchestrating process takes the lock once for the whole run; every step checks that
    the session holding it is still that one, so no step writes once another run could have it.
    """

    def __init__(self, platform: Engine, sync_name: str, session_id: str):
        self._platform = platform
        self._sync_name = sync_name
        self._key = lock_key(f"sync:{sync_name}")
        self._session_id = session_id

    def verify(self) -> None:
        with self._platform.connect() as conn:
            holder = advisory_lock_holder(conn, self._key)
        if holder is None or _session_id(holder) != self._session_id:
            raise write_no_more(_lost_lock(self._sync_name))


def _session_id(session: dict) -> str:
    return f"{session['pid']}@{session['backend_start'].isoformat()}"
