"""Several tables' reads in one statement when they return a few rows, one statement each when many.

Each MariaDB statement costs the server about 0.3 ms to parse and plan, whatever it returns, and
a JIT call's reads each return a row or two. :class:`TaggedUnion` sends the reads of one step
as one ``UNION ALL``: every row carries its part's index first, then every part's columns,
``NULL`` outside its own part. Each column keeps its type on every dialect, so rows decode
exactly as the separate reads' rows do: the padding is a ``NULL`` cast to the type of the
column it stands in for, where a bare ``NULL`` makes MariaDB widen a ``BIGINT UNSIGNED`` column
of the union to ``DECIMAL``. The padding costs the driver a cell per column of every other
part, which for a chunk's thousands of rows costs more CPU than the round trips it saves (about
2 s over a scale-30 full sync): there each part goes on its own.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
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
            sa.literal_column(str(index), sa.Integer).label("part"), *_padded(columns, index), maintain_column_froms=True
        )
        for index, part in enumerate(parts)
    ]
    return TaggedUnion(parts, sa.union_all(*selects), tuple(slices))


def _padded(columns: list[list[sa.ColumnElement]], index: int) -> list[sa.ColumnElement]:
    return [
        (column if part == index else sa.cast(sa.null(), column.type)).label(f"c{part}_{position}")
        for part, own in enumerate(columns)
        for position, column in enumerate(own)
    ]
