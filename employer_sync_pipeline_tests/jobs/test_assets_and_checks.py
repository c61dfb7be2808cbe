"""Asset lineage, per-table materializations, the platform checks and the run-failure sensor."""

from datetime import datetime, timedelta, timezone

import dagster as dg
import sqlalchemy as sa

from employer_sync_pipeline.db import jodgig_tables as t
from employer_sync_pipeline.db import platform_tables as p
from employer_sync_pipeline.definitions import defs
from employer_sync_pipeline.orchestration.sentry import report_failed_runs_to_sentry
from employer_sync_pipeline.sync import reconciliation

from ..support import sentry
from ..support.runs import run_employer_sync
from ..support.sentry import FAKE_DSN, CapturingSentryResource

PLATFORM_TABLES = ["identities_users", "org_organisations", "org_outlets", "org_memberships",
                   "org_outlet_assignments", "gig_sync_logs"]


def test_lineage_follows_what_the_sync_reads():
    graph = defs.resolve_asset_graph()
    deps = {key.path[-1] for key in graph.get(dg.AssetKey(["platform", "org_memberships"])).parent_keys}
    assert deps == {"users", "companies", "super_hq_external_companies", "identities_users", "org_organisations"}
    assert graph.get(dg.AssetKey(["jodgig", "users"])).kinds == {"mysql"}
    assert graph.get(dg.AssetKey(["platform", "gig_sync_logs"])).kinds == {"postgres"}


def _materializations(result) -> dict[str, dict]:
    return {
        event.asset_key.path[-1]: (event.partition, {k: v.value for k, v in event.metadata.items()})
        for event in (e.event_specific_data.materialization for e in result.get_asset_materialization_events())
    }


def test_every_sync_run_materializes_the_tables_it_writes(sync_env, jodgig):
    company = jodgig.company()
    jodgig.outlet_user(jodgig.outlet(company), jodgig.user("OUTLET_MANAGER", company))
    jodgig.user("HQ_MANAGER", company, email="bad")

    materialized = _materializations(run_employer_sync())

    assert sorted(materialized) == sorted(PLATFORM_TABLES)
    partition, identities = materialized["identities_users"]
    assert partition is None
    series = "employer/full_refresh"
    assert (identities["sync"], identities["sync_mode"]) == ("employer", "full_refresh")
    assert (identities[f"{series}/rows_upserted"], identities[f"{series}/rows_deactivated"],
            identities[f"{series}/records_failed"]) == (1, 0, 1)
    assert identities[f"{series}/duration_seconds"] > 0
    assert materialized["org_outlet_assignments"][1][f"{series}/rows_inserted"] == 1


def test_each_sync_and_mode_plots_as_its_own_series(sync_env, jodgig):
    jodgig.user("HQ_MANAGER", jodgig.company())
    jodgig.user("TALENT")
    runs = [run_employer_sync(), run_employer_sync(),
            defs.get_job_def("employer_backfill_job").execute_in_process(partition_key="2026-03-10"),
            defs.get_job_def("talent_sync_job").execute_in_process()]
    series = [
        {key.rsplit("/", 1)[0] for key, value in metadata.items() if isinstance(value, (int, float)) and "/" in key}
        for run in runs
        for table, (_, metadata) in _materializations(run).items() if table == "identities_users"
    ]
    assert series == [{"employer/full_refresh"}, {"employer/incremental"}, {"employer/backfill"},
                      {"talent/full_refresh"}]


def test_backfill_materializations_carry_the_partition(sync_env, jodgig):
    result = defs.get_job_def("employer_backfill_job").execute_in_process(partition_key="2026-03-10")
    assert {partition for partition, _ in _materializations(result).values()} == {"2026-03-10"}


def test_talent_sync_materializes_its_tables(sync_env, jodgig):
    jodgig.user("TALENT")
    result = defs.get_job_def("talent_sync_job").execute_in_process()
    assert sorted(_materializations(result)) == ["gig_sync_logs", "identities_users", "org_memberships"]


def _check_results() -> dict[str, dg.AssetCheckEvaluation]:
    result = defs.resolve_job_def("platform_checks_job").execute_in_process()
    assert result.success
    return {evaluation.check_name: evaluation for evaluation in result.get_asset_check_evaluations()}


