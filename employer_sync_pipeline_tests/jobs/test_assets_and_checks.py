"""Asset lineage, per-table materializations, the platform checks and the run-failure sensor."""

import dagster as dg
import sqlalchemy as sa

from employer_sync_pipeline.db import platform_tables as p
from employer_sync_pipeline.definitions import defs
from employer_sync_pipeline.orchestration.sentry import report_failed_runs_to_sentry

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
    assert (identities["rows_upserted"], identities["rows_deactivated"], identities["records_failed"]) == (1, 0, 1)
    assert identities["duration_seconds"] > 0
    assert materialized["org_outlet_assignments"][1]["rows_inserted"] == 1


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
        "last_employer_sync_successful": True}
    assert results["employer_reconciliation"].metadata["in_scope_employers"].value == 3


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
    assert not reconciliation.passed and reconciliation.metadata["difference"].value == 1
    owners = results["one_resolved_owner_per_organisation"]
    assert not owners.passed
    assert owners.metadata["examples"].value == [
        {"company_id": company, "resolved_owner": owner, "platform_owners": [admin]}]
    last = results["last_employer_sync_successful"]
    assert not last.passed and last.severity == dg.AssetCheckSeverity.WARN
    assert last.metadata["failed_user_ids"].value == [failing]


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
