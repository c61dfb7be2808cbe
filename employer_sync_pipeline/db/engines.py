"""Engines for JodGig (read-only) and the platform, and the embedded SQLite defaults."""

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

# Parameters hold personal data: keep them out of error messages and logs.
_POOL_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}


APPLICATION_NAME = "employer_sync_pipeline"


def describe_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def create_jodgig_engine(url: str) -> Engine:
    """A read-only engine: every session refuses writes (SPEC §8)."""
    dialect = make_url(url).get_backend_name()
    if dialect == "mysql":
        engine = sa.create_engine(
            url, connect_args={"init_command": "SET SESSION TRANSACTION READ ONLY"}, **_POOL_OPTIONS
        )
    elif dialect == "sqlite":
        engine = sa.create_engine(url, hide_parameters=True)
        sa.event.listen(engine, "connect", _sqlite_query_only)
    elif dialect == "postgresql":
        engine = sa.create_engine(url, execution_options={"postgresql_readonly": True}, **_POOL_OPTIONS)
    else:
        raise NotImplementedError(f"JodGig must be MySQL/MariaDB (or SQLite for the demo), not {dialect}")
    return engine


def create_platform_engine(url: str) -> Engine:
    dialect = make_url(url).get_backend_name()
    if dialect == "sqlite":
        engine = sa.create_engine(url, hide_parameters=True)
        sa.event.listen(engine, "connect", _sqlite_foreign_keys)
        return engine
    if dialect != "postgresql":
        raise NotImplementedError(f"the platform database must be PostgreSQL (or SQLite for the demo), not {dialect}")
    # Named, so that a DBA can find the sync's sessions in pg_stat_activity.
    return sa.create_engine(url, connect_args={"application_name": APPLICATION_NAME}, **_POOL_OPTIONS)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _sqlite_query_only(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA query_only = ON")


def _sqlite_foreign_keys(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA foreign_keys = ON")
