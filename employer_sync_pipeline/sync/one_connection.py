"""The platform on one pooled connection for a whole JIT call, or for a batch's writes.

Each checkout of a pooled connection costs a round trip (the pool's pre-ping) and a reset when it
goes back: three per JIT call, two per chunk in a batch's writer thread (the e-mail holders, then
the write). Lent to the batch code in place of the platform ``Engine``, this keeps those reads and
write transactions on one connection. One thread at a time uses it: a batch's reads of the next
chunk, in its own thread, stay on the engine.

On PostgreSQL a ``connect()`` block reads in autocommit: each read is its own transaction, as it
is in READ COMMITTED anyway, without the ``BEGIN`` and ``ROLLBACK`` round trips that psycopg2
would send around it (four of a JIT call's round trips). psycopg2's ``autocommit`` attribute is
switched, not SQLAlchemy's isolation level, which would cost a ``SET`` round trip each way.
Writes belong in a ``begin()`` block: in a ``connect()`` block each would commit on its own.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine


@contextmanager
def one_connection(platform: "Engine | object") -> Iterator["Engine | object"]:
    """``platform`` on one connection for the block; a stand-in that holds one already (a plan's
    rolled-back transaction, a JIT call's connection) is used as it is."""
    if not isinstance(platform, Engine):
        yield platform
        return
    with OneConnectionPlatform(platform) as pinned:
        yield pinned


class EngineStandIn:
    """What the sync code reads of an ``Engine`` besides ``connect()`` and ``begin()``, which a
    stand-in provides on a connection of its own."""

    def __init__(self, engine: Engine):
        self._engine = engine

    @property
    def dialect(self):
        return self._engine.dialect

    @property
    def url(self):
        return self._engine.url


class OneConnectionPlatform(EngineStandIn):
    """Stands in for the platform ``Engine`` for one call; use it as a context manager."""

    def __init__(self, engine: Engine):
        super().__init__(engine)
        self._conn: Connection | None = None

    def __enter__(self) -> "OneConnectionPlatform":
        self._conn = self._engine.connect()
        self._reads_autocommit = self._engine.dialect.name == "postgresql"
        return self

    def __exit__(self, *_) -> None:
        self._conn.close()

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        dbapi_connection = self._conn.connection.dbapi_connection if self._reads_autocommit else None
        if dbapi_connection is not None:
            dbapi_connection.autocommit = True
        try:
            yield self._conn
        finally:
            if self._conn.in_transaction():
                self._conn.rollback()
            if dbapi_connection is not None and not dbapi_connection.closed:
                dbapi_connection.autocommit = False

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self._conn.begin():
            yield self._conn
