"""Shared fixtures: fresh databases per test, and the environment a sync run reads."""

import pytest

from .support.jodgig_factory import JodgigFactory
from .support.servers import (
    MYSQL_ADMIN_URL,
    POSTGRES_ADMIN_URL,
    create_jodgig_database,
    create_platform_database,
    drop_jodgig_database,
    drop_platform_database,
    require_server,
)

_SETTINGS = ("JODGIG_DATABASE_URL", "PLATFORM_DATABASE_URL", "JODGIG_TIMEZONE", "JODGIG_OBSOLETE_COMPANY_IDS",
             "SENTRY_DSN")


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch, tmp_path):
    """No test sees the developer's settings; each gets its own DAGSTER_HOME."""
    for name in _SETTINGS:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


@pytest.fixture
def jodgig_db():
    require_server(MYSQL_ADMIN_URL, "MariaDB")
    db = create_jodgig_database()
    try:
        yield db
    finally:
        drop_jodgig_database(db)


@pytest.fixture
def platform_db():
    require_server(POSTGRES_ADMIN_URL, "PostgreSQL")
    db = create_platform_database()
    try:
        yield db
    finally:
        drop_platform_database(db)


@pytest.fixture
def jodgig(jodgig_db) -> JodgigFactory:
    return JodgigFactory(jodgig_db.writer)


@pytest.fixture
def sync_env(monkeypatch, jodgig_db, platform_db):
    """Point a sync run at the test databases, JodGig through its SELECT-only user."""
    monkeypatch.setenv("JODGIG_DATABASE_URL", jodgig_db.reader_url)
    monkeypatch.setenv("PLATFORM_DATABASE_URL", platform_db.url)
    return {"JODGIG_DATABASE_URL": jodgig_db.reader_url, "PLATFORM_DATABASE_URL": platform_db.url}