def test_checks_pass_after_a_clean_sync(sync_env, jodgig):
    company = jodgig.company()
    jodgig.user("HQ_MANAGER", company)
    jodgig.user("HQ_MANAGER", company)
    jodgig.user("OUTLET_MANAGER", company)
    run_employer_sync()

    results = _check_results()

    assert {name: r.passed for name, r in results.items()} == {
        "employer_reconciliation": True, "one_resolved_owner_per_organisation": True,
        "last_employer_sync_successful": True, "talent_reconciliation": True,
        "last_talent_sync_successful": False, "employer_failures_not_stale": True, "talent_failures_not_stale": True}
    assert results["employer_reconciliation"].metadata["in_scope_employers"].value == 3
    assert results["last_talent_sync_successful"].metadata["reason"].value == (
        "no incremental or full-refresh talent sync has run yet")


def test_checks_catch_a_failed_record_and_a_wrong_owner(sync_env, jodgig, platform_db):
    company = jodgig.company()
    owner = jodgig.user("HQ_MANAGER", company)
    admin = jodgig.user("HQ_MANAGER", company)
    failing = jodgig.user("HQ_MANAGER", company, email="broken")
    run_employer_sync()
    with platform_db.engine.begin() as conn:
        conn.execute(sa.update(p.org_memberships).values(role="admin"))
        admin_identity = conn.execute(sa.select(p.identities_users.c.id).where(
            p.identities_users.c.remote_gig_user_id == admin)).scalar_one()
        conn.execute(sa.update(p.org_memberships).where(p.org_memberships.c.identities_user_id == admin_identity)
                     .values(role="owner"))

    results = _check_results()

    reconciliation = results["employer_reconciliation"]
    assert not reconciliation.passed
    assert reconciliation.metadata["in_scope_not_active_ids"].value == [failing]
    assert reconciliation.metadata["active_not_in_scope"].value == 0
    owners = results["one_resolved_owner_per_organisation"]
    assert not owners.passed
    assert owners.metadata["mismatched_company_ids"].value == [company]
    assert owners.metadata["examples"].value == [
        {"company_id": company, "resolved_owner": owner, "platform_owners": [admin]}]
    last = results["last_employer_sync_successful"]
    assert not last.passed and last.severity == dg.AssetCheckSeverity.WARN
    assert last.metadata["failed_user_ids"].value == [failing]
    [record] = last.metadata["failed_records"].value.records
    assert record.data["remote_gig_user_id"] == failing and record.data["error"] == "InvalidEmail"
    assert "broken" not in str(last.metadata)


def test_a_month_old_failure_looks_different_from_a_fresh_one(sync_env, jodgig, platform_db):
    company = jodgig.company()
    jodgig.user("HQ_MANAGER", company)
    fresh = jodgig.user("HQ_MANAGER", company, email="fresh-but-broken")
    old = jodgig.user("HQ_MANAGER", company, email="old-and-broken")
    first = run_employer_sync()
    assert _check_results()["employer_failures_not_stale"].passed, "a fresh failure is not stale"
    # The old record's streak began a month ago (as if it had failed in every hourly run since).
    month_ago = datetime.now(timezone.utc) - timedelta(days=30)
    with platform_db.engine.begin() as conn:
        log = p.gig_sync_logs
        fail_log = conn.execute(sa.select(log.c.fail_log)).scalar_one()
        aged = [entry | {"first_failed_at": month_ago.isoformat(), "failed_runs": 720}
                if entry["remote_gig_user_id"] == old else entry for entry in fail_log]
        conn.execute(sa.update(log).values(fail_log=aged))

    run_employer_sync()
    results = _check_results()

    stale = results["employer_failures_not_stale"]
    assert not stale.passed and stale.severity == dg.AssetCheckSeverity.WARN
    assert stale.metadata["failing_longer_than_limit"].value == 1
    assert stale.metadata["limit_hours"].value == 24
    [record] = stale.metadata["stale_records"].value.records
    assert (record.data["remote_gig_user_id"], record.data["runs_in_a_row"]) == (old, 721)
    assert record.data["failing_since"] == month_ago.isoformat()
    last = {r.data["remote_gig_user_id"]: r.data for r in results["last_employer_sync_successful"]
            .metadata["failed_records"].value.records}
    assert (last[fresh]["runs_in_a_row"], last[fresh]["first_failed_run_id"]) == (2, first.run_id)


