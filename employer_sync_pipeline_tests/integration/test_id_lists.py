"""``is_one_of``: PostgreSQL's array parameter and MariaDB's ``JSON_TABLE`` select exactly what ``IN`` selects."""

from datetime import datetime

import pytest
import sqlalchemy as sa

from employer_sync_pipeline.db import id_lists
from employer_sync_pipeline.db.engines import create_platform_engine
from employer_sync_pipeline.db.id_lists import id_chunks, is_one_of
from employer_sync_pipeline.db.jodgig_tables import companies
from employer_sync_pipeline.db.platform_tables import metadata, org_memberships, org_organisations
from employer_sync_pipeline.settings import Settings

COMPANY_IDS = [1, 2, 3, 2**40, 9_000_000_000_000_000_000]


def _organisation_ids(engine, wanted) -> list[int]:
    o = org_organisations
    with engine.begin() as conn:
        if not conn.execute(sa.select(sa.func.count()).select_from(o)).scalar_one():
            conn.execute(sa.insert(o), [{"remote_gig_company_id": c, "name": f"c{c}", "status": "active"} for c in COMPANY_IDS])
        query = sa.select(o.c.remote_gig_company_id).where(is_one_of(conn, o.c.remote_gig_company_id, wanted))
        return sorted(conn.execute(query).scalars())


WANTED = [[], [2], [3, 1, 3], [2**40, 9_000_000_000_000_000_000, 77], range(1, 1001)]


@pytest.mark.parametrize("wanted", WANTED)
def test_postgresql_and_sqlite_select_the_same_rows(platform_db, tmp_path, wanted):
    sqlite = create_platform_engine(f"sqlite:///{tmp_path / 'platform.sqlite3'}", Settings.from_env({}).limits)
    metadata.create_all(sqlite)
    try:
        expected = sorted(set(COMPANY_IDS) & set(wanted))
        assert _organisation_ids(platform_db.engine, wanted) == expected
        assert _organisation_ids(sqlite, wanted) == expected
    finally:
        sqlite.dispose()


def test_postgresql_binds_the_ids_as_one_parameter(platform_db):
    o = org_organisations
    with platform_db.engine.connect() as conn:
        compiled = sa.select(o.c.id).where(is_one_of(conn, o.c.id, range(1000))).compile(conn)
    assert len(compiled.params) == 1 and "ANY" in str(compiled)
    with platform_db.engine.connect() as conn:
        assert "ANY" not in str(sa.select(o.c.id).where(is_one_of(conn, o.c.id, [7])).compile(conn))


def test_postgresql_probes_the_index_for_a_chunk_of_ids_and_scans_for_a_whole_run(platform_db):
    """Without statistics (a freshly loaded platform) and given the array, the planner scans the
    whole table for a chunk's ids; reading them through ``ARRAY(SELECT unnest(…))`` it probes."""
    o = org_organisations
    with platform_db.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO org_organisations (remote_gig_company_id, name, status) "
            "SELECT n, 'c' || n, 'active' FROM generate_series(1, 50000) AS n"
        )
    chunk, run = range(1, 50_000, 25), range(1, 50_000, 2)
    assert len(chunk) <= id_lists.PROBED_IDS < len(run)
    for wanted, scanned in ((chunk, False), (run, True)):
        with platform_db.engine.connect() as conn:
            before = _sequential_scans(conn)
            query = sa.select(o.c.remote_gig_company_id).where(is_one_of(conn, o.c.remote_gig_company_id, wanted))
            assert sorted(conn.execute(query).scalars()) == list(wanted)
            assert (_sequential_scans(conn) > before) is scanned


def test_postgresql_keeps_the_plain_array_for_a_column_no_index_leads(platform_db):
    """Such a column is scanned whatever the form: the plain array is the one the scan hashes."""
    m, o = org_memberships, org_organisations
    with platform_db.engine.connect() as conn:
        for column, probed in ((o.c.remote_gig_company_id, True), (o.c.id, True), (m.c.organisation_id, True),
                               (m.c.identities_user_id, False), (o.c.name, False)):  # fmt: skip
            compiled = str(sa.select(column).where(is_one_of(conn, column, range(2000))).compile(conn))
            assert ("unnest" in compiled) is probed, column


