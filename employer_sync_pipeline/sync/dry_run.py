"""A plan (dry run) writes through the same code as a run, inside one transaction that is rolled back.

Every batch of a plan sees what the plan's earlier batches wrote, as a run's batches see what
earlier batches committed, so a plan's counts are exactly what the run would do. Each
``begin()`` of the sync code becomes a SAVEPOINT of that one transaction, so per-record
isolation by bisection works as in a run. A lock serialises the batch's platform reads and its
writer thread's writes on the one connection.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine

from ..db.platform_snapshot import read_platform_state
from ..domain.plan_diff import PlatformState
from .one_connection import EngineStandIn


class RolledBackPlatform(EngineStandIn):
    """Stands in for the platform ``Engine`` during a plan: one connection, one transaction, rolled back."""

    def __init__(self, engine: Engine):
        super().__init__(engine)
        self._conn = engine.connect()
        self._transaction = self._conn.begin()
        self._lock = threading.RLock()
        self.state_before = read_platform_state(self._conn)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self._lock:
            yield self._conn

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self._lock, self._conn.begin_nested():
            yield self._conn

    def state_now(self) -> PlatformState:
        """The platform as the plan has changed it so far."""
        with self._lock:
            return read_platform_state(self._conn)

    def roll_back(self) -> None:
        """End the plan: nothing it wrote remains."""
        try:
            self._transaction.rollback()
        finally:
            self._conn.close()
