"""A column matched against a list of ids, bound as one parameter where the server can take it.

``column IN (…)`` with a chunk's thousands of ids has SQLAlchemy render one bind parameter per id
and the driver quote each of them: about 5 ms of CPU per thousand ids on the CI machine, more
than many of the reads themselves, and a fifth of the JodGig reader's CPU. Instead:

- PostgreSQL gets the ids as an array literal the server casts: ``column = ANY(CAST(:ids AS
  BIGINT[]))``;
- MySQL 8.0.4+ and MariaDB 10.6+ get them as a JSON array the server reads as a table:
  ``column IN (SELECT id FROM JSON_TABLE(:ids, …))``, which the optimizer materializes and then
  probes ``column``'s index with, as it does an ``IN`` list;
- any other server (an older MySQL, SQLite) keeps ``IN``, and so do a few ids (a JIT's one).
"""

from collections.abc import Iterable, Iterator

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from ..domain.batching import batched

#: What ``JSON_TABLE`` cannot say in SQLAlchemy Core: its ``COLUMNS`` clause.
#: JodGig's ids are unsigned; a value out of range would be NULL, which ``NOT IN`` must never see.
_JSON_IDS = (
    "SELECT id FROM JSON_TABLE(:ids, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$')) AS wanted WHERE id IS NOT NULL"
)
_FIRST_JSON_TABLE = {True: (10, 6), False: (8, 0, 4)}  # is MariaDB → first version with JSON_TABLE
#: Ids per ``IN`` list: SQLite takes at most 32,766 parameters in a statement.
_IN_LIST_CHUNK = 5000
#: Fewer ids than this stay an ``IN`` list, which costs a JIT's one id less than a parameter to decode.
_ONE_PARAMETER_FROM = 32


class _IdArray(sa.types.TypeDecorator):
    """Integers bound as PostgreSQL's array literal, ``{1,2,3}``."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return "{" + ",".join(map(str, map(int, value))) + "}"


class _IdJson(sa.types.TypeDecorator):
    """Integers bound as a JSON array, ``[1,2,3]``."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return orjson.dumps(list(map(int, value))).decode()


def is_one_of(conn: Connection, column: sa.ColumnElement[int], ids: Iterable[int]) -> sa.ColumnElement[bool]:
    """``column`` is one of ``ids``, in the form that costs ``conn``'s server least."""
    ids = list(ids)
    if len(ids) < _ONE_PARAMETER_FROM:
        return column.in_(ids)
    if conn.dialect.name == "postgresql":
        return column == sa.any_(sa.cast(sa.bindparam(None, ids, type_=_IdArray()), ARRAY(column.type)))
    if has_json_table(conn):
        ids_parameter = sa.bindparam("ids", ids, type_=_IdJson(), unique=True)
        return column.in_(sa.text(_JSON_IDS).bindparams(ids_parameter).columns(sa.column("id", sa.BigInteger)))
    return column.in_(ids)


def id_chunks(conn: Connection, ids: Iterable[int]) -> Iterator[tuple[int, ...]]:
    """``ids`` sorted, in as few statements' worth as ``conn``'s server takes: one where they are one
    parameter, chunks of 5,000 for an ``IN`` list. One statement over a whole run's ids (the
    run-end checks) reads the table once, where 20 would each scan it."""
    ids = sorted(set(ids))
    if not ids:
        return
    if conn.dialect.name == "postgresql" or has_json_table(conn):
        yield tuple(ids)
    else:
        yield from batched(ids, _IN_LIST_CHUNK)


def has_json_table(conn: Connection) -> bool:
    dialect = conn.dialect
    if dialect.name != "mysql" or dialect.server_version_info is None:
        return False
    return tuple(dialect.server_version_info[:3]) >= _FIRST_JSON_TABLE[bool(dialect.is_mariadb)]
