"""The employers a full refresh selects, in batch order, computed as the job does."""

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

from employer_sync_pipeline.domain.window import compute_incremental_window
from employer_sync_pipeline.settings import Settings
from employer_sync_pipeline.sync.databases import jodgig_engine_and_rules, platform_engine
from employer_sync_pipeline.sync.run_steps import RunStart, select_in_scope
from employer_sync_pipeline.sync.source_rules import Databases
from employer_sync_pipeline.sync.sync_definitions import EMPLOYER_SYNC


def full_refresh_employer_ids(env: Mapping[str, str] | None = None) -> list[int]:
    """Settings from ``env``, or from the environment."""
    settings = Settings.from_env(env)
    source, rules = jodgig_engine_and_rules(settings)
    dbs = Databases(source, platform_engine(settings), rules)
    try:
        window = compute_incremental_window(None, datetime.now(timezone.utc), timedelta(0), full_refresh=True)
        return list(select_in_scope(EMPLOYER_SYNC, dbs, RunStart(window, window.upper)).user_ids)
    finally:
        dbs.source.dispose()
        dbs.platform.dispose()
