"""Holding a sync's advisory lock from another session, as a concurrent run would."""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from employer_sync_pipeline.db.locks import lock_key


@contextmanager
def sync_lock_held_elsewhere(engine: Engine, sync_name: str = "employer") -> Iterator[None]:
    key = lock_key(f"sync:{sync_name}")
    holder = engine.connect()
    try:
        holder.execute(sa.select(sa.func.pg_advisory_lock(key)))
        holder.commit()
        yield
    finally:
        holder.execute(sa.select(sa.func.pg_advisory_unlock(key)))
        holder.commit()
        holder.close()
