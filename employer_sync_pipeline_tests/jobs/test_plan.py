"""Plan (dry run): the same steps as a run, nothing written, and exactly the changes the run then makes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from employer_sync_pipeline.db import jodgig_tables as t
from employer_sync_pipeline.db.platform_snapshot import read_platform_state
from employer_sync_pipeline.db.sync_log import last_completed_run
from employer_sync_pipeline.definitions import defs, sync_jobs
from employer_sync_pipeline.domain.plan_diff import change_counts, change_examples, diff_states
from employer_sync_pipeline.orchestration.resources import JodgigDatabase, PlatformDatabase, SyncRunLock
from employer_sync_pipeline.orchestration.sentry import SentryResource
from employer_sync_pipeline.sync.dry_run_report import SHOWN_IDS

from ..support.locks import sync_lock_held_elsewhere
from ..support.runs import run_employer_sync, run_errors, snapshot, sync_logs

def run(full_refresh: bool = False, dry_run: bool = False, resources: dict | None = None, batch_size: int = 2):
    config = {"ops": {"compute_watermark": {"config": {"full_refresh": full_refresh, "dry_run": dry_run}},
                      "fan_out_batches": {"config": {"batch_size": batch_size, "full_refresh_batch_size": batch_size}}}}
    job = sync_jobs["employer_sync_job"] if resources else defs.get_job_def("employer_sync_job")
    return job.execute_in_process(run_config=config, resources=resources, raise_on_error=False)


def everything(engine) -> tuple:
    """Every platform row, bookkeeping included, every sync log row and the watermark."""
    with engine.connect() as conn:
        watermark = last_completed_run(conn, "jodgig_users_employers", "identities_users")
    return snapshot(engine), sync_logs(engine), watermark


def platform_state(engine):
    with engine.connect() as conn:
        return read_platform_state(conn)


def a_world_with_history(jodgig) -> dict[str, int]:
    """Two companies synced once, then mixed changes: owner swap, a disabled user, a new manager, a company going dark."""
    first, dark = jodgig.company(), jodgig.company()
    outlet = jodgig.outlet(first)
    owner = jodgig.user("HQ_MANAGER", first)
    successor = jodgig.user("HQ_MANAGER", first)
    manager = jodgig.user("OUTLET_MANAGER", first)
    jodgig.outlet_user(outlet, manager)
    leaving = jodgig.user("OUTLET_MANAGER", first)
    in_dark = jodgig.user("HQ_MANAGER", dark)
    run_employer_sync()
    now = jodgig.local_now()
    jodgig.user("HQ_MANAGER", first, email="broken", created_at=now, updated_at=now)
    jodgig.update(t.companies, first, owner_user_id=successor, updated_at=now)
    jodgig.update(t.users, leaving, status=0, updated_at=now)
    newcomer = jodgig.user("OUTLET_MANAGER", first, created_at=now, updated_at=now)
    jodgig.outlet_user(outlet, newcomer, created_at=now, updated_at=now)
    jodgig.update(t.companies, dark, status=0, updated_at=now)
    return {"owner": owner, "successor": successor, "leaving": leaving, "newcomer": newcomer, "in_dark": in_dark,
            "first": first, "dark": dark}


def assert_plan_is_what_the_run_does(platform_db, plan_result, full_refresh: bool):
    report = plan_result.output_for_node("write_sync_log").plan
    before = platform_state(platform_db.engine)
    real = run(full_refresh=full_refresh)
    assert real.success, run_errors(real)
    changes = diff_states(before, platform_state(platform_db.engine))
    log = sync_logs(platform_db.engine)[-1]
    assert report.records == {name: log[f"records_{name}"] for name in report.records}
    assert report.scope_counts == log["scope_counts"]
    assert [_streak_known_before(entry) for entry in report.failures] == [
        _streak_known_before(entry) for entry in log["fail_log"]]
    assert report.tables == change_counts(changes)
    assert report.examples == change_examples(changes, SHOWN_IDS)
    return report


def _streak_known_before(entry: dict) -> dict:
    """A fail-log entry less the first failure's run and time when this run is the first: the plan's
    run and clock are not the real run's."""
    if entry["failed_runs"] > 1:
        return entry
    return {key: value for key, value in entry.items() if key not in ("first_failed_at", "first_failed_run_id")}


