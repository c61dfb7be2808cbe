"""Engines for JodGig (read-only) and the platform, every wait bounded (SPEC §8, §10)."""

import errno
import math
import re
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from . import pymysql_connections
from .jodgig_reads import install_cheap_datetimes, mysqldb_conversions
from .limits import ConnectionLimits
from .timeouts import DatabaseTimeout, TimeoutPolicy, timeout_message, wait_kind

# Parameters hold personal data: keep them out of error messages and logs.
_POOL_OPTIONS = {"hide_parameters": True}
#: A pooled connection given back less than this long ago is lent again without a ping. A ping on
#: every checkout (SQLAlchemy's ``pool_pre_ping``) costs a JIT call two of its round trips; a
#: connection that dies within seconds of its last use (a server restart) fails that one call,
#: and the pool then replaces all of its connections.
TRUSTED_IDLE_SECONDS = 5.0
_GIVEN_BACK_AT = "employer_sync_pipeline.given_back_at"

APPLICATION_NAME = "employer_sync_pipeline"
JODGIG_SETTING = "JODGIG_DATABASE_URL"
PLATFORM_SETTING = "PLATFORM_DATABASE_URL"
_READ_DEADLINE = "employer_sync_pipeline.read_deadline"
# libmariadb's connect and handshake timeouts: "... (110)", "... system error: 110".
_ETIMEDOUT = re.compile(rf"\({errno.ETIMEDOUT}\)|system error: {errno.ETIMEDOUT}\b")


def describe_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def create_jodgig_engine(url: str, limits: ConnectionLimits) -> Engine:
    """A read-only engine: every session refuses writes, and every wait is bounded."""
    parsed = make_url(url)
    dialect = parsed.get_backend_name()
    if dialect == "mysql":
        engine = _create_mysql_engine(url, parsed.get_driver_name(), limits)
    elif dialect == "sqlite":
        engine = sa.create_engine(url, connect_args={"timeout": limits.jodgig_statement}, hide_parameters=True)
        sa.event.listen(engine, "connect", _sqlite_query_only)
    else:
        raise NotImplementedError(f"JodGig must be MySQL/MariaDB (or SQLite for the demo), not {dialect}")
    policy = TimeoutPolicy(JODGIG_SETTING, limits.jodgig_statement, limits.jodgig_statement_setting,
                           limits.jodgig_statement, limits.jodgig_statement_setting, limits.connect,
                           limits.connect_setting)
    _translate_timeouts(engine, policy)
    return engine


def _create_mysql_engine(url: str, driver: str, limits: ConnectionLimits) -> Engine:
    """pymysql (the default) or mysqlclient: the same read-only session, limits and decoded values."""
    if driver == "pymysql":
        # The handshake is read with read_timeout, so connect with the connect limit; each
        # session then gets the statement limit (see _pymysql_session).
        connect_args = {"connect_timeout": limits.connect, "read_timeout": limits.connect,
                        "write_timeout": limits.connect}
        on_connect = _pymysql_session
    elif driver == "mysqldb":
        connect_args = _mysqldb_connect_args(url, limits)
        on_connect = _mysql_session
    else:
        raise NotImplementedError(
            f"{JODGIG_SETTING}: the driver {driver!r} is not supported; use mysql+pymysql:// (the default) "
            "or mysql+mysqldb:// (the mysqlclient extra, docs/configuration.md)"
        )
    engine = sa.create_engine(url, connect_args=connect_args, **_POOL_OPTIONS)
    _ping_after_idle(engine)
    if driver == "pymysql":
        sa.event.listen(engine, "do_connect", pymysql_connections.connect)
    sa.event.listen(engine, "connect", lambda dbapi_conn, _record: on_connect(dbapi_conn, limits))
    if driver == "mysqldb":
        _stamp_read_deadlines(engine, mysqldb_read_timeout(limits))
    return engine


