"""pymysql connections that build the TLS context of its default mode once per process, not per connect.

pymysql 1.2+ tries TLS on every connection that names no TLS options (its *preferred* mode: TLS if
the server offers it, without verifying the certificate, else plain). For that it builds a fresh
``ssl`` context each time, loading the system's CA bundle: about 60 ms of CPU per connect on the CI
machine, nearly all of a connect's cost (mysqlclient connects in 2 ms), paid by every run's checks
and by each batch's reader process. The context is the same every time, so it is built once and
shared; the mode, and any TLS options the URL gives, are unchanged.
"""

import ssl

from pymysql.connections import Connection


class SharedTlsContextConnection(Connection):
    _preferred_mode_context: ssl.SSLContext | None = None

    def _create_ssl_ctx(self, sslp):
        if sslp != {}:  # TLS options given: pymysql builds their context as it does
            return super()._create_ssl_ctx(sslp)
        cls = SharedTlsContextConnection
        if cls._preferred_mode_context is None:
            cls._preferred_mode_context = super()._create_ssl_ctx(sslp)
        return cls._preferred_mode_context


def connect(dialect, connection_record, cargs, cparams) -> SharedTlsContextConnection:
    """SQLAlchemy's ``do_connect`` hook for a pymysql engine."""
    return SharedTlsContextConnection(*cargs, **cparams)
