"""Resources: the only doors to JodGig, the platform and Sentry.

Connection settings come from the environment when a run starts (SPEC §1),
never from run config, so no credential reaches the event log or the UI.
"""

import dagster as dg
import sqlalchemy as sa
from pydantic import PrivateAttr
from sqlalchemy.engine import Engine

from ..db.engines import describe_url
from ..settings import Settings
from ..sync.databases import jodgig_engine_and_rules, platform_engine
from ..sync.run_lock import RunLock
from ..sync.settings import SourceRules

#: The run tag naming the sync; dagster.yaml's run queue limits runs per value too.
SYNC_CONCURRENCY_TAG = "employer_sync_pipeline/sync"


class DatabaseUnavailable(Exception):
    """A database could not be reached; the message names the setting, never the password."""


def _ping(engine: Engine, setting: str) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(sa.select(1))
    except sa.exc.DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig is not None else type(error).__name__
        raise DatabaseUnavailable(
            f"cannot connect to the database in {setting} ({describe_url(str(engine.url))}): {reason}. "
            f"Check that the server is up and that {setting} is right."
        ) from None


class JodgigDatabase(dg.ConfigurableResource):
    """JodGig, read-only: ``JODGIG_DATABASE_URL``, or the embedded demo database."""

    _engine: Engine = PrivateAttr()
    _rules: SourceRules = PrivateAttr()

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._engine, self._rules = jodgig_engine_and_rules(Settings.from_env())
        _ping(self._engine, "JODGIG_DATABASE_URL")

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._engine.dispose()

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def rules(self) -> SourceRules:
        return self._rules


class PlatformDatabase(dg.ConfigurableResource):
    """The platform: ``PLATFORM_DATABASE_URL``, or the embedded SQLite default."""

    _engine: Engine = PrivateAttr()

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._engine = platform_engine(Settings.from_env())
        _ping(self._engine, "PLATFORM_DATABASE_URL")

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._engine.dispose()

    @property
    def engine(self) -> Engine:
        return self._engine


class SyncRunLock(dg.ConfigurableResource):
    """Held for the whole run: a second run of the same sync waits, then stops with a clear message.

    The run queue already keeps runs apart; this also covers runs that bypass it (two
    ``dagster job execute`` processes). It needs PostgreSQL; the embedded SQLite platform is
    single-user. Under the multiprocess executor only the first step holds it: rely on the queue.
    """

    wait_seconds: int = 600
    _lock: RunLock | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        run = context.dagster_run
        # Dagster builds resources again for a finished run's result: no lock is needed then.
        if run is None or run.is_finished or SYNC_CONCURRENCY_TAG not in run.tags:
            return
        self._lock = RunLock(platform_engine(Settings.from_env()), run.tags[SYNC_CONCURRENCY_TAG])
        self._lock.acquire(self.wait_seconds, context.log.info)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._lock is not None:
            self._lock.release()

    def verify(self) -> None:
        """Raise unless this run still holds its lock and no earlier batch failed."""
        if self._lock is not None:
            self._lock.verify()

    def interrupt(self, reason: str) -> None:
        if self._lock is not None:
            self._lock.interrupt(reason)
