"""Schedules: the syncs run hourly, on Singapore time."""

import dagster as dg

from .jobs import employer_sync_job, talent_sync_job


def hourly(name: str, job: dg.JobDefinition) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name=name,
        job=job,
        cron_schedule="0 * * * *",
        execution_timezone="Asia/Singapore",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )


employer_sync_hourly = hourly("employer_sync_hourly", employer_sync_job)
talent_sync_hourly = hourly("talent_sync_hourly", talent_sync_job)
