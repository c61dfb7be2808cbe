"""Resources: the only doors to JodGig, the platform and Sentry.

Connection settings come from the environment when a run starts (SPEC §1),
never from run config, so no credential reaches the event log or the UI.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import sqlalchemy as sa
from pydantic import Field, PrivateAttr
from sqlalchemy.engine import Engine

from ..db.engines import APPLICATION_NAME, JODGIG_SETTING, PLATFORM_SETTING
from ..db.limits import ConnectionLimits
from ..settings import Settings
from ..sync.preflight import DatabaseDidNotAnswer, check_database
from ..sync.databases import jodgig_engine_and_rules, platform_engine
from ..sync.dry_run import RolledBackPlatform
from ..sync.run_lock import LockOfTheRun, RunLock, write_no_more
from ..sync.source_rules import Databases, SourceRules
from .run_placement import embedded_databases_refused

#: The run tag naming the sync; dagster.yaml's run queue limits runs per value too.
SYNC_CONCURRENCY_TAG = "employer_sync_pipeline/sync"
_ENDED = (dg.DagsterRunStatus.CANCELING, dg.DagsterRunStatus.CANCELED, dg.DagsterRunStatus.FAILURE)
#: Seconds after which run monitoring ends a run (dagster.yaml ``run_monitoring``).
MAX_RUNTIME_TAG = "dagster/max_runtime"
#: The session holding the run's lock (set by the run's executor), and why the run must write no more.
LOCK_SESSION_TAG = "employer_sync_pipeline/lock_session"
INTERRUPTED_TAG = "employer_sync_pipeline/interrupted"


def _settings(context: dg.InitResourceContext) -> Settings:
    run = context.dagster_run
    return Settings.from_env().without_stand_in(
        embedded_databases_refused(context.instance, run.run_config if run is not None else None)
    )


_JIT_FIELD = Field(default=False, description="Use the JIT limits (JIT_LOCK_TIMEOUT_SECONDS, JIT_TIMEOUT_SECONDS).")


def _limits(settings: Settings, jit: bool) -> ConnectionLimits:
    return settings.jit_limits if jit else settings.limits


def _checked(engine: Engine, setting: str, jit: bool) -> str | None:
    """Check the database at run start; for JIT, a database that did not answer in time is returned,
    for the op to report as the outcome ``timed_out`` (SPEC §6), instead of failing the run."""
    try:
        check_database(engine, setting)
    except DatabaseDidNotAnswer as error:
        if not jit:
            raise
        return str(error)
    return None


def session_name(run_id: str | None) -> str:
    """What ``pg_stat_activity.application_name`` shows for a run's sessions: the Dagster run."""
    return f"{APPLICATION_NAME} run {run_id}" if run_id else APPLICATION_NAME


def databases(jodgig_db: "JodgigDatabase", platform_db: "PlatformDatabase") -> Databases:
    """The two resources' engines and JodGig's rules, as the sync layer takes them."""
    return Databases(jodgig_db.engine, platform_db.engine, jodgig_db.rules)


class JodgigDatabase(dg.ConfigurableResource):
    """JodGig, read-only: ``JODGIG_DATABASE_URL``, or the embedded demo database."""

    jit: bool = _JIT_FIELD
    _engine: Engine = PrivateAttr()
    _rules: SourceRules = PrivateAttr()
    _did_not_answer: str | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        settings = _settings(context)
        self._engine, self._rules = jodgig_engine_and_rules(settings, _limits(settings, self.jit))
        self._did_not_answer = _checked(self._engine, JODGIG_SETTING, self.jit)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._engine.dispose()

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def rules(self) -> SourceRules:
        return self._rules

    @property
    def did_not_answer(self) -> str | None:
        """JIT only: why the database did not answer in time at run start, or None."""
        return self._did_not_answer


class PlatformDatabase(dg.ConfigurableResource):
    """The platform: ``PLATFORM_DATABASE_URL``, or the embedded SQLite default."""

    jit: bool = _JIT_FIELD
    _engine: Engine = PrivateAttr()
    _plan: RolledBackPlatform | None = PrivateAttr(default=None)
    _did_not_answer: str | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        settings = _settings(context)
        self._engine = platform_engine(settings, _limits(settings, self.jit), session_name(context.run_id))
        self._did_not_answer = _checked(self._engine, PLATFORM_SETTING, self.jit)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._plan is not None:
            self._plan.roll_back()
        self._engine.dispose()

    def start_plan(self) -> None:
        """From now on this run writes inside one transaction that is rolled back at its end (a dry run).

        It needs the in-process executor: every step must share this resource, and so the transaction.
        """
        self._plan = RolledBackPlatform(self._engine)

    @property
    def plan(self) -> RolledBackPlatform | None:
        return self._plan

    @property
    def did_not_answer(self) -> str | None:
        """JIT only: why the database did not answer in time at run start, or None."""
        return self._did_not_answer

    @property
    def engine(self) -> Engine:
        """The platform; during a plan, the plan's rolled-back transaction."""
        return self._plan if self._plan is not None else self._engine


