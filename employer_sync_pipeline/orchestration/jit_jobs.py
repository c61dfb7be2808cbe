"""JIT jobs (one op each) and the login sensor that requests them (SPEC §6)."""

import dataclasses

import dagster as dg

from ..sync.jit_sync import FAILED, NOT_FOUND, TIMED_OUT, JitResult, sync_user_now
from ..sync.logins import LoginCursor, logins_needing_sync, start_cursor
from ..sync.sync_definitions import EMPLOYER_SYNC, SYNCS, SyncDefinition
from .resources import JodgigDatabase, PlatformDatabase, databases
from .sentry import SentryResource, report_op_failure_to_sentry

#: A login waits on this run: it goes ahead of the hourly batches.
JIT_TAGS = {"dagster/max_retries": "0", "dagster/priority": "1"}
LOGINS_PER_TICK = 200
#: The run's outcome, for the Runs list and its tag filter (a time-out is a successful run).
JIT_OUTCOME_TAG = "sync/jit_outcome"
#: Outcomes that leave the user as it was: the run still succeeds (they are outcomes, SPEC §6), with a warning.
_NOT_DONE = (FAILED, TIMED_OUT, NOT_FOUND)


class JitConfig(dg.Config):
    remote_gig_user_id: int


def jit_job_name(sync: SyncDefinition) -> str:
    return f"{sync.name}_jit_sync_job"


def jit_op_name(sync: SyncDefinition) -> str:
    return f"jit_sync_{sync.name}"


def jit_run_config(sync: SyncDefinition, remote_gig_user_id: int) -> dict:
    """The run config of a JIT run for one JodGig user."""
    return {"ops": {jit_op_name(sync): {"config": {"remote_gig_user_id": remote_gig_user_id}}}}


def build_jit_job(sync: SyncDefinition) -> dg.JobDefinition:
    @dg.op(name=jit_op_name(sync))
    def jit_sync(
        context: dg.OpExecutionContext,
        config: JitConfig,
        jit_jodgig_db: JodgigDatabase,
        jit_platform_db: PlatformDatabase,
        sentry: SentryResource,
    ) -> JitResult:
        """Sync one user now, with the JIT limits; the outcome is this op's output metadata. No sync log row."""
        reporter = sentry.reporter_for(f"{sync.name}_jit")
        did_not_answer = jit_jodgig_db.did_not_answer or jit_platform_db.did_not_answer
        if did_not_answer:
            result = JitResult(config.remote_gig_user_id, TIMED_OUT, None, None, "DatabaseTimeout", did_not_answer)
        else:
            result = sync_user_now(sync, databases(jit_jodgig_db, jit_platform_db), config.remote_gig_user_id, reporter)
        summary = f"JodGig {sync.name} {result.remote_gig_user_id}: {result.outcome} (set {result.scope_set})"
        details = f": {result.error + ': ' if result.error else ''}{result.message}" if result.message else ""
        (context.log.warning if result.outcome in _NOT_DONE else context.log.info)(summary + details)
        context.instance.add_run_tags(context.run_id, {JIT_OUTCOME_TAG: result.outcome})
        context.add_output_metadata(
            {key: value for key, value in vars(result).items() if value is not None}
        )
        return result

    @dg.job(
        name=jit_job_name(sync),
        executor_def=dg.in_process_executor,
        tags=JIT_TAGS,
        hooks={report_op_failure_to_sentry},
        description=f"Sync one JodGig {sync.name} now (run config: remote_gig_user_id).",
    )
    def jit_job():
        jit_sync()

    return jit_job


jit_sync_jobs = [build_jit_job(sync) for sync in SYNCS]


def build_employer_login_sensor(default_status: dg.DefaultSensorStatus) -> dg.SensorDefinition:
    """The login sensor, starting as ``default_status`` says where the instance has no state for it yet."""

    # By job name: a sensor given the job object is copied when Definitions binds resources, and
    # Dagster 1.13's copy prints a BetaWarning (about `owners`) in every CLI command and process.
    @dg.sensor(
        name="employer_login_sensor",
        job_name=jit_job_name(EMPLOYER_SYNC),
        minimum_interval_seconds=30,
        default_status=default_status,
    )
    def employer_login_sensor(
        context: dg.SensorEvaluationContext, jodgig_db: JodgigDatabase, platform_db: PlatformDatabase
    ):
        """Employers who logged in and whose identity is missing or older than their JodGig row."""
        if context.cursor:
            cursor = LoginCursor.parse(context.cursor)
        else:
            cursor = start_cursor(jodgig_db.engine, jodgig_db.rules)
        logins, next_cursor = logins_needing_sync(databases(jodgig_db, platform_db), cursor, LOGINS_PER_TICK)
        for login in logins:
            yield dg.RunRequest(
                run_key=f"employer-login-{login.remote_gig_user_id}-{login.last_login_at.isoformat()}",
                run_config=jit_run_config(EMPLOYER_SYNC, login.remote_gig_user_id),
            )
        context.update_cursor(next_cursor.serialise())

    return employer_login_sensor


def jit_result_of(run: dg.JobExecutionResult, sync: SyncDefinition) -> JitResult:
    """The JIT op's result, from the output metadata its run recorded.

    Read from the run's events, not through the IO manager: reading an output that way sets the
    job's resources up again, and the platform's check at set-up would wait for a silent server
    a second time.
    """
    [output] = [event for event in run.events_for_node(jit_op_name(sync)) if event.is_successful_output]
    metadata = output.event_specific_data.metadata
    return JitResult(**{
        field.name: metadata[field.name].value if field.name in metadata else None
        for field in dataclasses.fields(JitResult)
    })