def test_a_planned_incremental_changes_nothing_and_predicts_the_run_exactly(sync_env, jodgig, platform_db):
    world = a_world_with_history(jodgig)
    untouched = everything(platform_db.engine)

    planned = run(dry_run=True)
    assert planned.success, run_errors(planned)
    assert everything(platform_db.engine) == untouched, "a plan wrote something"

    report = assert_plan_is_what_the_run_does(platform_db, planned, full_refresh=False)
    assert report.mode == "incremental"
    assert report.tables["org_memberships"] == {"promoted": 1, "demoted": 1, "inserted": 1, "deleted": 2}
    assert report.examples["org_memberships"]["promoted"] == [world["successor"]]
    assert report.examples["identities_users"]["deactivated"] == sorted([world["leaving"], world["in_dark"]])
    assert report.examples["org_organisations"]["deactivated"] == [world["dark"]]
    assert report.error_classes == {"InvalidEmail": 1}


def test_a_planned_full_refresh_is_the_drift_report(sync_env, jodgig, platform_db):
    a_world_with_history(jodgig)
    with platform_db.engine.begin() as conn:  # drift: someone edited the platform by hand
        conn.exec_driver_sql("UPDATE identities_users SET first_name = 'Edited' WHERE id = (SELECT min(id) FROM identities_users)")
    untouched = everything(platform_db.engine)

    planned = run(full_refresh=True, dry_run=True)
    assert planned.success, run_errors(planned)
    assert everything(platform_db.engine) == untouched

    report = assert_plan_is_what_the_run_does(platform_db, planned, full_refresh=True)
    assert report.mode == "full_refresh" and report.records["selected"] == 7
    assert report.tables["identities_users"]["updated"] >= 1


def test_a_plan_of_a_run_with_a_retry_set_is_that_run(sync_env, jodgig, platform_db):
    """The last run failed two records; one is still broken, the other's e-mail holder has let go."""
    company = jodgig.company()
    holder = jodgig.user("HQ_MANAGER", company, email="desk@example.com")
    broken = jodgig.user("HQ_MANAGER", company, email="broken")
    run_employer_sync()
    waiting = jodgig.user("OUTLET_MANAGER", company, email="desk@example.com", created_at=jodgig.local_now(),
                          updated_at=jodgig.local_now())
    run_employer_sync()
    jodgig.update(t.users, holder, email="moved@example.com", updated_at=jodgig.local_now())
    untouched = everything(platform_db.engine)

    planned = run(dry_run=True)
    assert planned.success, run_errors(planned)
    assert everything(platform_db.engine) == untouched, "a plan wrote something"

    report = assert_plan_is_what_the_run_does(platform_db, planned, full_refresh=False)
    assert report.mode == "incremental" and report.records["selected"] == 3
    assert report.retried == {"failed": 1, "synced": 1}
    assert report.retried_ids == sorted([broken, waiting])
    assert [(f["remote_gig_user_id"], f["failed_runs"]) for f in report.failures] == [(broken, 3)]
    assert report.examples["identities_users"]["inserted"] == [waiting]


