"""JodGig sessions through pymysql and mysqlclient give the same guarantees (docs/configuration.md).

Each test runs once per driver against the real MariaDB: the read-only session and its limits,
the values rows decode to (the zero date included), and every bounded wait becoming the same
:class:`DatabaseTimeout` message, while a killed session stays a plain driver error.
"""

import socket
import threading
import time
from datetime import datetime

import pytest
import sqlalchemy as sa

from employer_sync_pipeline.db import jodgig_tables as t
from employer_sync_pipeline.db.engines import create_jodgig_engine
from employer_sync_pipeline.db.jodgig_queries import load_users
from employer_sync_pipeline.db.timeouts import DatabaseTimeout
from employer_sync_pipeline.settings import Settings

from ..support.servers import JODGIG_DRIVERS, require_jodgig_driver, with_jodgig_driver

ZERO_DATE = "0000-00-00 00:00:00"
#: How much later than its limit a wait may end: connection set-up on a loaded machine.
SLACK_SECONDS = 3
SESSION_SETTINGS = ("@@tx_read_only", "@@max_statement_time", "@@lock_wait_timeout",
                    "@@innodb_lock_wait_timeout", "@@character_set_client", "@@character_set_results")


@pytest.fixture(params=JODGIG_DRIVERS)
def driver(request) -> str:
    require_jodgig_driver(request.param)
    return request.param


def jodgig_engine(url: str, driver: str, **limits: str) -> sa.Engine:
    """An engine as a run makes it, with these limit variables set."""
    return create_jodgig_engine(with_jodgig_driver(url, driver), Settings.from_env(limits).limits)


def admin_url(jodgig_db) -> str:
    return jodgig_db.writer.url.render_as_string(hide_password=False)


def session_settings(engine: sa.Engine) -> tuple:
    with engine.connect() as conn:
        return tuple(conn.exec_driver_sql(f"SELECT {', '.join(SESSION_SETTINGS)}").one())


def test_the_session_is_read_only_with_the_same_limits_on_either_driver(jodgig_db, driver):
    limits = {"JODGIG_STATEMENT_TIMEOUT_SECONDS": "7"}
    engine = jodgig_engine(admin_url(jodgig_db), driver, **limits)
    reference = jodgig_engine(admin_url(jodgig_db), "pymysql", **limits)
    try:
        assert session_settings(engine) == (1, 7.0, 7, 7, "utf8mb4", "utf8mb4") == session_settings(reference)
        with pytest.raises(sa.exc.DBAPIError, match="READ ONLY"):
            with engine.begin() as conn:
                conn.execute(sa.insert(t.companies).values(name="x", created_at="2026-01-01", updated_at="2026-01-01"))
    finally:
        engine.dispose()
        reference.dispose()


def insert_dated_users(jodgig_db) -> list[int]:
    """Users with a zero date, fractions of seconds and an invalid day, as legacy MySQL stored them."""
    dates = [
        {"created_at": ZERO_DATE, "updated_at": ZERO_DATE, "last_login_at": ZERO_DATE},
        {"created_at": "2026-03-01 09:00:00.123456", "updated_at": "2026-02-30 10:00:00", "last_login_at": None},
        {"created_at": "1999-12-31 23:59:59", "updated_at": None, "last_login_at": "2026-03-01 09:00:00.5"},
    ]
    with jodgig_db.writer.connect() as conn:
        conn.exec_driver_sql("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'")
        conn.exec_driver_sql("ALTER TABLE users MODIFY created_at DATETIME(6) NOT NULL, "
                             "MODIFY last_login_at DATETIME(6) NULL")
        for user_id, values in enumerate(dates, start=1):
            conn.execute(sa.insert(t.users).values(id=user_id, role="HQ_MANAGER", email=f"user{user_id}@example.com",
                                                   status=1, is_deleted=0, **values))
        conn.commit()
    return list(range(1, len(dates) + 1))


def test_datetimes_decode_to_the_same_values_on_either_driver_zero_dates_included(jodgig_db, driver):
    ids = insert_dated_users(jodgig_db)
    engine = jodgig_engine(jodgig_db.reader_url, driver)
    reference = jodgig_engine(jodgig_db.reader_url, "pymysql")
    columns = (t.users.c.id, t.users.c.created_at, t.users.c.updated_at, t.users.c.last_login_at)
    try:
        read = {}
        for name, source in (("driver", engine), ("pymysql", reference)):
            with source.connect() as conn:
                rows = [tuple(row) for row in conn.execute(sa.select(*columns).order_by(t.users.c.id))]
                users = load_users(conn, ids, ["HQ_MANAGER"])
            read[name] = (rows, [[(value, type(value)) for value in row] for row in rows], users)
    finally:
        engine.dispose()
        reference.dispose()

    assert read["driver"] == read["pymysql"]
    rows = read["driver"][0]
    # pymysql returns a zero date as the text MariaDB sends, DATETIME(6) with its fraction.
    assert rows[0] == (1, f"{ZERO_DATE}.000000", ZERO_DATE, f"{ZERO_DATE}.000000")
    assert rows[1] == (2, datetime(2026, 3, 1, 9, 0, 0, 123456), "2026-02-30 10:00:00", None)
    assert rows[2] == (3, datetime(1999, 12, 31, 23, 59, 59), None, datetime(2026, 3, 1, 9, 0, 0, 500000))