def _mysqldb_connect_args(url: str, limits: ConnectionLimits) -> dict:
    """mysqlclient's limits, in whole seconds, and pymysql's DATETIME values.

    libmariadb bounds the handshake by ``connect_timeout``, but its read timeout is fixed when it
    connects: a read may take as long as a statement may run, plus the connect limit (pymysql's
    after the session is set up). The charset is pymysql's default unless the URL names one.
    """
    args = {"connect_timeout": _whole_seconds(limits.connect), "read_timeout": mysqldb_read_timeout(limits),
            "write_timeout": _whole_seconds(limits.connect), "conv": mysqldb_conversions()}
    if "charset" not in make_url(url).query:
        args["charset"] = "utf8mb4"
    return args


def mysqldb_read_timeout(limits: ConnectionLimits) -> int:
    """The seconds mysqlclient waits for any one read of a JodGig session."""
    return _whole_seconds(limits.jodgig_statement + limits.connect)


def create_platform_engine(url: str, limits: ConnectionLimits, application_name: str = APPLICATION_NAME) -> Engine:
    """The platform engine; ``application_name`` shows in ``pg_stat_activity`` (name the run in it)."""
    dialect = make_url(url).get_backend_name()
    if dialect == "sqlite":
        engine = sa.create_engine(url, connect_args={"timeout": limits.platform_lock}, hide_parameters=True)
        sa.event.listen(engine, "connect", _sqlite_foreign_keys)
        sa.event.listen(engine, "begin", _sqlite_begin)
    elif dialect == "postgresql":
        engine = sa.create_engine(url, connect_args=_postgres_session(url, limits, application_name), **_POOL_OPTIONS)
        _ping_after_idle(engine)
    else:
        raise NotImplementedError(f"the platform database must be PostgreSQL (or SQLite for the demo), not {dialect}")
    policy = TimeoutPolicy(PLATFORM_SETTING, limits.platform_lock, limits.platform_lock_setting,
                           limits.platform_statement, limits.platform_statement_setting, limits.connect,
                           limits.connect_setting)
    _translate_timeouts(engine, policy)
    return engine


def _ping_after_idle(engine: Engine) -> None:
    """Ping a pooled connection at checkout when it has been idle for :data:`TRUSTED_IDLE_SECONDS`
    or more; a dead one is replaced (SQLAlchemy's documented ``DisconnectionError`` recipe)."""

    def given_back(_dbapi_connection, record) -> None:
        record.info[_GIVEN_BACK_AT] = time.monotonic()

    def lent(dbapi_connection, record, _proxy) -> None:
        given_back_at = record.info.get(_GIVEN_BACK_AT)
        if given_back_at is None or time.monotonic() - given_back_at < TRUSTED_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise sa.exc.DisconnectionError(f"a pooled connection was closed by the server: {error}") from error
            raise

    sa.event.listen(engine, "checkin", given_back)
    sa.event.listen(engine, "checkout", lent)


def _postgres_session(url: str, limits: ConnectionLimits, application_name: str) -> dict:
    """libpq settings for a platform session: the project's limits, combined with the URL's own query.

    SQLAlchemy lets ``connect_args`` replace a URL's query option of the same name, so anything the
    operator put in the URL is kept here: its ``options`` (a ``search_path``, say) come after the
    limits (where both set one, the URL's wins), and its ``application_name`` and
    ``connect_timeout`` stand (SPEC §5 "Connection URLs are the operator's").
    """
    query = make_url(url).query
    limits_options = f"-c lock_timeout={_millis(limits.platform_lock)} -c statement_timeout={_millis(limits.platform_statement)}"
    settings = {"application_name": application_name[:63], "connect_timeout": _whole_seconds(limits.connect)}
    settings = {name: value for name, value in settings.items() if name not in query}
    url_options = query.get("options")
    if isinstance(url_options, tuple):
        url_options = " ".join(url_options)
    return {**settings, "options": f"{limits_options} {url_options}" if url_options else limits_options}