def test_the_failure_age_limit_is_configurable(sync_env, jodgig, monkeypatch):
    jodgig.user("HQ_MANAGER", jodgig.company(), email="broken")
    run_employer_sync()
    monkeypatch.setenv("FAILED_RECORD_MAX_AGE_SECONDS", "0.001")

    stale = _check_results()["employer_failures_not_stale"]

    assert not stale.passed and stale.metadata["failing_longer_than_limit"].value == 1


def test_reconciliation_names_both_sides_so_a_missing_and_an_extra_do_not_cancel(sync_env, jodgig, platform_db):
    company = jodgig.company()
    kept = jodgig.user("HQ_MANAGER", company)
    leaving = jodgig.user("HQ_MANAGER", company)
    run_employer_sync()
    newcomer = jodgig.user("HQ_MANAGER", company)
    with jodgig.writer.begin() as conn:
        conn.execute(sa.update(t.users).where(t.users.c.id == leaving).values(status=0))

    reconciliation = _check_results()["employer_reconciliation"]

    assert not reconciliation.passed
    metadata = {key: value.value for key, value in reconciliation.metadata.items()}
    assert (metadata["in_scope_employers"], metadata["active_employer_identities"]) == (2, 2)
    assert metadata["in_scope_not_active_ids"] == [newcomer]
    assert metadata["active_not_in_scope_ids"] == [leaving]
    assert kept not in metadata["in_scope_not_active_ids"] + metadata["active_not_in_scope_ids"]


def test_talent_reconciliation_is_set_based_too(sync_env, jodgig):
    synced = jodgig.user("TALENT")
    disabled = jodgig.user("TALENT", status=0)
    assert defs.get_job_def("talent_sync_job").execute_in_process().success
    late = jodgig.user("TALENT")

    reconciliation = _check_results()["talent_reconciliation"]

    assert not reconciliation.passed
    assert reconciliation.metadata["in_scope_not_active_ids"].value == [late]
    assert disabled not in reconciliation.metadata["active_not_in_scope_ids"].value
    assert synced not in reconciliation.metadata["in_scope_not_active_ids"].value


def test_a_sync_run_tags_its_outcome_and_evaluates_the_checks_of_the_tables_it_changed(sync_env, jodgig):
    company = jodgig.company()
    jodgig.user("HQ_MANAGER", company)
    failing = jodgig.user("HQ_MANAGER", company, email="broken")
    instance = dg.DagsterInstance.ephemeral()

    failed = defs.get_job_def("employer_sync_job").execute_in_process(instance=instance)
    tags = instance.get_run_by_id(failed.run_id).tags
    assert (tags["sync/is_successful"], tags["sync/records_failed"]) == ("false", "1")
    evaluations = {e.check_name: e for e in failed.get_asset_check_evaluations()}
    assert {name: e.passed for name, e in evaluations.items()} == {
        "employer_reconciliation": False, "one_resolved_owner_per_organisation": True,
        "last_employer_sync_successful": False, "employer_failures_not_stale": True}
    assert evaluations["employer_reconciliation"].asset_key == dg.AssetKey(["platform", "identities_users"])
    assert evaluations["employer_reconciliation"].metadata["in_scope_not_active_ids"].value == [failing]
    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey(["platform", "identities_users"]), "employer_reconciliation")])
    assert latest[dg.AssetCheckKey(dg.AssetKey(["platform", "identities_users"]), "employer_reconciliation")].run_id \
        == failed.run_id

    with jodgig.writer.begin() as conn:
        conn.execute(sa.update(t.users).where(t.users.c.id == failing).values(
            email="fixed@example.com", updated_at=jodgig.local_now()))
    fixed = defs.get_job_def("employer_sync_job").execute_in_process(instance=instance)
    tags = instance.get_run_by_id(fixed.run_id).tags
    assert (tags["sync/is_successful"], tags["sync/records_failed"]) == ("true", "0")
    assert all(e.passed for e in fixed.get_asset_check_evaluations())
    runs = instance.get_runs(filters=dg.RunsFilter(tags={"sync/is_successful": "false"}))
    assert [run.run_id for run in runs] == [failed.run_id]

    quiet = defs.get_job_def("employer_sync_job").execute_in_process(instance=instance)
    assert {e.check_name for e in quiet.get_asset_check_evaluations()} == {
        "last_employer_sync_successful", "employer_failures_not_stale"}


