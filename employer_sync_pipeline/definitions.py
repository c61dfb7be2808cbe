"""The one wiring point of the code location."""

import dagster as dg

from .orchestration.assets import jodgig_table_specs, platform_table_specs
from .orchestration.checks import platform_checks, platform_checks_daily, platform_checks_job
from .orchestration.jit import employer_jit_sync_job, employer_login_sensor, talent_jit_sync_job
from .orchestration.jobs import build_backfill_jobs, employer_sync_job, talent_sync_job
from .orchestration.resources import JodgigDatabase, PlatformDatabase, SyncRunLock
from .orchestration.schedules import employer_sync_hourly, talent_sync_hourly
from .orchestration.sentry import SentryResource, report_failed_runs_to_sentry
from .settings import Settings

# Partitions need JodGig's zone when the code location loads; nothing else reads settings here.
backfill_jobs = build_backfill_jobs(Settings.from_env().jodgig_timezone)

defs = dg.Definitions(
    assets=[*jodgig_table_specs, *platform_table_specs],
    asset_checks=platform_checks,
    jobs=[platform_checks_job, employer_sync_job, talent_sync_job, *backfill_jobs, employer_jit_sync_job, talent_jit_sync_job],
    sensors=[employer_login_sensor, report_failed_runs_to_sentry],
    schedules=[employer_sync_hourly, talent_sync_hourly, platform_checks_daily],
    resources={
        "jodgig_db": JodgigDatabase(),
        "platform_db": PlatformDatabase(),
        "sentry": SentryResource(),
        "sync_lock": SyncRunLock(),
    },
)
