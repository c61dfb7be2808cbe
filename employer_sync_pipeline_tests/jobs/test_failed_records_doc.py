"""docs/failed-records.md: its SQL runs, on PostgreSQL and on the embedded SQLite platform."""

import re
from pathlib import Path

import sqlalchemy as sa

from employer_sync_pipeline.settings import Settings
from employer_sync_pipeline.sync.databases import platform_engine

from ..support.runs import run_employer_sync

PAGE = Path(__file__).parents[2] / "docs" / "failed-records.md"


def sql_block(marker: str) -> str:
    [block] = re.findall(rf"```sql {marker}\n(.*?)```", PAGE.read_text(), flags=re.DOTALL)
    return block


def streak_rows(engine: sa.Engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.exec_driver_sql(sql.replace("%", "%%"))]


def test_the_streak_query_for_postgresql(sync_env, jodgig, platform_db):
    broken = jodgig.user("HQ_MANAGER", jodgig.company(), email="broken")
    run_employer_sync()
    run_employer_sync()
    postgresql = sql_block("runnable-postgres")
    [(user_id, error, _, runs)] = streak_rows(platform_db.engine, postgresql)
    assert (int(user_id), error, runs) == (broken, "InvalidEmail", 2)


def test_the_streak_query_for_the_embedded_platform(isolated_environment):
    run_employer_sync()
    run_employer_sync()
    embedded = sql_block("runnable-sqlite")
    engine = platform_engine(Settings.from_env())
    rows = streak_rows(engine, embedded)
    engine.dispose()
    assert {runs for *_, runs in rows} == {2}
    assert {error for _, error, _, _ in rows} == {"InvalidEmail", "DuplicateEmail"} and len(rows) == 5
