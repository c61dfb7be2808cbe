"""The run-start check finds the platform's tables as the session's unqualified names would."""

from employer_sync_pipeline.db import jodgig_tables, platform_tables
from employer_sync_pipeline.db.schema import missing_tables


def test_a_complete_platform_misses_nothing(platform_db):
    with platform_db.engine.connect() as conn:
        assert missing_tables(conn, platform_tables.metadata) == []


def test_a_dropped_table_is_named_even_where_a_view_or_another_schema_has_its_name(platform_db):
    with platform_db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE org_outlet_assignments")
        conn.exec_driver_sql("DROP TABLE gig_sync_logs")
        conn.exec_driver_sql("CREATE VIEW gig_sync_logs AS SELECT 1 AS id")
        conn.exec_driver_sql("CREATE SCHEMA elsewhere")
        conn.exec_driver_sql("CREATE TABLE elsewhere.org_outlet_assignments (id int)")
    with platform_db.engine.connect() as conn:
        assert missing_tables(conn, platform_tables.metadata) == ["gig_sync_logs", "org_outlet_assignments"]


def test_a_table_on_the_session_search_path_counts(platform_db):
    with platform_db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE SCHEMA platform")
        conn.exec_driver_sql("ALTER TABLE gig_sync_logs SET SCHEMA platform")
    with platform_db.engine.connect() as conn:
        assert missing_tables(conn, platform_tables.metadata) == ["gig_sync_logs"]
        conn.exec_driver_sql("SET search_path TO public, platform")
        assert missing_tables(conn, platform_tables.metadata) == []


def test_jodgig_tables_are_checked_on_mariadb(jodgig_db):
    with jodgig_db.writer.begin() as conn:
        conn.exec_driver_sql("DROP TABLE outlet_user")
    with jodgig_db.writer.connect() as conn:
        assert missing_tables(conn, jodgig_tables.metadata) == ["outlet_user"]
