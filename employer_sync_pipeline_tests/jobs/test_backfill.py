"""Backfills over JodGig local days (SPEC §5): exact windows, every change source, no watermark move."""

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from employer_sync_pipeline.definitions import defs

from ..support.runs import identities, run_employer_sync, sync_logs

DAY = datetime(2026, 3, 10)
INSIDE_FIRST = datetime(2026, 3, 10, 0, 0, 0)
INSIDE_LAST = datetime(2026, 3, 10, 23, 59, 59)
BEFORE = datetime(2026, 3, 9, 23, 59, 59)
AFTER = datetime(2026, 3, 11, 0, 0, 0)
OLD = datetime(2025, 1, 1)


def _world(jodgig) -> dict[str, int]:
    """One employer per change source inside the day, and some just outside it."""
    quiet = dict(created_at=OLD, updated_at=OLD)
    ids = {}
    ids["user_first_second"] = jodgig.user("HQ_MANAGER", jodgig.company(**quiet), created_at=OLD,
                                           updated_at=INSIDE_FIRST)
    ids["user_created_null_updated"] = jodgig.user("HQ_MANAGER", jodgig.company(**quiet), created_at=INSIDE_LAST,
                                                   updated_at=None)
    ids["company_changed"] = jodgig.user("OUTLET_MANAGER", jodgig.company(created_at=OLD, updated_at=INSIDE_LAST),
                                         **quiet)
    outlet_company = jodgig.company(**quiet)
    jodgig.outlet(outlet_company, created_at=OLD, updated_at=INSIDE_FIRST)
    ids["outlet_changed"] = jodgig.user("HQ_MANAGER", outlet_company, **quiet)
    link_company = jodgig.company(**quiet)
    ids["outlet_user_changed"] = jodgig.user("OUTLET_MANAGER", link_company, **quiet)
    jodgig.outlet_user(jodgig.outlet(link_company, **quiet), ids["outlet_user_changed"], created_at=OLD,
                       updated_at=INSIDE_LAST)
    ids["pivot_changed"] = jodgig.user("SUPER_HQ_EXTERNAL", **quiet)
    jodgig.pivot(ids["pivot_changed"], jodgig.company(**quiet), created_at=OLD, updated_at=INSIDE_FIRST)
    ids["pivot_company_changed"] = jodgig.user("SUPER_HQ_EXTERNAL", **quiet)
    jodgig.pivot(ids["pivot_company_changed"], jodgig.company(created_at=OLD, updated_at=INSIDE_LAST), **quiet)
    ids["before"] = jodgig.user("HQ_MANAGER", jodgig.company(**quiet), created_at=OLD, updated_at=BEFORE)
    ids["after"] = jodgig.user("HQ_MANAGER", jodgig.company(**quiet), created_at=OLD, updated_at=AFTER)
    return ids


def test_a_day_partition_syncs_exactly_that_days_changes(sync_env, jodgig, platform_db):
    ids = _world(jodgig)

    result = defs.get_job_def("employer_backfill_job").execute_in_process(partition_key="2026-03-10")

    assert result.success
    expected = {v for k, v in ids.items() if k not in ("before", "after")}
    assert set(identities(platform_db.engine)) == expected
    [log] = sync_logs(platform_db.engine)
    assert log["sync_mode"] == "backfill" and log["records_selected"] == len(expected)
    assert (log["watermark_from"], log["watermark_to"]) == (
        datetime(2026, 3, 9, 16, tzinfo=timezone.utc), datetime(2026, 3, 10, 16, tzinfo=timezone.utc))


def test_backfills_never_move_the_incremental_watermark(sync_env, jodgig, platform_db):
    _world(jodgig)
    assert defs.get_job_def("employer_backfill_job").execute_in_process(partition_key="2026-03-10").success

    run_employer_sync()

    backfill, first_incremental = sync_logs(platform_db.engine)
    assert backfill["is_successful"] and backfill["sync_mode"] == "backfill"
    assert first_incremental["sync_mode"] == "full_refresh", "a backfill alone is no watermark"
    assert first_incremental["watermark_from"] is None


def test_a_partition_range_runs_as_one_window(sync_env, jodgig, platform_db):
    ids = _world(jodgig)
    tags = {"dagster/asset_partition_range_start": "2026-03-10", "dagster/asset_partition_range_end": "2026-03-11"}

    assert defs.get_job_def("employer_backfill_job").execute_in_process(tags=tags).success

    assert set(identities(platform_db.engine)) == {v for k, v in ids.items() if k != "before"}
    [log] = sync_logs(platform_db.engine)
    assert (log["watermark_from"], log["watermark_to"]) == (
        datetime(2026, 3, 9, 16, tzinfo=timezone.utc), datetime(2026, 3, 11, 16, tzinfo=timezone.utc))


def test_talent_backfill(sync_env, jodgig, platform_db):
    inside = jodgig.user("TALENT", created_at=OLD, updated_at=INSIDE_LAST)
    jodgig.user("TALENT", created_at=OLD, updated_at=AFTER)
    assert defs.get_job_def("talent_backfill_job").execute_in_process(partition_key="2026-03-10").success
    assert set(identities(platform_db.engine)) == {inside}
    assert sync_logs(platform_db.engine)[0]["origin_table"] == "jodgig_users_talents"


def test_one_day_through_dagster_job_execute_with_the_partition_tag(sync_env, jodgig, platform_db):
    ids = _world(jodgig)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "job", "execute", "-m", "employer_sync_pipeline.definitions",
         "-j", "employer_backfill_job", "--tags", json.dumps({"dagster/partition": "2026-03-10"})],
        env={**os.environ, **sync_env}, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert ids["after"] not in identities(platform_db.engine)
    assert ids["user_first_second"] in identities(platform_db.engine)
    assert sync_logs(platform_db.engine)[0]["sync_mode"] == "backfill"
