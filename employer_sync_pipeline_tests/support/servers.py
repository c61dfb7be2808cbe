"""Fresh MariaDB and PostgreSQL databases per test, built from the spec DDL files."""

import importlib
import os
import uuid
from dataclasses import dataclass
from importlib.resources import files

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

MYSQL_ADMIN_URL = os.environ.get("TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
READER_USER = "esp_jodgig_reader"
READER_PASSWORD = "reader-only-pw"


def ddl(name: str) -> str:
    return files("employer_sync_pipeline").joinpath("sql", name).read_text()


RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "pyamqp://guest:guest@127.0.0.1:5672//")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def require_server(url: str, what: str) -> None:
    """Skip without the server, except in CI, where a missing server is a failure."""
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return
    except sa.exc.OperationalError as error:
        _missing(f"{what} is not reachable at {make_url(url).render_as_string()}: {error.orig}")
    finally:
        engine.dispose()


def require_celery_servers() -> None:
    """RabbitMQ (the broker) and Redis (the result backend), as :func:`require_server` for databases."""
    try:
        import redis
        from kombu import Connection
    except ImportError as error:
        _missing(f"the celery extra is not installed ({error}); pip install -e '.[test,celery]'")
    try:
        with Connection(RABBITMQ_URL, connect_timeout=3) as broker:
            broker.ensure_connection(max_retries=1)
    except Exception as error:  # noqa: BLE001 - any reason the broker cannot be reached
        _missing(f"RabbitMQ is not reachable at {RABBITMQ_URL}: {error}")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        _missing(f"Redis is not reachable at {REDIS_URL}: {error}")


#: JodGig's drivers: pymysql (the default) and mysqlclient (the mysqlclient extra).
JODGIG_DRIVERS = ("pymysql", "mysqldb")


def require_jodgig_driver(driver: str) -> None:
    """mysqlclient is optional: skip without it, as for a missing server (in CI a failure)."""
    if driver != "mysqldb":
        return
    try:
        importlib.import_module("MySQLdb")
    except ImportError as error:
        _missing(f"the mysqlclient extra is not installed ({error}); apt-get install libmariadb-dev pkg-config, "
                 "then pip install -e '.[mysqlclient]'")


def with_jodgig_driver(url: str, driver: str) -> str:
    """The same MariaDB URL, read through ``driver``."""
    return make_url(url).set(drivername=f"mysql+{driver}").render_as_string(hide_password=False)


def _missing(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@dataclass
class JodgigTestDatabase:
    """``writer`` builds test data as root; ``reader_url`` is what the sync gets: SELECT only."""

    name: str
    writer: Engine
    reader_url: str


@dataclass
class PlatformTestDatabase:
    name: str
    url: str
    engine: Engine


def create_jodgig_database() -> JodgigTestDatabase:
    name = f"esp_jodgig_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(MYSQL_ADMIN_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        conn.exec_driver_sql(f"CREATE USER IF NOT EXISTS '{READER_USER}'@'%%' IDENTIFIED BY '{READER_PASSWORD}'")
        conn.exec_driver_sql(f"GRANT SELECT ON `{name}`.* TO '{READER_USER}'@'%%'")
    admin.dispose()
    url = make_url(MYSQL_ADMIN_URL).set(database=name)
    writer = sa.create_engine(url, connect_args={"client_flag": _multi_statements()})
    with writer.begin() as conn:
        conn.exec_driver_sql(ddl("jodgig_schema.sql"))
    reader = url.set(username=READER_USER, password=READER_PASSWORD)
    return JodgigTestDatabase(name, writer, reader.render_as_string(hide_password=False))


def drop_jodgig_database(db: JodgigTestDatabase) -> None:
    db.writer.dispose()
    admin = sa.create_engine(MYSQL_ADMIN_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{db.name}`")
    admin.dispose()


def create_platform_database() -> PlatformTestDatabase:
    db = create_empty_postgres_database("esp_platform")
    with db.engine.begin() as conn:
        conn.exec_driver_sql(ddl("platform_schema.sql"))
    return db


def create_empty_postgres_database(prefix: str) -> PlatformTestDatabase:
    """A fresh PostgreSQL database without tables; drop it with :func:`drop_platform_database`."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    return PlatformTestDatabase(name, url, sa.create_engine(url))


def drop_platform_database(db: PlatformTestDatabase) -> None:
    db.engine.dispose()
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')
    admin.dispose()


def _multi_statements() -> int:
    from pymysql.constants import CLIENT

    return CLIENT.MULTI_STATEMENTS
