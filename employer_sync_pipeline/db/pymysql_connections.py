"""pymysql connections that build the TLS context of its default mode once per process, and only
when a server takes TLS.

pymysql 1.2+ tries TLS on every connection that names no TLS options (its *preferred* mode: TLS if
the server offers it, without verifying the certificate, else plain). For that it builds a fresh
``ssl`` context before it even knows whether the server offers TLS, loading the system's CA
bundle: about 60 ms of CPU per connect on the CI machine, nearly all of a connect's cost
(mysqlclient connects in 2 ms), paid by every run's checks and by each batch's reader process.
Here that context is built on its first use, once per process, and shared; the mode, and any TLS
options the URL gives, are unchanged.
"""

import ssl
from functools import cache

from pymysql.connections import Connection


class SharedTlsContextConnection(Connection):
    def _create_ssl_ctx(self, sslp):
        if sslp != {}:  # TLS options given: pymysql builds their context as it does
            return super()._create_ssl_ctx(sslp)
        return _PREFERRED_MODE_CONTEXT


class _OnFirstUse:
    """Stands for the preferred mode's context, which is built when a connection first uses it."""

    def __getattr__(self, name: str):
        return getattr(_preferred_mode_context(), name)


@cache
def _preferred_mode_context() -> ssl.SSLContext:
    return Connection._create_ssl_ctx(None, {})


_PREFERRED_MODE_CONTEXT = _OnFirstUse()


def connect(dialect, connection_record, cargs, cparams) -> SharedTlsContextConnection:
    """SQLAlchemy's ``do_connect`` hook for a pymysql engine."""
    return SharedTlsContextConnection(*cargs, **cparams)
