"""Running the sync job in-process and reading back the platform."""

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from employer_sync_pipeline.db import platform_tables as p
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
    m, o, i = p.org_memberships, p.org_organisations, p.identities_users
    query = (
        sa.select(o.c.remote_gig_company_id, i.c.remote_gig_user_id, m.c.role)
        .join(o, o.c.id == m.c.organisation_id)
        .join(i, i.c.id == m.c.identities_user_id)
    )
    with engine.connect() as conn:
        return {(company, user): role for company, user, role in conn.execute(query)}


def assignments(engine: Engine) -> set[tuple[int, int]]:
    """(JodGig user id, JodGig outlet id) pairs."""
    a, m, i, oo = p.org_outlet_assignments, p.org_memberships, p.identities_users, p.org_outlets
    query = (
        sa.select(i.c.remote_gig_user_id, oo.c.remote_gig_outlet_id)
        .select_from(a)
        .join(m, m.c.id == a.c.org_membership_id)
        .join(i, i.c.id == m.c.identities_user_id)
        .join(oo, oo.c.id == a.c.org_outlet_id)
    )
    with engine.connect() as conn:
        return set(conn.execute(query).all())


def sync_logs(engine: Engine) -> list[dict]:
    return rows(engine, p.gig_sync_logs)


def snapshot(engine: Engine) -> dict[str, list[dict]]:
    """Every platform table, bookkeeping included: for 'nothing changed' checks."""
    return {table.name: rows(engine, table) for table in p.metadata.sorted_tables if table is not p.gig_sync_logs}
