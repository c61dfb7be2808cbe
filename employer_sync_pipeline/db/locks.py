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


def holds_advisory_lock(conn: Connection, key: int) -> bool:
    """Whether this session still holds the lock (its connection may have been killed)."""
    high, low = (key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF
    query = sa.text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
        "AND granted AND classid = CAST(:high AS bigint)::oid AND objid = CAST(:low AS bigint)::oid AND objsubid = 1"
    )
    return conn.execute(query, {"high": high, "low": low}).scalar_one() > 0


def advisory_lock_holder(conn: Connection, key: int) -> dict | None:
    """The session holding the lock: its pid, application name and since when; None if free."""
    high, low = (key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF
    query = sa.text(
        "SELECT a.pid, a.application_name, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = CAST(:high AS bigint)::oid "
        # Advisory locks are per database: the same key may be held in another database of the server.
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND l.objid = CAST(:low AS bigint)::oid AND l.objsubid = 1"
    )
    row = conn.execute(query, {"high": high, "low": low}).mappings().first()
    return dict(row) if row is not None else None


def this_session(conn: Connection) -> dict:
    """This connection's PostgreSQL session: its pid and when it started (a pid alone can be reused)."""
    query = sa.text("SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()")
    return dict(conn.execute(query).mappings().one())
