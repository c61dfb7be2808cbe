"""The code location loads, and every job, schedule and sensor resolves."""

from employer_sync_pipeline.definitions import defs
from employer_sync_pipeline.orchestration.jobs import EMPLOYER_SYNC_TAGS


def test_every_job_and_schedule_resolves():
    repository = defs.get_repository_def()
    assert {job.name for job in repository.get_all_jobs()} >= {"employer_sync_job"}
    for job in repository.get_all_jobs():
        assert job.graph is not None
    assert [s.name for s in repository.schedule_defs] == ["employer_sync_hourly"]


def test_employer_sync_runs_in_process_on_the_low_queue_without_retries():
    job = defs.get_job_def("employer_sync_job")
    assert job.executor_def.name == "in_process"
    assert job.tags == EMPLOYER_SYNC_TAGS
    assert job.tags["dagster/max_retries"] == "0" and job.tags["dagster/priority"] == "-1"


def test_hourly_schedule_on_singapore_time():
    schedule = defs.get_schedule_def("employer_sync_hourly")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 * * * *", "Asia/Singapore")
    assert schedule.job_name == "employer_sync_job"
