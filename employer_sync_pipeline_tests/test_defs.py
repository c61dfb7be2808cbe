"""The code location loads, and every job, schedule and sensor resolves."""

import dagster as dg
import pytest

from employer_sync_pipeline.definitions import defs


def test_every_job_and_schedule_resolves():
    repository = defs.get_repository_def()
    assert {job.name for job in repository.get_all_jobs()} >= {"employer_sync_job", "talent_sync_job"}
    for job in repository.get_all_jobs():
        assert job.graph is not None
    assert {s.name for s in repository.schedule_defs} == {
        "employer_sync_hourly", "talent_sync_hourly", "platform_checks_daily", "employer_drift_report_daily"}
    assert {s.name for s in repository.sensor_defs} == {"employer_login_sensor", "report_failed_runs_to_sentry"}
    assert defs.get_sensor_def("employer_login_sensor").job_name == "employer_jit_sync_job"


@pytest.mark.parametrize("sync", ["employer", "talent"])
def test_sync_jobs_run_in_process_on_the_low_queue_without_retries_one_at_a_time(sync):
    job = defs.get_job_def(f"{sync}_sync_job")
    assert job.executor_def.name == "sync_executor"
    assert job.run_config == {"execution": {"config": {"in_process": {}}}}
    backfill = defs.get_job_def(f"{sync}_backfill_job")
    assert backfill.get_run_config_for_partition_key("2026-03-10")["execution"] == {"config": {"in_process": {}}}
    assert job.tags == {"dagster/max_retries": "0", "dagster/priority": "-1", "employer_sync_pipeline/sync": sync,
                        "dagster/max_runtime": "2700"}
    assert backfill.tags["dagster/max_runtime"] == "14400"


def test_max_runtimes_come_from_the_environment(monkeypatch):
    from employer_sync_pipeline.orchestration.jobs import build_sync_jobs
    from employer_sync_pipeline.settings import CodeLocationSettings

    env = {"SYNC_MAX_RUNTIME_SECONDS": "600", "FULL_REFRESH_MAX_RUNTIME_SECONDS": "7200"}
    jobs = build_sync_jobs(CodeLocationSettings.from_env(env))
    assert jobs["employer_sync_job"].tags["dagster/max_runtime"] == "600"
    assert jobs["talent_backfill_job"].tags["dagster/max_runtime"] == "7200"


@pytest.mark.parametrize("sync", ["employer", "talent"])
def test_hourly_schedules_on_singapore_time(sync):
    schedule = defs.get_schedule_def(f"{sync}_sync_hourly")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 * * * *", "Asia/Singapore")
    assert schedule.job_name == f"{sync}_sync_job"


def _edges(job_name: str) -> set[tuple[str, str]]:
    """(upstream op, downstream op) pairs, with the talent names folded onto the employer ones."""
    def plain(name: str) -> str:
        return name.replace("talent_", "").replace("talents", "employers")

    snapshot = defs.get_job_def(job_name).get_job_snapshot().dep_structure_snapshot
    return {
        (plain(upstream.node_name), plain(node.node_name))
        for node in snapshot.node_invocation_snaps
        for dependency in node.input_dep_snaps
        for upstream in dependency.upstream_output_snaps
    }


def test_the_two_sync_jobs_share_one_graph_shape():
    assert _edges("talent_sync_job") == _edges("employer_sync_job")
    assert len(_edges("employer_sync_job")) == 6


def test_schedules_follow_jodgig_timezone():
    from employer_sync_pipeline.orchestration.jobs import build_sync_jobs
    from employer_sync_pipeline.orchestration.schedules import build_schedules
    from employer_sync_pipeline.settings import CodeLocationSettings

    location = CodeLocationSettings.from_env({"JODGIG_TIMEZONE": "Europe/London"})
    schedules = build_schedules(build_sync_jobs(location), dg.DefaultScheduleStatus.STOPPED, location.jodgig_timezone)
    assert {s.execution_timezone for s in schedules} == {"Europe/London"}