def mysql_session_limits(server_version: str, limits: ConnectionLimits) -> tuple[str, tuple]:
    """The SET statement, with its parameters, that bounds a JodGig session on MariaDB or MySQL 8.

    MariaDB's ``max_statement_time`` is in seconds; MySQL 8's ``max_execution_time`` in
    milliseconds (SELECTs only, which is all the sync sends). Both bound lock waits in seconds.
    """
    seconds = _whole_seconds(limits.jodgig_statement)
    if "mariadb" in server_version.lower():
        statement_limit, value = "max_statement_time", limits.jodgig_statement
    else:
        statement_limit, value = "max_execution_time", _millis(limits.jodgig_statement)
    sql = f"SET SESSION {statement_limit} = %s, lock_wait_timeout = %s, innodb_lock_wait_timeout = %s"
    return sql, (value, seconds, seconds)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _mysql_session(dbapi_connection, limits: ConnectionLimits) -> None:
    """Read-only, with the statement and lock limits: on either driver (both are DB-API, ``%s`` style)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SET SESSION TRANSACTION READ ONLY")
        cursor.execute("SELECT VERSION()")
        cursor.execute(*mysql_session_limits(cursor.fetchone()[0], limits))
    finally:
        cursor.close()


def _pymysql_session(dbapi_connection, limits: ConnectionLimits) -> None:
    _mysql_session(dbapi_connection, limits)
    # pymysql has no public setter: from now on a read may take as long as a statement may run,
    # plus the connect limit for a server that stopped answering.
    dbapi_connection._read_timeout = limits.jodgig_statement + limits.connect
    install_cheap_datetimes(dbapi_connection)


def _stamp_read_deadlines(engine: Engine, read_timeout: int) -> None:
    """Note when each statement's read timeout can have fired, for :func:`wait_kind`."""

    def stamp(conn, _cursor, _statement, _parameters, _context, _executemany):
        conn.info[_READ_DEADLINE] = time.monotonic() + read_timeout

    sa.event.listen(engine, "before_cursor_execute", stamp)


def _translate_timeouts(engine: Engine, policy: TimeoutPolicy) -> None:
    """Raise :class:`DatabaseTimeout` with an actionable message instead of the driver's error."""

    def handle_error(context):
        kind = wait_kind(engine.dialect.name, context.original_exception, _read_deadline_passed(context))
        if context.connection is None or context.is_pre_ping:
            if kind is not None or _is_connect_timeout(context.original_exception):
                return DatabaseTimeout(
                    f"{policy.database_setting}: the server did not answer within {policy.connect_seconds:g} s "
                    f"({policy.connect_setting}). Check that the server is up and accepting queries at the "
                    f"host and port in {policy.database_setting}."
                )
            return None
        if kind is None:
            return None
        return DatabaseTimeout(timeout_message(engine.dialect.name, kind, context.statement, policy))

    sa.event.listen(engine, "handle_error", handle_error)


def _read_deadline_passed(context) -> bool:
    if context.connection is None:
        return False
    return time.monotonic() >= context.connection.info.get(_READ_DEADLINE, math.inf)


def _is_connect_timeout(error: BaseException) -> bool:
    text = str(error).lower()
    # libmariadb (mysqlclient) gives the OS error instead: ETIMEDOUT, at connect or in the handshake.
    return "timed out" in text or "timeout expired" in text or _ETIMEDOUT.search(text) is not None


def _millis(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _whole_seconds(seconds: float) -> int:
    """Drivers that take whole seconds (libpq, mysqlclient) get the limit rounded up (libpq wants at least 2)."""
    return max(2, math.ceil(seconds))


def _sqlite_query_only(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA query_only = ON")


def _sqlite_foreign_keys(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA foreign_keys = ON")
    # pysqlite's own transaction handling breaks SAVEPOINTs (a plan's per-record isolation):
    # SQLAlchemy's documented fix is to let it emit nothing and say BEGIN ourselves.
    dbapi_connection.isolation_level = None


def _sqlite_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN")
