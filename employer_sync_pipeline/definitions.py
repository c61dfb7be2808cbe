"""The one wiring point of the code location."""

import dagster as dg

from .orchestration.jit import employer_jit_sync_job, employer_login_sensor, talent_jit_sync_job
from .orchestration.jobs import employer_sync_job, talent_sync_job
from .orchestration.resources import JodgigDatabase, PlatformDatabase
from .orchestration.schedules import employer_sync_hourly, talent_sync_hourly
from .orchestration.sentry import SentryResource

defs = dg.Definitions(
    jobs=[employer_sync_job, talent_sync_job, employer_jit_sync_job, talent_jit_sync_job],
    sensors=[employer_login_sensor],
    schedules=[employer_sync_hourly, talent_sync_hourly],
    resources={
        "jodgig_db": JodgigDatabase(),
        "platform_db": PlatformDatabase(),
        "sentry": SentryResource(),
    },
)
