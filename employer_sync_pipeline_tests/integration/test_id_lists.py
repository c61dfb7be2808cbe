"""``is_one_of``: PostgreSQL's one array parameter selects exactly what ``IN`` selects on SQLite."""

import pytest
import sqlalchemy as sa

from employer_sync_pipeline.db.engines import create_platform_engine
from employer_sync_pipeline.db.id_lists import is_one_of
from employer_sync_pipeline.db.platform_tables import metadata, org_organisations
from employer_sync_pipeline.settings import Settings

COMPANY_IDS = [1, 2, 3, 2**40, 9_000_000_000_000_000_000]


def _organisation_ids(engine, wanted) -> list[int]:
    o = org_organisations
    with engine.begin() as conn:
        if not conn.execute(sa.select(sa.func.count()).select_from(o)).scalar_one():
            conn.execute(sa.insert(o), [{"remote_gig_company_id": c, "name": f"c{c}", "status": "active"} for c in COMPANY_IDS])
        query = sa.select(o.c.remote_gig_company_id).where(is_one_of(conn, o.c.remote_gig_company_id, wanted))
        return sorted(conn.execute(query).scalars())


@pytest.mark.parametrize("wanted", [[], [2], [3, 1, 3], [2**40, 9_000_000_000_000_000_000, 77], range(1, 1001)])
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


def test_only_integers_are_bound(platform_db):
    o = org_organisations
    with platform_db.engine.connect() as conn, pytest.raises(sa.exc.StatementError, match="invalid literal for int"):
        conn.execute(sa.select(o.c.id).where(is_one_of(conn, o.c.id, ["1}"])))
