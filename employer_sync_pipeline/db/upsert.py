"""Dialect-aware multi-row writes: the guarded upsert and the plain insert, with the rows as one JSON
parameter on PostgreSQL and a multi-row VALUES on SQLite."""

from collections.abc import Callable, Collection, Mapping, Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from .id_lists import ARRAY_FORM, is_one_of, one_of
from .json_rows import ROWS_PARAMETER, insert_from_json, json_rows, plain_insert, rows_as_json

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}

Guard = Callable[[sa.Table, Any], sa.ColumnElement[bool]]
_LOOK_UP = "look_up"


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
    look_up: Collection[Any] = (),
) -> tuple[dict[tuple, int], int]:
    """Insert or update ``rows`` on the unique ``key``; return ids for every key and the rows written.

    A row updates only when a mapped column changes and ``guard`` (if given)
    allows it, so a re-run writes nothing. Every key gets its id, written or not.
    ``look_up``: values of a one-column ``key`` that are not upserted, whose ids (where they exist)
    are returned too, read by the same statement.
    """
    key_of = _key_of(key)
    by_key = {key_of(row): row for row in rows}
    rows = list(by_key.values())
    if not rows:
        return find_ids(conn, table, key, {(value,) for value in look_up}), 0
    if conn.dialect.name != "postgresql":
        return upsert_with_values(conn, table, rows, key, update, guard, look_up)
    query = _upsert_with_every_id(table, tuple(rows[0]), tuple(key), tuple(update), guard, bool(look_up))
    parameters = {ROWS_PARAMETER: rows_as_json(table, rows)} | ({_LOOK_UP: list(look_up)} if look_up else {})
    ids, written = {}, 0
    for row_id, *found, was_written in conn.execute(query, parameters):
        if was_written:
            ids[tuple(found)], written = row_id, written + 1
        else:
            ids.setdefault(tuple(found), row_id)
    # Only a key another transaction inserted meanwhile, after the statement's snapshot, is left without an id.
    ids.update(find_ids(conn, table, key, by_key.keys() - ids.keys()))
    return ids, written


def upsert_with_values(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    key: Sequence[str],
    update: Sequence[str],
    guard: Guard | None = None,
    look_up: Collection[Any] = (),
) -> tuple[dict[tuple, int], int]:
    """:func:`upsert_returning_ids` as a multi-row ``VALUES`` upsert (SQLite's path), with the ids
    of the unwritten keys, and of ``look_up``, looked up after it."""
    statement = _on_conflict(dialect_insert(conn, table), table, key, update, guard)
    ids = {tuple(found): row_id for row_id, *found in conn.execute(statement, list(rows))}
    missing = ({_key_of(key)(row) for row in rows} | {(value,) for value in look_up}) - ids.keys()
    return ids | find_ids(conn, table, key, missing), len(ids)


def insert_rows(conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert ``rows`` (other columns take their defaults) in one statement; returns the rows inserted."""
    if not rows:
        return 0
    if conn.dialect.name != "postgresql":
        conn.execute(sa.insert(table), list(rows))
        return len(rows)
    return conn.execute(plain_insert(table, tuple(rows[0])), {ROWS_PARAMETER: rows_as_json(table, rows)}).rowcount


@lru_cache(maxsize=64)
def _upsert_with_every_id(
    table: sa.Table,
    columns: tuple[str, ...],
    key: tuple[str, ...],
    update: tuple[str, ...],
    guard: Guard | None,
    look_up: bool = False,
) -> sa.CompoundSelect:
    """One PostgreSQL statement: the upsert of the rows of the JSON parameter, and the ids of the
    keys it does not write (and, with ``look_up``, of the keys bound as ``look_up``).

    The other parts read the statement's snapshot, from before the upsert: every key they find
    that the upsert does not write existed already. Built once per shape: building it costs
    more than running it for a few rows.
    """
    staging = json_rows(table, columns)
    upsert = _on_conflict(insert_from_json(postgresql.insert(table), table, columns), table, key, update, guard)
    written = upsert.cte("written")
    parts = [sa.select(written.c.id, *(written.c[name] for name in key), sa.true()), _probed_ids(table, key, staging)]
    if look_up:
        (name,) = key
        parts.append(sa.select(table.c.id, table.c[name], sa.false()).where(one_of(ARRAY_FORM, table.c[name], _LOOK_UP)))
    return sa.union_all(*parts)


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


def _probed_ids(table: sa.Table, key: Sequence[str], staging: sa.CTE) -> sa.Select:
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


def _key_of(key: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple]:
    """A row's ``key`` values as a tuple; a function per key shape, since it runs for every row."""
    if len(key) == 1:
        (name,) = key
        return lambda row: (row[name],)
    return lambda row: tuple(row[name] for name in key)


def find_ids(conn: Connection, table: sa.Table, key: Sequence[str], keys: set[tuple]) -> dict[tuple, int]:
    if not keys:
        return {}
    query = sa.select(table.c.id, *(table.c[name] for name in key)).where(_key_in(conn, table, key, keys))
    return {tuple(found): row_id for row_id, *found in conn.execute(query)}


def _key_in(conn: Connection, table: sa.Table, key: Sequence[str], keys: Collection[tuple]) -> sa.ColumnElement[bool]:
    columns = [table.c[name] for name in key]
    if len(columns) == 1:
        return is_one_of(conn, columns[0], [k[0] for k in keys])
    return sa.tuple_(*columns).in_(list(keys))