def _sequential_scans(conn) -> int:
    """This backend's sequential scans of org_organisations, those not yet reported included."""
    query = "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'org_organisations'"
    return conn.exec_driver_sql(query).scalar_one()


def test_only_integers_are_bound(platform_db):
    o = org_organisations
    with platform_db.engine.connect() as conn, pytest.raises(sa.exc.StatementError, match="invalid literal for int"):
        conn.execute(sa.select(o.c.id).where(is_one_of(conn, o.c.id, ["1}"] * 40)))


def _company_ids(conn, wanted, negated=False) -> list[int]:
    condition = is_one_of(conn, companies.c.id, wanted)
    return sorted(conn.execute(sa.select(companies.c.id).where(~condition if negated else condition)).scalars())


#: JodGig's ids are unsigned: past PostgreSQL's BIGINT too.
UNSIGNED_ID = 2**64 - 2


@pytest.mark.parametrize("json_table", [True, False], ids=["JSON_TABLE", "IN list"])
def test_mariadb_selects_the_same_rows_with_json_table_and_without(jodgig_db, monkeypatch, json_table):
    now = datetime(2026, 3, 1)
    stored = [*COMPANY_IDS, UNSIGNED_ID]
    with jodgig_db.writer.begin() as conn:
        conn.execute(sa.insert(companies), [{"id": c, "name": f"c{c}", "created_at": now, "updated_at": now}
                                            for c in stored])  # fmt: skip
    if not json_table:
        monkeypatch.setattr(id_lists, "has_json_table", lambda conn: False)
    with jodgig_db.writer.connect() as conn:
        assert id_lists.has_json_table(conn) is json_table
        for wanted in [*WANTED, [UNSIGNED_ID, 3, *range(100, 140)], [-1, 2, *range(100, 140)]]:
            expected = sorted(set(stored) & set(wanted))
            assert _company_ids(conn, wanted) == expected
            assert _company_ids(conn, wanted, negated=True) == sorted(set(stored) - set(wanted))
        compiled = sa.select(companies.c.id).where(is_one_of(conn, companies.c.id, range(1000))).compile(conn)
    assert ("JSON_TABLE" in str(compiled)) is json_table
    with jodgig_db.writer.connect() as conn:
        assert "JSON_TABLE" not in str(sa.select(companies.c.id).where(is_one_of(conn, companies.c.id, [1, 2])).compile(conn))


def test_json_table_is_used_from_the_first_versions_that_have_it(jodgig_db):
    with jodgig_db.writer.connect() as conn:
        dialect = conn.dialect
        for is_mariadb, version, expected in [(True, (10, 5, 22), False), (True, (10, 6, 0), True),
                                              (False, (5, 7, 44), False), (False, (8, 0, 4), True)]:  # fmt: skip
            dialect.is_mariadb, dialect.server_version_info = is_mariadb, version
            assert id_lists.has_json_table(conn) is expected, (is_mariadb, version)


def test_ids_go_in_one_statement_where_they_are_one_parameter(platform_db, jodgig_db, tmp_path):
    sqlite = create_platform_engine(f"sqlite:///{tmp_path / 'platform.sqlite3'}", Settings.from_env({}).limits)
    ids = [*range(12_000, 0, -1), 5]
    try:
        for engine, sizes in ((platform_db.engine, [12_000]), (jodgig_db.writer, [12_000]),
                              (sqlite, [5000, 5000, 2000])):  # fmt: skip
            with engine.connect() as conn:
                chunks = list(id_chunks(conn, ids))
                assert [len(chunk) for chunk in chunks] == sizes
                assert [i for chunk in chunks for i in chunk] == list(range(1, 12_001))
                assert list(id_chunks(conn, [])) == []
    finally:
        sqlite.dispose()
