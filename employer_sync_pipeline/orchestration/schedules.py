"""Schedules: the syncs run hourly, on Singapore time."""

import dagster as dg


def hourly(name: str, job: dg.JobDefinition) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name=name,
        job=job,
        cron_schedule="0 * * * *",
        execution_timezone="Asia/Singapore",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
