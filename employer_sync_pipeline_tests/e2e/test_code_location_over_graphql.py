"""The code location as operators use it: webserver + daemon, driven through the GraphQL API."""

from datetime import datetime
from pathlib import Path

import pytest

from ..support.dagster_stack import (
    asset_dependency_keys,
    dagster_stack,
    launch_job_backfill,
    launch_run,
    latest_materialization,
    wait_for_backfill,
    wait_for_run,
)
from ..support.runs import identities, sync_logs

PROJECT = Path(__file__).resolve().parents[2]


@pytest.mark.e2e
def test_sync_backfill_lineage_and_metadata_over_graphql(sync_env, jodgig, platform_db):
    company = jodgig.company(created_at=datetime(2025, 1, 1), updated_at=datetime(2025, 1, 1))
    on_the_10th = jodgig.user("HQ_MANAGER", company, updated_at=datetime(2026, 3, 10, 12))
    on_the_11th = jodgig.user("OUTLET_MANAGER", company, updated_at=datetime(2026, 3, 11, 12))

    with dagster_stack(working_dir=PROJECT, workspace=PROJECT / "workspace.yaml", start_daemon=False) as stack:
        backfill_id = launch_job_backfill(stack, "employer_backfill_job", ["2026-03-10", "2026-03-11"])
        run_id = launch_run(stack, "employer_sync_job", {"ops": {"fan_out_batches": {"config": {"batch_size": 500}}}})
        stack.start_daemon()

        assert wait_for_run(stack, run_id) == "SUCCESS", stack.logs()
        assert wait_for_backfill(stack, backfill_id) == {"2026-03-10": "SUCCESS", "2026-03-11": "SUCCESS"}
        dependencies = asset_dependency_keys(stack, ["platform", "org_memberships"])
        materialization = latest_materialization(stack, ["platform", "identities_users"])

    assert sorted(map(tuple, dependencies)) == [
        ("jodgig", "companies"), ("jodgig", "super_hq_external_companies"), ("jodgig", "users"),
        ("platform", "identities_users"), ("platform", "org_organisations")]
    series = "employer/full_refresh" if materialization["metadata"]["sync_mode"] == "full_refresh" else "employer/backfill"
    assert set(materialization["metadata"]) >= {f"{series}/{count}" for count in (
        "rows_upserted", "rows_deactivated", "records_failed", "duration_seconds")}
    assert materialization["metadata"][f"{series}/records_failed"] == 0
    assert set(identities(platform_db.engine)) == {on_the_10th, on_the_11th}
    assert sorted(log["sync_mode"] for log in sync_logs(platform_db.engine)) == [
        "backfill", "backfill", "full_refresh"]
