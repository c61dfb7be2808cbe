"""The one wiring point of the code location."""

import dagster as dg

from .orchestration.assets import jodgig_table_specs, platform_table_specs
from .orchestration.checks import platform_checks, platform_checks_daily, platform_checks_job
from .orchestration.jit import employer_jit_sync_job, employer_login_sensor, talent_jit_sync_job
from .orchestration.jobs import build_sync_jobs
from .orchestration.resources import JodgigDatabase, PlatformDatabase, SyncRunLock
from .orchestration.schedules import hourly
from .orchestration.sentry import SentryResource, report_failed_runs_to_sentry
from .settings import CodeLocationSettings

# Partitions need JodGig's zone and runs their maximum runtime when the code location loads;
# every other setting is read when a run starts.
sync_jobs = build_sync_jobs(CodeLocationSettings.from_env())

defs = dg.Definitions(
    assets=[*jodgig_table_specs, *platform_table_specs],
    asset_checks=platform_checks,
    jobs=[platform_checks_job, *sync_jobs.values(), employer_jit_sync_job, talent_jit_sync_job],
    sensors=[employer_login_sensor, report_failed_runs_to_sentry],
    schedules=[
        hourly("employer_sync_hourly", sync_jobs["employer_sync_job"]),
        hourly("talent_sync_hourly", sync_jobs["talent_sync_job"]),
        platform_checks_daily,
    ],
    resources={
        "jodgig_db": JodgigDatabase(),
        "platform_db": PlatformDatabase(),
        "sentry": SentryResource(),
        "sync_lock": SyncRunLock(),
        "jit_jodgig_db": JodgigDatabase(jit=True),
        "jit_platform_db": PlatformDatabase(jit=True),
    },
)
