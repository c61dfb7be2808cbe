"""pymysql's default TLS mode builds its context once per process: connects stay cheap, the mode stays."""

import ssl

from employer_sync_pipeline.db.engines import create_jodgig_engine
from employer_sync_pipeline.db.pymysql_connections import SharedTlsContextConnection
from employer_sync_pipeline.settings import Settings


def test_connections_without_tls_options_share_one_context(jodgig_db):
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
    assert isinstance(contexts[0], ssl.SSLContext) and contexts[0].verify_mode == ssl.CERT_NONE


def test_tls_options_still_get_a_context_of_their_own():
    connection = SharedTlsContextConnection.__new__(SharedTlsContextConnection)
    shared = connection._create_ssl_ctx({})
    verified = connection._create_ssl_ctx({"verify_mode": True})
    assert connection._create_ssl_ctx({}) is shared
    assert verified is not shared and verified.verify_mode == ssl.CERT_REQUIRED
