"""The PostgreSQL bulk path of the guarded upsert: ``COPY`` into a staging table, then one statement.

A multi-row ``INSERT … VALUES`` of thousands of rows costs twice: the driver renders every
value into the SQL text, and PostgreSQL parses that text. ``COPY`` streams the rows in its
text format instead. One ``INSERT … SELECT … ON CONFLICT … DO UPDATE … WHERE guard`` then
applies them with the same condition as the VALUES path, so both write exactly the same rows.

The staging table is a temporary table of the session, created once with only the columns
written (no constraints, no defaults) and emptied at each use and at every commit.
"""

import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_value(value: Any) -> str:
    """One value in ``COPY``'s text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given for a UTC column")
        return value.isoformat()
    return str(value)


def staging_table(table: sa.Table, columns: Sequence[str]) -> sa.Table:
    """A temporary table with ``columns`` of ``table``, of the same types."""
    return sa.Table(
        f"_staging_{table.name}",
        sa.MetaData(),
        *(sa.Column(name, table.c[name].type) for name in columns),
        prefixes=["TEMPORARY"],
    )


def stage_rows(conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> sa.Table:
    """Empty the session's staging table of ``table`` and ``COPY`` ``rows`` into it."""
    staging = staging_table(table, columns)
    # Text stays unbounded in the staging table: a value too long for its column is then
    # rejected by the statement that writes the real table, as on the VALUES path.
    selected = (f"{name}::text AS {name}" if isinstance(table.c[name].type, sa.String) else name for name in columns)
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging.name} ON COMMIT DELETE ROWS AS "
        f"SELECT {', '.join(selected)} FROM {table.name} WITH NO DATA"
    )
    conn.exec_driver_sql(f"TRUNCATE {staging.name}")
    copy_rows(conn, staging, rows, columns)
    return staging


def copy_rows(conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> int:
    """``COPY`` ``rows`` into ``table``'s ``columns`` (the others take their defaults); returns the rows copied."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(copy_value(row[name]) for name in columns))
        buffer.write("\n")
    buffer.seek(0)
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    dbapi_error = conn.dialect.dbapi.Error
    try:
        with conn.connection.dbapi_connection.cursor() as cursor:
            cursor.copy_expert(statement, buffer)
    except dbapi_error as error:
        # Raised as SQLAlchemy raises every other statement's errors, so isolation tells them apart.
        raise sa.exc.DBAPIError.instance(statement, None, error, dbapi_error, hide_parameters=True) from error
    return len(rows)


def insert_from_staging(insert: postgresql.Insert, staging: sa.Table) -> postgresql.Insert:
    """``insert`` taking its rows from ``staging``."""
    return insert.from_select([c.name for c in staging.columns], sa.select(*staging.columns))


def ids_of_staged_keys(conn: Connection, table: sa.Table, staging: sa.Table, key: Sequence[str]) -> dict[tuple, int]:
    """Key → id of ``table``'s row, for every staged key."""
    match = sa.and_(*(table.c[name] == staging.c[name] for name in key))
    query = sa.select(table.c.id, *(table.c[name] for name in key)).join_from(table, staging, match)
    return {tuple(found): row_id for row_id, *found in conn.execute(query)}
