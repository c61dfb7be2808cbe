"""Several tables' reads in one statement when they return a few rows, one statement each when many.

Each MariaDB statement costs the server about 0.3 ms to parse and plan, whatever it returns, and
a JIT call's reads each return a row or two. :class:`TaggedUnion` sends the reads of one step
as one ``UNION ALL``: every row carries its part's index first, then every part's columns,
``NULL`` outside its own part. The padding is a ``NULL`` cast to the type of the column it
stands in for, so that each column of the union keeps a type that decodes to the same Python
values as the separate reads' (MySQL casts a ``TINYINT`` as a ``BIGINT``, a ``VARCHAR`` as a
``CHAR``: the values are the same): a bare ``NULL`` makes MariaDB widen a ``BIGINT UNSIGNED``
column to ``DECIMAL``. A column of a type MySQL cannot cast to (a boolean, an enum, a float) is
refused when the union is built. The padding costs the driver a cell per column of every other
part, which for a chunk's thousands of rows costs more CPU than the round trips it saves (about
2 s over a scale-30 full sync): there each part goes on its own.
"""

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class TaggedUnion:
    """Several selects with the same parameters, and their ``UNION ALL``."""

    parts: tuple[sa.Select, ...]
    statement: sa.CompoundSelect
    slices: tuple[slice, ...]

    def rows(self, conn: Connection, parameters: Mapping[str, Any], together: bool) -> list[Sequence[Sequence]]:
        """Each part's rows, in part order: from the one ``UNION ALL`` statement if ``together``,
        else from a statement per part."""
        if together:
            return self.split(conn.execute(self.statement, parameters))
        return [conn.execute(part, parameters).all() for part in self.parts]

    def split(self, rows: Iterable[Sequence]) -> list[list[tuple]]:
        """The rows of each part, in part order, each as the tuple its own select would return."""
        found: list[list[tuple]] = [[] for _ in self.slices]
        slices = self.slices
        for row in rows:
            part = row[0]
            found[part].append(tuple(row[slices[part]]))
        return found


def tagged_union(*parts: sa.Select) -> TaggedUnion:
    """``parts`` as one statement; each keeps its own ``FROM`` and ``WHERE``."""
    columns = [list(part.selected_columns) for part in parts]
    slices, start = [], 1
    for own in columns:
        slices.append(slice(start, start + len(own)))
        start += len(own)
    selects = [
        part.with_only_columns(
            sa.literal_column(str(index), sa.Integer).label("part"),
            *_padded(columns, index),
            maintain_column_froms=True,
        )
        for index, part in enumerate(parts)
    ]
    return TaggedUnion(parts, sa.union_all(*selects), tuple(slices))


def _padded(columns: list[list[sa.ColumnElement]], index: int) -> list[sa.ColumnElement]:
    return [
        (column if part == index else _typed_null(column)).label(f"c{part}_{position}")
        for part, own in enumerate(columns)
        for position, column in enumerate(own)
    ]


def _typed_null(column: sa.ColumnElement) -> sa.Cast:
    padding = sa.cast(sa.null(), column.type)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.exc.SAWarning)  # SQLAlchemy's "the CAST will be skipped"
        cast_on_mysql = "CAST" in str(padding.compile(dialect=mysql.dialect()))
    if not cast_on_mysql:
        raise TypeError(
            f"{column} ({column.type}) cannot be padded in a tagged union: MySQL cannot cast to its type, "
            "and a bare NULL would change the type of the union's column; read it in a statement of its own"
        )
    return padding
