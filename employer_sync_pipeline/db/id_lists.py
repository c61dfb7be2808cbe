"""A column matched against a list of ids, bound as one parameter where the server can take it.

``column IN (…)`` with a chunk's thousands of ids has SQLAlchemy render one bind parameter per id
and the driver quote each of them: about 5 ms of CPU per thousand ids on the CI machine, more
than many of the reads themselves, and a fifth of the JodGig reader's CPU. Instead:

- PostgreSQL gets the ids as an array literal the server casts: ``column = ANY(CAST(:ids AS
  BIGINT[]))``. Up to a write chunk's worth of them (:data:`PROBED_IDS`), on a column that leads
  an index, the array is read through ``ARRAY(SELECT unnest(…))``, whose length the planner cannot
  see: it then probes the index once per id. Given the length, it scans the whole table instead
  (its cost model takes each probe for a read from disk), and the scan grows with the table:
  8.4 ms against 2.7 ms for 800 ids among 50,000 identities, on every chunk of a full refresh.
  A column no index leads keeps the plain array, which the scan hashes (it would test the hidden
  array's every id against every row: 430 ms for a chunk of 2,000 over 52,000 memberships), and
  so does a run's whole id list (the run-end checks), where one scan is what it should cost;
- MySQL 8.0.4+ and MariaDB 10.6+ get them as a JSON array the server reads as a table:
  ``column IN (SELECT id FROM JSON_TABLE(:ids, …))``, which the optimizer materializes and then
  probes ``column``'s index with, as it does an ``IN`` list;
- any other server (an older MySQL, SQLite) keeps ``IN``.

The sync's own statements are built once per form (:func:`ids_form`; a few ids stay an ``IN``
list) with a named parameter (:func:`one_of`) and bound at each execution
(:func:`execute_with_ids`): building a statement costs SQLAlchemy about as much CPU as executing
it, which a JIT call pays on each of its statements. :func:`is_one_of` binds the ids in place, for
a statement built for one execution; there a few ids stay an ``IN`` list.
"""

from collections.abc import Callable, Collection, Iterable, Iterator

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.sql import Executable

from ..domain.batching import batched

#: What ``JSON_TABLE`` cannot say in SQLAlchemy Core: its ``COLUMNS`` clause; ``{}`` is the
#: parameter's name. JodGig's ids are unsigned; a value out of range would be NULL, which ``NOT IN``
#: must never see.
_JSON_IDS = (
    "SELECT id FROM JSON_TABLE(:{}, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$')) AS wanted WHERE id IS NOT NULL"
)
#: The forms of :func:`ids_form`.
ARRAY_FORM, PROBES_FORM, JSON_FORM, LIST_FORM = "array", "probes", "json", "list"
_FIRST_JSON_TABLE = {True: (10, 6), False: (8, 0, 4)}  # is MariaDB → first version with JSON_TABLE
#: Ids per ``IN`` list: SQLite takes at most 32,766 parameters in a statement.
_IN_LIST_CHUNK = 5000
#: Fewer ids than this are few: they stay an ``IN`` list (MariaDB takes 0.1 ms less for a JIT's
#: one id than materializing a ``JSON_TABLE`` of it), and their reads share a statement
#: (``tagged_union.py``).
FEW_IDS = 32
#: Up to this many ids PostgreSQL probes the column's index per id (:data:`PROBES_FORM`): a probe
#: costs about 2–3 µs and a scan about 0.16 µs per row, so for a write chunk's 2,000 ids probing
#: wins from about 30,000 rows on, and the platform's tables grow past that.
PROBED_IDS = 10_000


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


def ids_form(conn: Connection, count: int | None = None) -> str:
    """How ``conn``'s server takes a list of ids best: :data:`ARRAY_FORM`, :data:`JSON_FORM` or
    :data:`LIST_FORM`; with ``count``, a list of that many ids (a few stay an ``IN`` list)."""
    if count is not None and count < FEW_IDS:
        return LIST_FORM
    if conn.dialect.name == "postgresql":
        return PROBES_FORM if count is not None and count <= PROBED_IDS else ARRAY_FORM
    return JSON_FORM if has_json_table(conn) else LIST_FORM


def one_of(form: str, column: sa.ColumnElement[int], name: str) -> sa.ColumnElement[bool]:
    """``column`` is one of the ids bound at execution as ``name`` (any iterable of ints), in ``form``."""
    return _one_of(form, column, name, {})


def execute_with_ids(
    conn: Connection, statement_in_form: Callable[[str], Executable], ids: Collection[int]
) -> CursorResult:
    """``statement_in_form(form)``, built once per form with :func:`one_of` on ``"ids"``, executed
    with ``ids`` bound there, in the form that costs ``conn``'s server least for that many."""
    return conn.execute(statement_in_form(ids_form(conn, len(ids))), {"ids": list(ids)})


def is_one_of(conn: Connection, column: sa.ColumnElement[int], ids: Iterable[int]) -> sa.ColumnElement[bool]:
    """``column`` is one of ``ids``, bound in place, in the form that costs ``conn``'s server least."""
    ids = list(ids)
    form = ids_form(conn, len(ids))
    if form == LIST_FORM:
        return column.in_(ids)
    return _one_of(form, column, "ids", {"value": ids, "unique": True})


def _one_of(form: str, column: sa.ColumnElement[int], name: str, bound: dict) -> sa.ColumnElement[bool]:
    if form in (ARRAY_FORM, PROBES_FORM):
        ids = sa.cast(sa.bindparam(name, type_=_IdArray(), **bound), ARRAY(column.type))
        if form == PROBES_FORM and _leads_an_index(column):
            ids = sa.func.array(sa.select(sa.func.unnest(ids)).scalar_subquery())
        return column == sa.any_(ids)
    if form == JSON_FORM:
        parameter = sa.bindparam(name, type_=_IdJson(), **bound)
        return column.in_(sa.text(_JSON_IDS.format(name)).bindparams(parameter).columns(sa.column("id", sa.BigInteger)))
    return column.in_(sa.bindparam(name, expanding=True, **bound))


def _leads_an_index(column: sa.ColumnElement) -> bool:
    """Whether ``column`` is the first column of its table's primary key, a unique constraint (a
    column's ``unique=True`` is one) or a whole-table index: one that can be probed for any of its
    values."""
    table = getattr(column, "table", None)
    if not isinstance(table, sa.Table):
        return False
    keys = [c for c in table.constraints if isinstance(c, (sa.PrimaryKeyConstraint, sa.UniqueConstraint))]
    keys += [i for i in table.indexes if i.dialect_options["postgresql"]["where"] is None]
    return any(next(iter(key.columns), None) is column for key in keys)


def id_chunks(conn: Connection, ids: Iterable[int]) -> Iterator[tuple[int, ...]]:
    """``ids`` sorted, in as few statements' worth as ``conn``'s server takes: one where they are one
    parameter, chunks of 5,000 for an ``IN`` list. One statement over a whole run's ids (the
    run-end checks) reads the table once, where 20 would each scan it."""
    ids = sorted(set(ids))
    if not ids:
        return
    if ids_form(conn) != LIST_FORM:
        yield tuple(ids)
    else:
        yield from batched(ids, _IN_LIST_CHUNK)


def has_json_table(conn: Connection) -> bool:
    dialect = conn.dialect
    if dialect.name != "mysql" or dialect.server_version_info is None:
        return False
    return tuple(dialect.server_version_info[:3]) >= _FIRST_JSON_TABLE[bool(dialect.is_mariadb)]