def test_a_clean_backfill_never_makes_a_failing_sync_look_healthy(sync_env, jodgig):
    jodgig.user("HQ_MANAGER", jodgig.company(), email="broken")
    run_employer_sync()
    backfill = defs.get_job_def("employer_backfill_job").execute_in_process(partition_key="2026-03-10")
    assert backfill.success

    last = _check_results()["last_employer_sync_successful"]
    assert not last.passed
    assert last.metadata["sync_mode"].value == "full_refresh"
    assert last.metadata["latest_backfill_successful"].value is True


def test_run_failure_sensor_reports_to_sentry(monkeypatch):
    monkeypatch.setenv("SENTRY_DSN", FAKE_DSN)
    sentry.CAPTURED.events.clear()
    instance = dg.DagsterInstance.ephemeral()
    result = defs.get_job_def("employer_sync_job").execute_in_process(
        instance=instance, raise_on_error=False,
        run_config={"ops": {"fan_out_batches": {"config": {"batch_size": 0, "full_refresh_batch_size": 0}}}},
    )
    failure = [e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE"][0]
    with dg.build_run_status_sensor_context(
        sensor_name="report_failed_runs_to_sentry", dagster_instance=instance,
        dagster_run=result.dagster_run, dagster_event=failure,
        resources={"sentry": CapturingSentryResource()},
    ) as context:
        report_failed_runs_to_sentry(context.for_run_failure())

    run_events = [e for e in sentry.CAPTURED.events if e["tags"].get("dagster_run_id") == result.run_id
                  and "op" not in e["tags"]]
    assert len(run_events) == 1 and run_events[0]["tags"]["sync"] == "employer_sync_job"


def test_a_runs_checks_cover_its_own_records_and_the_daily_checks_everything(sync_env, jodgig, platform_db):
    """A run's end-of-run checks cost what it changed; drift elsewhere is the daily job's to find."""
    company, elsewhere = jodgig.company(), jodgig.company()
    changed = jodgig.user("HQ_MANAGER", company)
    untouched = jodgig.user("HQ_MANAGER", elsewhere)
    run_employer_sync()
    with platform_db.engine.begin() as conn:  # drift: someone deactivates an identity by hand
        conn.execute(sa.update(p.identities_users).where(p.identities_users.c.remote_gig_user_id == untouched)
                     .values(status="deactivated"))
    jodgig.update(t.users, changed, first_name="Renamed", updated_at=jodgig.local_now())

    run = defs.get_job_def("employer_sync_job").execute_in_process()

    evaluations = {e.check_name: e for e in run.get_asset_check_evaluations()}
    reconciliation = evaluations["employer_reconciliation"]
    assert reconciliation.passed
    assert reconciliation.metadata["compared"].value == "this run's 1 records"
    assert reconciliation.metadata["in_scope_employers"].value == 1
    daily = _check_results()["employer_reconciliation"]
    assert not daily.passed and daily.metadata["in_scope_not_active_ids"].value == [untouched]
    assert daily.metadata["compared"].value == "all of JodGig"


def test_a_runs_owner_check_compares_the_platform_with_the_owners_the_run_decided(sync_env, jodgig, platform_db):
    company = jodgig.company()
    owner, other = jodgig.user("HQ_MANAGER", company), jodgig.user("HQ_MANAGER", company)
    run = run_employer_sync()

    owners = {e.check_name: e for e in run.get_asset_check_evaluations()}["one_resolved_owner_per_organisation"]
    assert owners.passed
    assert owners.metadata["compared"].value == "this run's 1 companies, against the owners it decided"
    assert reconciliation.run_owner_mismatches(platform_db.engine, {company: owner}) == []
    assert reconciliation.run_owner_mismatches(platform_db.engine, {company: other}) == [
        reconciliation.OwnerMismatch(company, other, (owner,))
    ]
