"""Sentry reporting (SPEC §8): off without ``SENTRY_DSN``; events carry ids, never PII."""

import dagster as dg
import sentry_sdk
from pydantic import PrivateAttr

from ..settings import Settings
from ..sync.results import RecordFailure


class SentryResource(dg.ConfigurableResource):
    """Reports record failures and op errors, tagged with the sync and the Dagster run."""

    _enabled: bool = PrivateAttr(default=False)
    _run_id: str | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        dsn = Settings.from_env().sentry_dsn
        self._run_id = context.run_id
        self._enabled = dsn is not None
        if self._enabled:
            sentry_sdk.init(
                dsn=dsn,
                send_default_pii=False,
                include_local_variables=False,
                default_integrations=False,
                transport=self.transport(),
            )

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._enabled:
            sentry_sdk.flush()

    def transport(self):
        """sentry-sdk's transport; None sends to the DSN. Tests override this."""
        return None

    def reporter_for(self, sync_name: str) -> "SyncFailureReporter":
        return SyncFailureReporter(self, sync_name)

    def report_record_failure(self, failure: RecordFailure, sync_name: str) -> None:
        """One event per failed record and run: the JodGig user id as the user, no message text from the data.

        A record that keeps failing is retried every run; its events share one fingerprint (sync,
        user, error class), so Sentry shows one issue with a count, not one issue per run.
        """
        if not self._enabled:
            return
        with sentry_sdk.new_scope() as scope:
            scope.set_user({"id": str(failure.remote_gig_user_id)})
            scope.fingerprint = record_failure_fingerprint(failure, sync_name)
            self._tag(scope, sync_name)
            scope.set_tag("error", failure.error)
            sentry_sdk.capture_message(
                f"{failure.error}: JodGig user {failure.remote_gig_user_id} failed to sync", level="error"
            )

    def report_op_failure(self, job_name: str, op_name: str, error: BaseException | None) -> None:
        if not self._enabled:
            return
        with sentry_sdk.new_scope() as scope:
            self._tag(scope, job_name)
            scope.set_tag("op", op_name)
            if error is not None:
                sentry_sdk.capture_exception(error)
            else:
                sentry_sdk.capture_message(f"op {op_name} failed", level="error")

    def report_run_failure(self, job_name: str, run_id: str, reason: str) -> None:
        """A run that died outside its ops (process killed, resource setup failed)."""
        if not self._enabled:
            return
        with sentry_sdk.new_scope() as scope:
            scope.set_tag("sync", job_name)
            scope.set_tag("dagster_run_id", run_id)
            sentry_sdk.capture_message(f"Dagster run {run_id} of {job_name} failed: {reason}", level="error")

    def _tag(self, scope, sync_name: str) -> None:
        scope.set_tag("sync", sync_name)
        scope.set_tag("dagster_run_id", self._run_id)


def record_failure_fingerprint(failure: RecordFailure, sync_name: str) -> list[str]:
    return ["jodgig-record-failure", sync_name, str(failure.remote_gig_user_id), failure.error]


class SyncFailureReporter:
    """The sync layer's FailureReporter, bound to one sync's name."""

    def __init__(self, sentry: SentryResource, sync_name: str):
        self._sentry = sentry
        self._sync_name = sync_name

    def report_record_failure(self, failure: RecordFailure) -> None:
        self._sentry.report_record_failure(failure, self._sync_name)


@dg.failure_hook(required_resource_keys={"sentry"})
def report_op_failure_to_sentry(context: dg.HookContext) -> None:
    """Unhandled op errors (a database outage, a bug) go to Sentry too."""
    context.resources.sentry.report_op_failure(context.job_name, context.op.name, context.op_exception)


@dg.run_failure_sensor(name="report_failed_runs_to_sentry", default_status=dg.DefaultSensorStatus.RUNNING)
def report_failed_runs_to_sentry(context: dg.RunFailureSensorContext, sentry: SentryResource) -> None:
    """Runs that fail outside an op (no failure hook fired) reach Sentry too."""
    failure = context.failure_event
    reason = failure.message or "the run failed"
    sentry.report_run_failure(context.dagster_run.job_name, context.dagster_run.run_id, reason.splitlines()[0])
