"""Schedules: the syncs run hourly and the checks daily, on Singapore time."""

import dagster as dg

from .checks import platform_checks_job


def hourly(name: str, job: dg.JobDefinition, default_status: dg.DefaultScheduleStatus) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name=name,
        job=job,
        cron_schedule="0 * * * *",
        execution_timezone="Asia/Singapore",
        default_status=default_status,
    )


def build_schedules(
    sync_jobs: dict[str, dg.JobDefinition], default_status: dg.DefaultScheduleStatus
) -> list[dg.ScheduleDefinition]:
    """Every schedule, starting as ``default_status`` says where the instance has no state for it yet."""
    return [
        hourly("employer_sync_hourly", sync_jobs["employer_sync_job"], default_status),
        hourly("talent_sync_hourly", sync_jobs["talent_sync_job"], default_status),
        dg.ScheduleDefinition(
            name="platform_checks_daily",
            job=platform_checks_job,
            cron_schedule="30 6 * * *",
            execution_timezone="Asia/Singapore",
            default_status=default_status,
        ),
        drift_report_daily(sync_jobs["employer_sync_job"]),
    ]


def drift_report_daily(job: dg.JobDefinition) -> dg.ScheduleDefinition:
    """A planned full refresh every morning: how far the platform has drifted from JodGig. Off until turned on."""
    return dg.ScheduleDefinition(
        name="employer_drift_report_daily",
        job=job,
        cron_schedule="15 6 * * *",
        execution_timezone="Asia/Singapore",
        run_config={"ops": {"compute_watermark": {"config": {"full_refresh": True, "dry_run": True}}}},
        default_status=dg.DefaultScheduleStatus.STOPPED,
    )
