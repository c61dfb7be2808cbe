"""Connections that cannot write, for the commands that only look (explain)."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine


@contextmanager
def read_only_connection(engine: Engine) -> Iterator[Connection]:
    """A platform connection that refuses writes, whatever the caller does with it."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # Reset when the connection goes back to the pool.
            yield conn.execution_options(postgresql_readonly=True)
            return
        conn.exec_driver_sql("PRAGMA query_only = ON")
        try:
            yield conn
        finally:
            conn.rollback()
            conn.exec_driver_sql("PRAGMA query_only = OFF")
