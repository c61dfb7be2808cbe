"""Running the sync job in-process and reading back the platform."""

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from employer_sync_pipeline.db import platform_tables as p
from employer_sync_pipeline.db.platform_snapshot import read_platform_state
from employer_sync_pipeline.definitions import defs


def run_employer_sync(full_refresh: bool = False, batch_size: int = 1000, lookback_minutes: int = 10):
    """Run ``employer_sync_job`` once; asserts the Dagster run succeeded."""
    return _run_sync("employer_sync_job", "compute_watermark", full_refresh, batch_size, lookback_minutes)


def run_talent_sync(full_refresh: bool = False, batch_size: int = 1000, lookback_minutes: int = 10):
    """Run ``talent_sync_job`` once; asserts the Dagster run succeeded."""
    return _run_sync("talent_sync_job", "talent_compute_watermark", full_refresh, batch_size, lookback_minutes)


def _run_sync(job_name: str, watermark_op: str, full_refresh: bool, batch_size: int, lookback_minutes: int):
    run_config = {
        "ops": {
            watermark_op: {"config": {"full_refresh": full_refresh, "lookback_minutes": lookback_minutes}},
            "fan_out_batches": {"config": {"batch_size": batch_size}},
        }
    }
    result = defs.get_job_def(job_name).execute_in_process(run_config=run_config)
    assert result.success
    return result


def run_errors(result) -> str:
    """Every error carried by a run's events (step, resource and run failures), as the UI shows them."""
    messages = []
    for event in result.all_events:
        error = getattr(event.event_specific_data, "error", None)
        if error is not None:
            messages.append(error.to_string())
        elif event.is_failure and event.message:
            messages.append(event.message)
    return "\n".join(messages)


def rows(engine: Engine, table: sa.Table, *order_by) -> list[dict]:
    with engine.connect() as conn:
        query = sa.select(table).order_by(*(order_by or [table.c.id]))
        return [dict(row._mapping) for row in conn.execute(query)]


def identities(engine: Engine) -> dict[int, dict]:
    return {row["remote_gig_user_id"]: row for row in rows(engine, p.identities_users)}


def memberships(engine: Engine) -> dict[tuple[int, int], str]:
    """(JodGig company id, JodGig user id) → role."""
    with engine.connect() as conn:
        return dict(read_platform_state(conn).memberships)


def assignments(engine: Engine) -> set[tuple[int, int]]:
    """(JodGig user id, JodGig outlet id) pairs."""
    with engine.connect() as conn:
        return set(read_platform_state(conn).assignments)


def sync_logs(engine: Engine) -> list[dict]:
    return rows(engine, p.gig_sync_logs)


def snapshot(engine: Engine) -> dict[str, list[dict]]:
    """Every platform table, bookkeeping included: for 'nothing changed' checks."""
    return {table.name: rows(engine, table) for table in p.metadata.sorted_tables if table is not p.gig_sync_logs}
