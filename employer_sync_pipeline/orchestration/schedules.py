"""Schedules: the syncs run hourly, on Singapore time."""

import dagster as dg

from .jobs import employer_sync_job

employer_sync_hourly = dg.ScheduleDefinition(
    name="employer_sync_hourly",
    job=employer_sync_job,
    cron_schedule="0 * * * *",
    execution_timezone="Asia/Singapore",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
