"""Holding the sync's advisory lock for a whole run (SPEC §5: two runs never race on a watermark)."""

import time
from collections.abc import Callable

from sqlalchemy.engine import Connection, Engine

from ..db.locks import advisory_unlock, lock_key, try_advisory_lock


class SyncAlreadyRunning(Exception):
    """Another run of the same sync holds the lock; this run changed nothing."""


class RunLock:
    """A session advisory lock on a dedicated platform connection, for PostgreSQL platforms."""

    def __init__(self, platform: Engine, sync_name: str):
        self._platform = platform
        self._sync_name = sync_name
        self._key = lock_key(f"sync:{sync_name}")
        self._conn: Connection | None = None

    def acquire(self, wait_seconds: float, on_wait: Callable[[str], None], poll_seconds: float = 2.0) -> None:
        """Take the lock, waiting up to ``wait_seconds`` for a run that holds it to finish."""
        if self._platform.dialect.name != "postgresql":
            return
        self._conn = self._platform.connect()
        self._conn.commit()
        deadline = time.monotonic() + wait_seconds
        while not self._locked_now():
            if time.monotonic() >= deadline:
                self.release()
                raise SyncAlreadyRunning(
                    f"another {self._sync_name} sync still holds its lock after {wait_seconds:.0f} s; this run "
                    "stopped before reading or writing anything. Let that run finish (see Runs in the UI), "
                    "then launch again; the run queue in dagster.yaml prevents this overlap."
                )
            on_wait(f"another {self._sync_name} sync is running; waiting for it to finish")
            time.sleep(poll_seconds)

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            advisory_unlock(self._conn, self._key)
            self._conn.commit()
        finally:
            self._conn.close()
            self._conn = None

    def _locked_now(self) -> bool:
        locked = try_advisory_lock(self._conn, self._key)
        self._conn.commit()
        return locked
