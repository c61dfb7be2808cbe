"""PostgreSQL session advisory locks: one sync of a kind at a time, whatever launched it."""

import hashlib

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (Python's hash() changes per process)."""
    return int.from_bytes(hashlib.sha256(f"employer_sync_pipeline:{name}".encode()).digest()[:8], "big", signed=True)


def try_advisory_lock(conn: Connection, key: int) -> bool:
    return conn.execute(sa.select(sa.func.pg_try_advisory_lock(key))).scalar_one()


def advisory_unlock(conn: Connection, key: int) -> None:
    conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))
