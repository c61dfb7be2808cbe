"""The operator's PLATFORM_DATABASE_URL options are kept beside the project's limits (SPEC §5)."""

from urllib.parse import quote

import pytest
import sqlalchemy as sa

from employer_sync_pipeline.db.engines import create_platform_engine
from employer_sync_pipeline.settings import Settings

from ..support.runs import run_employer_sync
from ..support.servers import (
    POSTGRES_ADMIN_URL,
    create_empty_postgres_database,
    ddl,
    drop_platform_database,
    require_server,
)


@pytest.fixture
def platform_in_its_own_schema():
    """A platform database whose tables live in schema ``platform`` only: ``public`` is empty."""
    require_server(POSTGRES_ADMIN_URL, "PostgreSQL")
    db = create_empty_postgres_database("esp_platform_schema")
    try:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE SCHEMA platform; SET LOCAL search_path TO platform")
            conn.exec_driver_sql(ddl("platform_schema.sql"))
        yield db.url
    finally:
        drop_platform_database(db)


def with_query(url: str, query: str) -> str:
    return f"{url}?{query}"


def test_the_urls_libpq_options_are_combined_with_the_limits(platform_in_its_own_schema):
    options = quote("-csearch_path=platform", safe="")
    url = with_query(platform_in_its_own_schema, f"options={options}&application_name=ops-chosen&sslmode=disable"
                                                 "&connect_timeout=7")
    engine = create_platform_engine(url, Settings.from_env({"PLATFORM_LOCK_TIMEOUT_SECONDS": "12"}).limits)
    try:
        with engine.connect() as conn:
            shown = {name: conn.exec_driver_sql(f"SHOW {name}").scalar_one()
                     for name in ("search_path", "lock_timeout", "statement_timeout", "application_name")}
            ssl = conn.exec_driver_sql("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").scalar_one()
            connect_timeout = conn.connection.dbapi_connection.get_dsn_parameters()["connect_timeout"]
    finally:
        engine.dispose()

    assert shown == {"search_path": "platform", "lock_timeout": "12s", "statement_timeout": "5min",
                     "application_name": "ops-chosen"}
    assert ssl is False and connect_timeout == "7"


def test_a_sync_writes_the_platform_tables_of_a_non_public_schema(
    platform_in_its_own_schema, jodgig_db, jodgig, monkeypatch
):
    owner = jodgig.user("HQ_MANAGER", jodgig.company())
    monkeypatch.setenv("PLATFORM_DATABASE_URL",
                       with_query(platform_in_its_own_schema, "options=" + quote("-csearch_path=platform", safe="")))
    monkeypatch.setenv("JODGIG_DATABASE_URL", jodgig_db.reader_url)

    run_employer_sync()

    engine = sa.create_engine(platform_in_its_own_schema)
    try:
        with engine.connect() as conn:
            in_platform = conn.exec_driver_sql("SELECT remote_gig_user_id FROM platform.identities_users").scalars().all()
            logs = conn.exec_driver_sql("SELECT is_successful FROM platform.gig_sync_logs").scalars().all()
            public_tables = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").scalar_one()
    finally:
        engine.dispose()
    assert in_platform == [owner] and logs == [True] and public_tables == 0
