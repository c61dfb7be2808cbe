"""pymysql's default TLS mode builds its context once per process, when first used: connects stay cheap."""

import ssl

from employer_sync_pipeline.db import pymysql_connections
from employer_sync_pipeline.db.engines import create_jodgig_engine
from employer_sync_pipeline.db.pymysql_connections import SharedTlsContextConnection
from employer_sync_pipeline.settings import Settings


def test_connections_without_tls_options_share_one_context_built_when_first_used(jodgig_db):
    engine = create_jodgig_engine(jodgig_db.reader_url, Settings.from_env({}).limits)
    contexts = []
    try:
        for _ in range(3):
            with engine.connect() as conn:
                dbapi_connection = conn.connection.dbapi_connection
                assert isinstance(dbapi_connection, SharedTlsContextConnection)
                assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1
                contexts.append(dbapi_connection.ctx)
            engine.dispose()
    finally:
        engine.dispose()
    assert all(context is contexts[0] for context in contexts)
    assert contexts[0].verify_mode == ssl.CERT_NONE and contexts[0].check_hostname is False
    assert pymysql_connections._preferred_mode_context() is pymysql_connections._preferred_mode_context()


def test_tls_options_still_get_a_context_of_their_own():
    connection = SharedTlsContextConnection.__new__(SharedTlsContextConnection)
    verified = connection._create_ssl_ctx({"verify_mode": True})
    assert isinstance(verified, ssl.SSLContext) and verified.verify_mode == ssl.CERT_REQUIRED
    assert connection._create_ssl_ctx({}) is pymysql_connections._PREFERRED_MODE_CONTEXT