def test_a_plan_reports_in_the_run_and_not_as_materializations(sync_env, jodgig, platform_db):
    a_world_with_history(jodgig)
    instance = dg.DagsterInstance.ephemeral()
    config = {"ops": {"compute_watermark": {"config": {"dry_run": True}}}}
    planned = defs.get_job_def("employer_sync_job").execute_in_process(run_config=config, instance=instance)

    assert planned.get_asset_materialization_events() == []
    assert planned.get_asset_check_evaluations() == []
    tags = instance.get_run_by_id(planned.run_id).tags
    assert tags["sync/dry_run"] == "true" and "sync/is_successful" not in tags
    [output] = [e for e in planned.all_events if e.event_type_value == "STEP_OUTPUT" and e.step_key == "write_sync_log"]
    metadata = output.event_specific_data.metadata
    observed = [e.event_specific_data.asset_observation for e in planned.all_events
                if e.event_type_value == "ASSET_OBSERVATION"]
    assert {o.asset_key.path[-1] for o in observed} >= {"identities_users", "org_memberships"}
    assert any(key == "plan/employer/incremental/promoted" for o in observed for key in o.metadata)
    assert metadata["dry_run"].value is True and metadata["failed"].value == 1
    assert list(metadata)[:3] == ["changes", "mode", "window"], "the changes first, where the run page shows them"
    assert metadata["mode"].value == "incremental" and metadata["window"].value.endswith(") UTC")
    changes = {(r.data["table"], r.data["change"]): r.data["rows"] for r in metadata["changes"].value.records}
    assert changes[("org_memberships", "promoted")] == 1
    assert tags["sync/plan"].startswith("incremental: ") and "org_memberships " in tags["sync/plan"]
    assert "1 promoted" in tags["sync/plan"]


def test_a_plan_with_nothing_to_change_says_so(sync_env, jodgig, platform_db):
    jodgig.user("HQ_MANAGER", jodgig.company())
    assert run(full_refresh=True).success
    instance = dg.DagsterInstance.ephemeral()
    config = {"ops": {"compute_watermark": {"config": {"full_refresh": True, "dry_run": True}}}}

    planned = defs.get_job_def("employer_sync_job").execute_in_process(run_config=config, instance=instance)

    tags = instance.get_run_by_id(planned.run_id).tags
    assert tags["sync/plan"] == "full_refresh: no change: no platform row would change"
    [output] = [e for e in planned.all_events if e.event_type_value == "STEP_OUTPUT" and e.step_key == "write_sync_log"]
    metadata = output.event_specific_data.metadata
    assert metadata["changes"].value == "no change: no platform row would change"
    assert metadata["synced"].value == 1, "the in-scope record is counted, and changes nothing"
    assert [e for e in planned.all_events if e.event_type_value == "ASSET_OBSERVATION"] == []


def test_a_plan_holds_the_same_run_lock(sync_env, jodgig, platform_db):
    jodgig.user("HQ_MANAGER", jodgig.company())
    with sync_lock_held_elsewhere(platform_db.engine):
        blocked = run(dry_run=True, resources={"jodgig_db": JodgigDatabase(), "platform_db": PlatformDatabase(),
                                               "sentry": SentryResource(), "sync_lock": SyncRunLock(wait_seconds=2)})
    assert not blocked.success and "still holds its lock" in run_errors(blocked)


def test_the_plan_cli_prints_one_json_object(sync_env, jodgig, platform_db, isolated_environment):
    a_world_with_history(jodgig)
    untouched = everything(platform_db.engine)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "employer-sync"), "plan", "--json"],
        env={**os.environ, **sync_env}, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert set(report) >= {"records", "scope_counts", "tables", "examples", "failures", "run_id"}
    assert report["records"]["failed"] == 1 and report["tables"]["org_memberships"]["promoted"] == 1
    assert everything(platform_db.engine) == untouched


@pytest.mark.parametrize("talent", [False, True], ids=["employers", "talents"])
def test_the_plan_cli_summary(sync_env, jodgig, platform_db, talent):
    jodgig.user("TALENT" if talent else "HQ_MANAGER", jodgig.company())
    args = ["plan", "--talent"] if talent else ["plan", "--full-refresh"]
    done = subprocess.run([str(Path(sys.executable).parent / "employer-sync"), *args],
                          env={**os.environ, **sync_env}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "nothing was written" in done.stdout and "identities_users: 1 inserted" in done.stdout
    assert ("(a full refresh: the sync log has no" in done.stdout) == talent, "said when it was not asked for"
    assert sync_logs(platform_db.engine) == []
