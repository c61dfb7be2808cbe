"""A JIT sync's platform: one pooled connection for the whole call, not one per step.

A login waits on the JIT sync, and each checkout of a pooled connection costs a round trip
(the pool's pre-ping) and a reset when it goes back. Lent to the batch code in place of the
platform ``Engine``, this keeps the call's reads and its write transaction on one connection;
each ``connect()`` block ends its read transaction as returning a connection would.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine


class OneConnectionPlatform:
    """Stands in for the platform ``Engine`` for one call; use it as a context manager."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._conn: Connection | None = None

    def __enter__(self) -> "OneConnectionPlatform":
        self._conn = self._engine.connect()
        return self

    def __exit__(self, *_) -> None:
        self._conn.close()

    @property
    def dialect(self):
        return self._engine.dialect

    @property
    def url(self):
        return self._engine.url

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        try:
            yield self._conn
        finally:
            if self._conn.in_transaction():
                self._conn.rollback()

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self._conn.begin():
            yield self._conn
