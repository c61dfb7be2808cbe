"""The checks a run makes before its first step: each database answers and has its tables."""

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..db import jodgig_tables, platform_tables
from ..db.engines import JODGIG_SETTING, PLATFORM_SETTING, describe_url
from ..db.schema import missing_tables
from ..db.timeouts import DatabaseTimeout

_SCHEMA_FILES = {
    JODGIG_SETTING: (jodgig_tables.metadata, "employer_sync_pipeline/sql/jodgig_schema.sql",
                     "point JODGIG_DATABASE_URL at the JodGig database"),
    PLATFORM_SETTING: (platform_tables.metadata, "employer_sync_pipeline/sql/platform_schema.sql",
                       "create them with `psql -f employer_sync_pipeline/sql/platform_schema.sql`, or point "
                       "PLATFORM_DATABASE_URL at the platform database"),
}


class DatabaseUnavailable(Exception):
    """A database could not be reached or lacks its tables; names the setting, never the password."""


class DatabaseDidNotAnswer(DatabaseUnavailable):
    """The database did not answer within its limit: for a JIT sync an outcome (``timed_out``), not an outage."""


def check_database(engine: Engine, setting: str) -> None:
    """Raise :class:`DatabaseUnavailable` unless the database answers and has every table of its schema."""
    metadata, schema_file, fix = _SCHEMA_FILES[setting]
    where = f"the database in {setting} ({describe_url(str(engine.url))})"
    try:
        with engine.connect() as conn:
            missing = missing_tables(conn, metadata)
    except DatabaseTimeout as error:
        raise DatabaseDidNotAnswer(str(error)) from None
    except sa.exc.DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig is not None else type(error).__name__
        raise DatabaseUnavailable(
            f"cannot connect to {where}: {reason}. Check that the server is up and that {setting} is right."
        ) from None
    if missing:
        raise DatabaseUnavailable(
            f"{where} lacks the tables {', '.join(missing)} of {schema_file}; {fix}."
        )
