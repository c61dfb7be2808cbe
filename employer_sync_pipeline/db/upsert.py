"""A dialect-aware, guarded, multi-row upsert: ``COPY`` and a staging table on PostgreSQL, VALUES on SQLite."""

from collections.abc import Callable, Collection, Mapping, Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from .copy_upsert import insert_from_staging, stage_rows, staging_table

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
    if conn.dialect.name != "postgresql":
        statement = _on_conflict(insert, table, key, update, guard)
        ids = {tuple(found): row_id for row_id, *found in conn.execute(statement, rows)}
        return ids | find_ids(conn, table, key, by_key.keys() - ids.keys()), len(ids)
    columns = tuple(rows[0])
    staged = uses_copy(conn, len(rows))
    if staged:
        stage_rows(conn, table, rows, columns)
    params = {} if staged else {name: [row[name] for row in rows] for name in columns}
    query = _upsert_with_every_id(table, columns, tuple(key), tuple(update), guard, staged)
    ids, written = {}, 0
    for row_id, *found, was_written in conn.execute(query, params):
        if was_written:
            ids[tuple(found)], written = row_id, written + 1
        else:
            ids.setdefault(tuple(found), row_id)
    # Only a key another transaction inserted meanwhile, after the statement's snapshot, is left without an id.
    ids.update(find_ids(conn, table, key, by_key.keys() - ids.keys()))
    return ids, written


@lru_cache(maxsize=64)
def _upsert_with_every_id(
    table: sa.Table, columns: tuple[str, ...], key: tuple[str, ...], update: tuple[str, ...], guard: Guard | None,
    staged: bool,
) -> sa.CompoundSelect:
    """One PostgreSQL statement: the upsert from the staging table (or the unnested parameters),
    and the ids of the keys it does not write.

    The second part reads the statement's snapshot, from before the upsert: every key it finds
    that the upsert does not write existed already. Built once per shape: building it costs
    more than running it for a few rows.
    """
    staging = staging_table(table, columns) if staged else _unnested(table, columns)
    upsert = _on_conflict(insert_from_staging(postgresql.insert(table), staging), table, key, update, guard)
    written = upsert.cte("written")
    return sa.union_all(
        sa.select(written.c.id, *(written.c[name] for name in key), sa.true()), _probed_ids(table, key, staging)
    )


def _on_conflict(insert, table: sa.Table, key: Sequence[str], update: Sequence[str], guard: Guard | None):
    """``insert`` as a guarded upsert on ``key`` that returns (id, key…) of each row it writes."""
    excluded = insert.excluded
    condition = changed(table, excluded, update)
    if guard is not None:
        condition = sa.and_(guard(table, excluded), condition)
    return insert.on_conflict_do_update(
        index_elements=[table.c[name] for name in key],
        set_={**{name: excluded[name] for name in update}, "updated_at": sa.func.now()},
        where=condition,
    ).returning(table.c.id, *(table.c[name] for name in key))


def _probed_ids(table: sa.Table, key: Sequence[str], staging: sa.Table) -> sa.Select:
    """(id, key…, false) of the staged keys that exist. Each staged key probes the key's unique index
    once (``LATERAL … LIMIT 1``), whatever the statistics: a freshly loaded table has none, and
    the planner could otherwise hash the whole table."""
    existing = (
        sa.select(table.c.id)
        .where(*(table.c[name] == staging.c[name] for name in key))
        .limit(1)
        .lateral("existing")
    )
    return (
        sa.select(existing.c.id, *(staging.c[name] for name in key), sa.false())
        .select_from(staging)
        .join(existing, sa.true())
    )


def _unnested(table: sa.Table, columns: Sequence[str]):
    """The rows as one array parameter per column, unnested into a FROM clause named like a staging table.

    A few rows (JIT's) are then upserted by the same statement as a staged chunk, and the statement
    has the same text whatever the row count, so SQLAlchemy compiles it once per table.
    """
    types = {name: _unbounded(table.c[name].type) for name in columns}
    arrays = [sa.bindparam(name, type_=ARRAY(types[name])) for name in columns]
    names = (sa.column(name, types[name]) for name in columns)
    return sa.func.unnest(*arrays).table_valued(*names).render_derived(name="staged")


def _unbounded(column_type: sa.types.TypeEngine) -> sa.types.TypeEngine:
    """Text stays unbounded in the parameters, as in the staging table: a cast to ``VARCHAR(n)`` would
    cut a value too long for its column, which the write must reject instead."""
    return sa.Text() if isinstance(column_type, sa.String) else column_type


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
    query = sa.select(table.c.id, *(table.c[name] for name in key)).where(_key_in(table, key, keys))
    return {tuple(found): row_id for row_id, *found in conn.execute(query)}


def _key_in(table: sa.Table, key: Sequence[str], keys: Collection[tuple]) -> sa.ColumnElement[bool]:
    columns = [table.c[name] for name in key]
    return columns[0].in_([k[0] for k in keys]) if len(columns) == 1 else sa.tuple_(*columns).in_(list(keys))
