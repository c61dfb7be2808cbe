"""Whether a database has the tables the sync reads or writes."""

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def missing_tables(conn: Connection, metadata: sa.MetaData) -> list[str]:
    """Names of ``metadata``'s tables that the connected database lacks, sorted."""
    present = set(sa.inspect(conn).get_table_names())
    return sorted(name for name in metadata.tables if name not in present)
