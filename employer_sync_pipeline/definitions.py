"""The one wiring point of the code location."""

import dagster as dg

from .orchestration.assets import jodgig_table_specs, platform_table_specs
from .orchestration.asset_checks import platform_checks, platform_checks_job
from .orchestration.jit_jobs import build_employer_login_sensor, jit_sync_jobs
from .orchestration.jobs import build_sync_jobs
from .orchestration.resources import JodgigDatabase, PlatformDatabase, SyncRunLock
from .orchestration.schedules import build_schedules
from .orchestration.sentry import SentryResource, report_failed_runs_to_sentry
from .settings import CodeLocationSettings

# Read when the code location loads: JodGig's zone for the partitions and schedules, the runs' maximum runtime,
# and whether the schedules and the login sensor start running (`make dev` starts them stopped).
# Every other setting is read when a run starts.
location = CodeLocationSettings.from_env()
sync_jobs = build_sync_jobs(location)
automation = location.automation.upper()

defs = dg.Definitions(
    assets=[*jodgig_table_specs, *platform_table_specs],
    asset_checks=platform_checks,
    jobs=[platform_checks_job, *sync_jobs.values(), *jit_sync_jobs],
    sensors=[build_employer_login_sensor(dg.DefaultSensorStatus(automation)), report_failed_runs_to_sentry],
    schedules=build_schedules(sync_jobs, dg.DefaultScheduleStatus(automation), location.jodgig_timezone),
    resources={
        "jodgig_db": JodgigDatabase(),
        "platform_db": PlatformDatabase(),
        "sentry": SentryResource(),
        "sync_lock": SyncRunLock(),
        "jit_jodgig_db": JodgigDatabase(jit=True),
        "jit_platform_db": PlatformDatabase(jit=True),
    },
)
