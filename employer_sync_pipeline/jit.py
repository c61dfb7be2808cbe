"""Just-in-time sync for the login flow (SPEC §6).

    from employer_sync_pipeline.jit import sync_employer_now
    result = sync_employer_now(123)   # JitResult(outcome='synced', scope_set='G', identity_id=42, ...)

Settings come from the environment as for the batch sync, with the JIT limits
(``JIT_LOCK_TIMEOUT_SECONDS``, ``JIT_TIMEOUT_SECONDS``). Engines are created
once per process and settings, so repeated calls reuse their connection pools.
A failed record is returned as ``outcome='failed'`` and a wait past a limit as
``outcome='timed_out'``, not raised; database outages raise.
"""

from functools import lru_cache

from .settings import Settings
from .sync.databases import jodgig_engine_and_rules, platform_engine
from .sync.jit_sync import JitResult, sync_user_now
from .sync.failure_reporting import NoReporter
from .sync.source_rules import Databases
from .sync.sync_definitions import EMPLOYER_SYNC, TALENT_SYNC

__all__ = ["JitResult", "sync_employer_now", "sync_talent_now"]


def sync_employer_now(remote_gig_user_id: int) -> JitResult:
    """Sync one employer now: identity, organisations, membership, owner and assignments."""
    return sync_user_now(EMPLOYER_SYNC, _databases(Settings.from_env()), remote_gig_user_id, NoReporter())


def sync_talent_now(remote_gig_user_id: int) -> JitResult:
    """Sync one talent's identity now."""
    return sync_user_now(TALENT_SYNC, _databases(Settings.from_env()), remote_gig_user_id, NoReporter())


@lru_cache(maxsize=4)
def _databases(settings: Settings) -> Databases:
    source, rules = jodgig_engine_and_rules(settings, settings.jit_limits)
    return Databases(source, platform_engine(settings, settings.jit_limits), rules)
