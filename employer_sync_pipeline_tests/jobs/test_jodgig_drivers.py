"""The employer and talent syncs give the same platform through pymysql and mysqlclient (docs/configuration.md).

The demo data set, with its invalid and shared e-mails, plus users, a company and an outlet whose
DATETIMEs are MySQL's zero date, is synced once through each driver into its own platform
database: the platforms and the sync logs' fail logs must be identical.
"""

import pytest
import sqlalchemy as sa

from employer_sync_pipeline.db import jodgig_tables as t
from employer_sync_pipeline.demo.generator import DEMO_OBSOLETE_COMPANY_IDS, generate_demo_data

from ..support.platform_state import comparable_state
from ..support.runs import run_employer_sync, run_talent_sync, sync_logs
from ..support.servers import (
    create_platform_database,
    drop_platform_database,
    require_jodgig_driver,
    with_jodgig_driver,
)

ZERO_DATE = "0000-00-00 00:00:00"
#: What a sync log row says about its run, leaving out times and run ids.
LOG_FIELDS = ("origin_table", "sync_mode", "is_successful", "records_selected", "records_synced",
              "records_deactivated", "records_skipped", "records_failed", "scope_counts")


def first_ids(conn, table: sa.Table, count: int, *where) -> list[int]:
    return list(conn.execute(sa.select(table.c.id).where(*where).order_by(table.c.id).limit(count)).scalars())


def add_zero_dates(writer: sa.Engine) -> list[int]:
    """Zero dates where legacy MySQL left them: employers (owner candidates too), talents, a company, an outlet."""
    with writer.connect() as conn:
        conn.exec_driver_sql("SET SESSION sql_mode = ''")
        hq_managers = first_ids(conn, t.users, 2, t.users.c.role == "HQ_MANAGER")
        managers = first_ids(conn, t.users, 2, t.users.c.role == "OUTLET_MANAGER")
        talents = first_ids(conn, t.users, 2, t.users.c.role == "TALENT")
        for column, users in (("created_at", hq_managers[:1] + managers[:1] + talents[:1]),
                              ("updated_at", hq_managers[1:] + managers[1:] + talents[1:])):
            conn.execute(sa.update(t.users).where(t.users.c.id.in_(users)).values({column: ZERO_DATE}))
        company = first_ids(conn, t.companies, 1, t.companies.c.id.not_in(DEMO_OBSOLETE_COMPANY_IDS))
        conn.execute(sa.update(t.companies).where(t.companies.c.id.in_(company)).values(updated_at=ZERO_DATE))
        conn.execute(sa.update(t.outlets).where(t.outlets.c.id.in_(first_ids(conn, t.outlets, 1)))
                     .values(created_at=ZERO_DATE))
        conn.commit()
    return hq_managers + managers + talents


def log_summary(log: dict) -> dict:
    failures = sorted((f["remote_gig_user_id"], f["error"], f["message"]) for f in log["fail_log"])
    return {field: log[field] for field in LOG_FIELDS} | {"fail_log": failures}


def sync_through(driver: str, reader_url: str, platform_url: str, monkeypatch) -> None:
    """A full employer sync, then a full talent sync, reading JodGig through ``driver``."""
    monkeypatch.setenv("JODGIG_DATABASE_URL", with_jodgig_driver(reader_url, driver))
    monkeypatch.setenv("PLATFORM_DATABASE_URL", platform_url)
    run_employer_sync(full_refresh=True)
    run_talent_sync(full_refresh=True)


@pytest.fixture
def second_platform_db(platform_db):
    db = create_platform_database()
    try:
        yield db
    finally:
        drop_platform_database(db)


def test_both_drivers_sync_the_demo_and_its_zero_dates_to_the_same_platform(
    jodgig_db, platform_db, second_platform_db, monkeypatch
):
    require_jodgig_driver("mysqldb")
    import MySQLdb

    with jodgig_db.writer.begin() as conn:
        generate_demo_data(conn)
    zero_dated = add_zero_dates(jodgig_db.writer)
    monkeypatch.setenv("JODGIG_OBSOLETE_COMPANY_IDS", ",".join(map(str, sorted(DEMO_OBSOLETE_COMPANY_IDS))))
    mysqldb_connections = []
    connect = MySQLdb.connect

    def counted_connect(*args, **kwargs):
        mysqldb_connections.append(kwargs.get("db"))
        return connect(*args, **kwargs)

    monkeypatch.setattr(MySQLdb, "connect", counted_connect)

    sync_through("pymysql", jodgig_db.reader_url, platform_db.url, monkeypatch)
    assert mysqldb_connections == []
    sync_through("mysqldb", jodgig_db.reader_url, second_platform_db.url, monkeypatch)
    assert mysqldb_connections, "the second runs did not read JodGig through mysqlclient"

    assert comparable_state(second_platform_db.engine) == comparable_state(platform_db.engine)
    through_pymysql = [log_summary(log) for log in sync_logs(platform_db.engine)]
    through_mysqldb = [log_summary(log) for log in sync_logs(second_platform_db.engine)]
    assert through_mysqldb == through_pymysql
    failed = {user for log in through_pymysql for user, _error, _message in log["fail_log"]}
    errors = {error for log in through_pymysql for _user, error, _message in log["fail_log"]}
    assert {"InvalidEmail", "InvalidTimestamp"} <= errors, errors
    assert set(zero_dated) & failed, "no zero date reached the fail log"
