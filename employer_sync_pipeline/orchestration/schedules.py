"""Schedules: the syncs run hourly and the checks daily, on JodGig's clock (``JODGIG_TIMEZONE``)."""

import dagster as dg

from ..sync.sync_definitions import SYNCS
from .asset_checks import platform_checks_job


def hourly(
    name: str, job: dg.JobDefinition, default_status: dg.DefaultScheduleStatus, timezone: str
) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name=name,
        job=job,
        cron_schedule="0 * * * *",
        execution_timezone=timezone,
        default_status=default_status,
    )


def build_schedules(
    sync_jobs: dict[str, dg.JobDefinition], default_status: dg.DefaultScheduleStatus, timezone: str
) -> list[dg.ScheduleDefinition]:
    """Every schedule, in JodGig's zone, starting as ``default_status`` says where the instance has no
    state for it yet."""
    return [
        *(hourly(f"{sync.name}_sync_hourly", sync_jobs[f"{sync.name}_sync_job"], default_status, timezone)
          for sync in SYNCS),
        dg.ScheduleDefinition(
            name="platform_checks_daily",
            job=platform_checks_job,
            cron_schedule="30 6 * * *",
            execution_timezone=timezone,
            default_status=default_status,
        ),
        drift_report_daily(sync_jobs["employer_sync_job"], timezone),
    ]


def drift_report_daily(job: dg.JobDefinition, timezone: str) -> dg.ScheduleDefinition:
    """A planned full refresh every morning: how far the platform has drifted from JodGig. Off until turned on."""
    return dg.ScheduleDefinition(
        name="employer_drift_report_daily",
        job=job,
        cron_schedule="15 6 * * *",
        execution_timezone=timezone,
        run_config={"ops": {"compute_watermark": {"config": {"full_refresh": True, "dry_run": True}}}},
        default_status=dg.DefaultScheduleStatus.STOPPED,
    )
