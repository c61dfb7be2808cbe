"""Explain's platform reads on PostgreSQL and on the embedded SQLite default: read-only, and a user's failures."""

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from employer_sync_pipeline.db import platform_tables as p
from employer_sync_pipeline.db.engines import create_platform_engine, sqlite_url
from employer_sync_pipeline.db.read_only import read_only_connection
from employer_sync_pipeline.db.sync_log import failures_of_user, insert_sync_log
from employer_sync_pipeline.settings import Settings

AT = datetime(2026, 3, 1, tzinfo=timezone.utc)


@pytest.fixture(params=["postgresql", "sqlite"])
def platform(request, tmp_path):
    if request.param == "sqlite":
        engine = create_platform_engine(sqlite_url(tmp_path / "platform.sqlite"), Settings.from_env().limits)
        p.metadata.create_all(engine)
        yield engine
        engine.dispose()
    else:
        yield request.getfixturevalue("platform_db").engine


def _log(conn, run_id: str, fail_log: list[dict], origin_table: str = "jodgig_users_employers") -> int:
    return insert_sync_log(conn, {
        "origin_table": origin_table, "destination_table": "identities_users", "sync_mode": "incremental",
        "is_successful": not fail_log, "watermark_to": AT, "started_at": AT, "finished_at": AT,
        "records_failed": len(fail_log), "fail_log": fail_log, "scope_counts": {}, "run_id": run_id,
    })  # fmt: skip


def _failure(user_id: int, error: str = "InvalidEmail") -> dict:
    return {"remote_gig_user_id": user_id, "error": error, "message": f"fix user {user_id}"}


def test_failures_of_one_user_newest_first_and_limited(platform):
    with platform.begin() as conn:
        first = _log(conn, "run-1", [_failure(7), _failure(70)])
        _log(conn, "run-2", [])
        _log(conn, "run-3", [_failure(70)])
        third = _log(conn, "run-4", [_failure(8), _failure(7, "DuplicateEmail")])
        _log(conn, "talent-run", [_failure(7)], origin_table="jodgig_users_talents")
    with read_only_connection(platform) as conn:
        found = failures_of_user(conn, "jodgig_users_employers", 7, limit=20)
        newest = failures_of_user(conn, "jodgig_users_employers", 7, limit=1)
        none = failures_of_user(conn, "jodgig_users_employers", 9, limit=20)
    assert [(f.sync_log_id, f.run_id, f.error, f.message) for f in found] == [
        (third, "run-4", "DuplicateEmail", "fix user 7"), (first, "run-1", "InvalidEmail", "fix user 7")]
    assert [f.run_id for f in newest] == ["run-4"] and none == []


def test_read_only_connection_refuses_writes_and_leaves_the_engine_writable(platform):
    insert = sa.insert(p.gig_sync_logs).values(
        origin_table="jodgig_users_employers", destination_table="identities_users", sync_mode="incremental",
        is_successful=True, watermark_to=AT, started_at=AT, finished_at=AT)  # fmt: skip
    with pytest.raises(sa.exc.DBAPIError), read_only_connection(platform) as conn:
        conn.execute(insert)
    with platform.begin() as conn:
        conn.execute(insert)
    with platform.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(p.gig_sync_logs)).scalar_one() == 1