def test_a_statement_past_its_limit_is_the_same_timeout_on_either_driver(jodgig_db, driver):
    engine = jodgig_engine(jodgig_db.reader_url, driver, JODGIG_STATEMENT_TIMEOUT_SECONDS="1")
    started = time.monotonic()
    try:
        with pytest.raises(DatabaseTimeout) as timeout:
            with engine.connect() as conn:
                conn.execute(sa.select(sa.func.sleep(5)))
    finally:
        engine.dispose()
    assert str(timeout.value).startswith(
        "JODGIG_DATABASE_URL: a SELECT ran for 1 s, its limit (JODGIG_STATEMENT_TIMEOUT_SECONDS), and was cancelled."
    )
    assert time.monotonic() - started < 1 + SLACK_SECONDS


def test_a_table_locked_by_another_session_is_the_same_timeout_on_either_driver(jodgig_db, driver):
    engine = jodgig_engine(jodgig_db.reader_url, driver, JODGIG_STATEMENT_TIMEOUT_SECONDS="2")
    with jodgig_db.writer.connect() as holder:
        holder.exec_driver_sql("LOCK TABLES users WRITE")
        try:
            with pytest.raises(DatabaseTimeout) as timeout:
                with engine.connect() as conn:
                    load_users(conn, [1], ["HQ_MANAGER"])
        finally:
            holder.exec_driver_sql("UNLOCK TABLES")
            engine.dispose()
    message = str(timeout.value)
    assert message.startswith("JODGIG_DATABASE_URL: a SELECT on users ")
    assert "(JODGIG_STATEMENT_TIMEOUT_SECONDS)" in message and "SHOW FULL PROCESSLIST" in message
    assert "reader-only-pw" not in message


class MariadbProxy:
    """A TCP relay to MariaDB that can stop passing the server's answers on, like a server that hangs."""

    def __init__(self, port: int):
        self.upstream_port = port
        self.silent = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._sockets: list[socket.socket] = [self._listener]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def port(self) -> int:
        return self._listener.getsockname()[1]

    def _accept(self) -> None:
        while True:
            try:
                client = self._listener.accept()[0]
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream_port))
            self._sockets += [client, server]
            threading.Thread(target=self._relay, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._relay, args=(server, client, True), daemon=True).start()

    def _relay(self, source: socket.socket, target: socket.socket, from_server: bool) -> None:
        try:
            while data := source.recv(65536):
                if not (from_server and self.silent.is_set()):
                    target.sendall(data)
        except OSError:
            pass
        # One side hung up: so does the other, and MariaDB ends the session and its locks.
        _hang_up(target)

    def close(self) -> None:
        for sock in self._sockets:
            _hang_up(sock)


def _hang_up(sock: socket.socket) -> None:
    """Shut down before closing: a thread blocked reading the socket would keep it open."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


@pytest.fixture
def proxy(jodgig_db):
    relay = MariadbProxy(jodgig_db.writer.url.port or 3306)
    try:
        yield relay
    finally:
        relay.close()


def proxied_url(jodgig_db, relay: MariadbProxy) -> str:
    return sa.make_url(jodgig_db.reader_url).set(port=relay.port).render_as_string(hide_password=False)


def test_a_server_silent_at_connect_is_the_same_timeout_on_either_driver(jodgig_db, driver, proxy):
    proxy.silent.set()
    engine = jodgig_engine(proxied_url(jodgig_db, proxy), driver, DB_CONNECT_TIMEOUT_SECONDS="2")
    started = time.monotonic()
    try:
        with pytest.raises(DatabaseTimeout) as timeout:
            engine.connect()
    finally:
        engine.dispose()
    assert str(timeout.value).startswith(
        "JODGIG_DATABASE_URL: the server did not answer within 2 s (DB_CONNECT_TIMEOUT_SECONDS)."
    )
    assert "reader-only-pw" not in str(timeout.value)
    assert time.monotonic() - started < 2 + SLACK_SECONDS


def test_a_server_silent_mid_session_is_the_same_timeout_on_either_driver(jodgig_db, driver, proxy):
    engine = jodgig_engine(proxied_url(jodgig_db, proxy), driver, JODGIG_STATEMENT_TIMEOUT_SECONDS="1",
                           DB_CONNECT_TIMEOUT_SECONDS="1")
    try:
        with engine.connect() as conn:
            proxy.silent.set()
            started = time.monotonic()
            with pytest.raises(DatabaseTimeout) as timeout:
                conn.execute(sa.select(t.users.c.id))
            waited = time.monotonic() - started
    finally:
        engine.dispose()
    assert str(timeout.value).startswith(
        "JODGIG_DATABASE_URL: a SELECT on users got no answer from the server within 2 s "
        "(JODGIG_STATEMENT_TIMEOUT_SECONDS + DB_CONNECT_TIMEOUT_SECONDS)."
    )
    assert 2 <= waited < 2 + SLACK_SECONDS


def test_a_killed_session_is_not_taken_for_a_silent_server_on_either_driver(jodgig_db, driver):
    engine = jodgig_engine(jodgig_db.reader_url, driver, JODGIG_STATEMENT_TIMEOUT_SECONDS="30")
    try:
        with engine.connect() as conn:
            session = conn.exec_driver_sql("SELECT CONNECTION_ID()").scalar_one()
            killer = threading.Timer(0.5, lambda: _kill(jodgig_db, session))
            killer.start()
            with pytest.raises(sa.exc.OperationalError, match="Lost connection"):
                conn.execute(sa.select(sa.func.sleep(5)))
            killer.join()
    finally:
        engine.dispose()


def _kill(jodgig_db, session: int) -> None:
    with jodgig_db.writer.connect() as conn:
        conn.execute(sa.text("KILL :session"), {"session": session})
