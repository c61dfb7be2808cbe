"""A dialect-aware, guarded, multi-row upsert: ``COPY`` and a staging table on PostgreSQL, VALUES on SQLite."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from .copy_upsert import insert_from_staging, stage_rows

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}

Guard = Callable[[sa.Table, Any], sa.ColumnElement[bool]]

#: Rows from which a PostgreSQL upsert goes through ``COPY`` and a staging table.
COPY_MIN_ROWS = 100


def dialect_insert(conn: Connection, table: sa.Table):
    try:
        return _INSERTS[conn.dialect.name](table)
    except KeyError:
        raise NotImplementedError(
            f"the platform database must be PostgreSQL or SQLite, not {conn.dialect.name}"
        ) from None


def changed(table: sa.Table, excluded: Any, columns: Sequence[str]) -> sa.ColumnElement[bool]:
    """True when any of ``columns`` would change: no-op updates are skipped."""
    return sa.or_(*(table.c[name].is_distinct_from(excluded[name]) for name in columns))


def upsert_returning_ids(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    key: Sequence[str],
    update: Sequence[str],
    guard: Guard | None = None,
) -> tuple[dict[tuple, int], int]:
    """Insert or update ``rows`` on the unique ``key``; return ids for every key and the rows written.

    A row updates only when a mapped column changes and ``guard`` (if given)
    allows it, so a re-run writes nothing. Every key gets its id, written or not.
    """
    key_of = _key_of(key)
    by_key = {key_of(row): row for row in rows}
    rows = list(by_key.values())
    if not rows:
        return {}, 0
    insert = dialect_insert(conn, table)
    excluded = insert.excluded
    condition = changed(table, excluded, update)
    if guard is not None:
        condition = sa.and_(guard(table, excluded), condition)
    staging = stage_rows(conn, table, rows, list(rows[0])) if uses_copy(conn, len(rows)) else None
    if staging is not None:
        insert = insert_from_staging(insert, staging)
    statement = insert.on_conflict_do_update(
        index_elements=[table.c[name] for name in key],
        set_={**{name: excluded[name] for name in update}, "updated_at": sa.func.now()},
        where=condition,
    ).returning(table.c.id, *(table.c[name] for name in key))
    keys = by_key.keys()
    if staging is not None:
        ids, written = _upsert_with_every_id(conn, table, key, statement, staging)
    else:
        ids = {tuple(found): row_id for row_id, *found in conn.execute(statement, rows)}
        written = len(ids)
    # Only a key another transaction inserted meanwhile, after the statement's snapshot, is
    # left without an id by the staging path; the VALUES path looks up every key it did not write.
    ids.update(find_ids(conn, table, key, keys - ids.keys()))
    return ids, written


def _upsert_with_every_id(
    conn: Connection, table: sa.Table, key: Sequence[str], upsert, staging: sa.Table
) -> tuple[dict[tuple, int], int]:
    """Run ``upsert`` from ``staging`` and read the ids of the staged keys it does not write, in one statement.

    The outer query reads the statement's snapshot, from before the upsert: every staged key
    not written there existed already. Each staged key probes the key's unique index once
    (``LATERAL … LIMIT 1``), whatever the statistics: a freshly loaded table has none, and the
    planner could otherwise hash the whole table.
    """
    written = upsert.cte("written")
    existing = (
        sa.select(table.c.id)
        .where(*(table.c[name] == staging.c[name] for name in key))
        .limit(1)
        .lateral("existing")
    )
    query = sa.union_all(
        sa.select(written.c.id, *(written.c[name] for name in key), sa.true().label("written")),
        sa.select(existing.c.id, *(staging.c[name] for name in key), sa.false())
        .select_from(staging)
        .join(existing, sa.true()),
    )
    ids, count = {}, 0
    for row_id, *found, was_written in conn.execute(query):
        if was_written:
            ids[tuple(found)], count = row_id, count + 1
        else:
            ids.setdefault(tuple(found), row_id)
    return ids, count


def _key_of(key: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple]:
    """A row's ``key`` values as a tuple; a function per key shape, since it runs for every row."""
    if len(key) == 1:
        (name,) = key
        return lambda row: (row[name],)
    return lambda row: tuple(row[name] for name in key)


def uses_copy(conn: Connection, row_count: int) -> bool:
    """Whether to stage ``row_count`` rows with ``COPY``: on PostgreSQL, from :data:`COPY_MIN_ROWS` rows.

    Below that (JIT's one row, say) the extra statements of staging cost more than they save.
    """
    return conn.dialect.name == "postgresql" and row_count >= COPY_MIN_ROWS


def find_ids(conn: Connection, table: sa.Table, key: Sequence[str], keys: set[tuple]) -> dict[tuple, int]:
    if not keys:
        return {}
    columns = [table.c[name] for name in key]
    match = columns[0].in_([k[0] for k in keys]) if len(columns) == 1 else sa.tuple_(*columns).in_(keys)
    query = sa.select(table.c.id, *columns).where(match)
    return {tuple(found): row_id for row_id, *found in conn.execute(query)}
