"""A pooled connection is pinged at checkout only after it has been idle a while (db/engines.py)."""

import pytest
import sqlalchemy as sa

from employer_sync_pipeline.db import engines
from employer_sync_pipeline.settings import Settings
from employer_sync_pipeline_tests.support.servers import MYSQL_ADMIN_URL, POSTGRES_ADMIN_URL

LIMITS = Settings.from_env({}).limits


def _postgres_engine(db):
    return engines.create_platform_engine(db.url, LIMITS)


def _mysql_engine(db):
    return engines.create_jodgig_engine(db.reader_url, LIMITS)


def _kill_postgres(session_id):
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": session_id})
    admin.dispose()


def _kill_mysql(session_id):
    admin = sa.create_engine(MYSQL_ADMIN_URL)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"KILL {int(session_id)}")
    admin.dispose()


SERVERS = {
    "postgresql": ("platform_db", _postgres_engine, "SELECT pg_backend_pid()", _kill_postgres),
    "mysql": ("jodgig_db", _mysql_engine, "SELECT CONNECTION_ID()", _kill_mysql),
}


@pytest.fixture(params=sorted(SERVERS))
def server(request):
    fixture, create, session_query, kill = SERVERS[request.param]
    engine = create(request.getfixturevalue(fixture))
    yield engine, session_query, kill
    engine.dispose()


def _session_id(engine, session_query):
    with engine.connect() as conn:
        return conn.exec_driver_sql(session_query).scalar_one()


def test_a_connection_idle_past_the_limit_that_the_server_closed_is_replaced(server, monkeypatch):
    engine, session_query, kill = server
    monkeypatch.setattr(engines, "TRUSTED_IDLE_SECONDS", 0.0)
    first = _session_id(engine, session_query)
    kill(first)
    assert _session_id(engine, session_query) != first


def test_a_connection_given_back_moments_ago_is_lent_without_a_ping(server, monkeypatch):
    engine, session_query, kill = server
    monkeypatch.setattr(engines, "TRUSTED_IDLE_SECONDS", 3600.0)
    first = _session_id(engine, session_query)
    kill(first)
    with pytest.raises(sa.exc.OperationalError) as raised:
        _session_id(engine, session_query)
    assert raised.value.connection_invalidated, "the dead connection is thrown away, not lent again"
    assert _session_id(engine, session_query) != first
