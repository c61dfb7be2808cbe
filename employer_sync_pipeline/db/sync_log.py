"""The ``gig_sync_logs`` table: the incremental watermark and one row per run."""

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection

from ..domain.explanation import LoggedFailure
from ..domain.failure_streaks import PreviousRun, logged_streak
from .platform_tables import gig_sync_logs

WATERMARK_MODES = ("incremental", "full_refresh")


def last_completed_run(conn: Connection, origin_table: str, destination_table: str) -> PreviousRun | None:
    """The last completed incremental or full sync, successful or not (SPEC §4): the next window's
    lower bound, and the records the next run retries."""
    log = gig_sync_logs
    query = (
        sa.select(log.c.watermark_to, log.c.run_id, log.c.finished_at, log.c.fail_log)
        .where(
            log.c.origin_table == origin_table,
            log.c.destination_table == destination_table,
            log.c.sync_mode.in_(WATERMARK_MODES),
        )
        .order_by(log.c.watermark_to.desc(), log.c.id.desc())
        .limit(1)
    )
    row = conn.execute(query).first()
    if row is None:
        return None
    return PreviousRun(row.watermark_to, row.run_id, row.finished_at, tuple(row.fail_log or ()))


def insert_sync_log(conn: Connection, row: Mapping[str, Any]) -> int:
    return conn.execute(sa.insert(gig_sync_logs).values(**row).returning(gig_sync_logs.c.id)).scalar_one()


def sync_log_row(conn: Connection, sync_log_id: int) -> dict:
    return dict(conn.execute(sa.select(gig_sync_logs).where(gig_sync_logs.c.id == sync_log_id)).mappings().one())


def last_sync_log(
    conn: Connection, origin_table: str, destination_table: str, modes: tuple[str, ...]
) -> dict | None:
    """The latest ``gig_sync_logs`` row of a sync in one of ``modes``, or None."""
    log = gig_sync_logs
    query = (
        sa.select(log)
        .where(log.c.origin_table == origin_table, log.c.destination_table == destination_table,
               log.c.sync_mode.in_(modes))
        .order_by(log.c.id.desc())
        .limit(1)
    )
    row = conn.execute(query).mappings().first()
    return dict(row) if row is not None else None


def failures_of_user(conn: Connection, origin_table: str, remote_user_id: int, limit: int) -> list[LoggedFailure]:
    """The newest ``limit`` fail-log entries of this user in this sync's log, newest first."""
    log = gig_sync_logs
    query = (
        sa.select(log.c.id, log.c.run_id, log.c.sync_mode, log.c.finished_at, log.c.fail_log)
        .where(log.c.origin_table == origin_table, log.c.records_failed > 0)
        .order_by(log.c.id.desc())
    )
    if conn.dialect.name == "postgresql":
        this_user = [{"remote_gig_user_id": remote_user_id}]
        query = query.where(sa.type_coerce(log.c.fail_log, JSONB).contains(this_user)).limit(limit)
    # Elsewhere (the embedded SQLite default) the rows with failures are filtered here.
    failures = []
    for log_id, run_id, sync_mode, finished_at, fail_log in conn.execute(query):
        failures.extend(
            _logged_failure(log_id, run_id, sync_mode, finished_at, entry)
            for entry in fail_log
            if entry.get("remote_gig_user_id") == remote_user_id
        )
        if len(failures) >= limit:
            break
    return failures[:limit]


def _logged_failure(log_id: int, run_id: str | None, sync_mode: str, finished_at, entry: dict) -> LoggedFailure:
    streak = logged_streak(entry, run_id, finished_at)
    return LoggedFailure(
        log_id, run_id, sync_mode, finished_at, entry["error"], entry["message"],
        streak.failed_runs, streak.first_failed_at, streak.first_failed_run_id,
    )  # fmt: skip