def lock_wait_bound(wait_seconds: float, tags) -> float:
    """How long a run waits for the lock: give up well before run monitoring would end it for waiting."""
    max_runtime = float(tags.get(MAX_RUNTIME_TAG) or "inf")
    return min(wait_seconds, max_runtime / 2)


class SyncRunLock(dg.ConfigurableResource):
    """The sync's lock, held for the whole run: a second run of the same sync waits, then stops clearly.

    The run queue already keeps runs apart; this also covers runs that bypass it (two
    ``dagster job execute`` processes). The run's executor takes the lock in the run's process and
    tags the run with the holding session; each step then checks that its run still holds it. A
    run executed in process without that executor (``execute_in_process``) takes it here. It needs
    PostgreSQL; the embedded SQLite platform is single-user.
    """

    wait_seconds: int = Field(
        default=600, description="Longest wait for another run of the same sync; never more than half the run's max runtime."
    )
    _lock: RunLock | LockOfTheRun | None = PrivateAttr(default=None)
    _engine: Engine | None = PrivateAttr(default=None)
    _instance: dg.DagsterInstance | None = PrivateAttr(default=None)
    _run_id: str | None = PrivateAttr(default=None)
    _interrupted: str | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        run = context.dagster_run
        # Dagster builds resources again for a finished run's result: no lock is needed then.
        if run is None or run.is_finished or SYNC_CONCURRENCY_TAG not in run.tags:
            return
        self._instance, self._run_id = context.instance, run.run_id
        tags = self._instance.get_run_by_id(run.run_id).tags  # the executor tags the run after it starts
        self._engine = platform_engine(_settings(context), application_name=session_name(run.run_id))
        sync_name = run.tags[SYNC_CONCURRENCY_TAG]
        if tags.get(LOCK_SESSION_TAG):
            self._lock = LockOfTheRun(self._engine, sync_name, tags[LOCK_SESSION_TAG])
            return
        lock = self._lock = RunLock(self._engine, sync_name)
        lock.acquire(lock_wait_bound(self.wait_seconds, run.tags), context.log.info)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if isinstance(self._lock, RunLock):
            self._lock.release()
        if self._engine is not None:
            self._engine.dispose()

    def verify(self) -> None:
        """Raise unless this run may still write: it holds its lock, no batch of it failed, nobody ended it.

        Run monitoring marks a run past its maximum runtime as failed; if its process was stuck in
        a statement, it must not go on writing once the statement returns. A failed batch tags the
        run, so its sibling steps, in any process or on any machine, write nothing more.
        """
        if self._instance is not None:
            run = self._instance.get_run_by_id(self._run_id)
            if run is not None and run.status in _ENDED:
                raise write_no_more(
                    f"this run was ended from outside ({run.status.value}: run monitoring past its maximum runtime, "
                    "or a termination from the UI)"
                )
            self._interrupted = self._interrupted or (run.tags.get(INTERRUPTED_TAG) if run is not None else None)
        if self._interrupted:
            raise write_no_more(self._interrupted)
        if self._lock is not None:
            self._lock.verify()

    def interrupt(self, reason: str) -> None:
        """Stop every later write of this run, in every process: e.g. after a batch failed."""
        self._interrupted = reason
        if self._instance is not None:
            self._instance.add_run_tags(self._run_id, {INTERRUPTED_TAG: reason})

    @contextmanager
    def verified_commits(self, platform: Engine | object) -> Iterator[None]:
        """Within this block, :meth:`verify` runs before every commit on ``platform`` (each chunk of a batch)."""
        if not isinstance(platform, Engine) or self._instance is None:
            yield
            return
        listener = lambda _conn: self.verify()  # noqa: E731
        sa.event.listen(platform, "commit", listener)
        try:
            yield
        finally:
            sa.event.remove(platform, "commit", listener)
