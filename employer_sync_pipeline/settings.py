"""Settings from the environment (SPEC §1), read when a run starts, never at import."""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .domain.timezone import DEFAULT_JODGIG_TIMEZONE


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable, never a secret."""


@dataclass(frozen=True)
class Settings:
    jodgig_database_url: str | None
    platform_database_url: str | None
    jodgig_timezone: str
    obsolete_company_ids: frozenset[int] | None
    sentry_dsn: str | None
    data_dir: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        return cls(
            jodgig_database_url=env.get("JODGIG_DATABASE_URL") or None,
            platform_database_url=env.get("PLATFORM_DATABASE_URL") or None,
            jodgig_timezone=env.get("JODGIG_TIMEZONE") or DEFAULT_JODGIG_TIMEZONE,
            obsolete_company_ids=_parse_ids(env.get("JODGIG_OBSOLETE_COMPANY_IDS")),
            sentry_dsn=env.get("SENTRY_DSN") or None,
            data_dir=Path(env.get("DAGSTER_HOME") or Path.cwd() / ".data"),
        )

    @property
    def uses_embedded_jodgig(self) -> bool:
        return self.jodgig_database_url is None


def _parse_ids(raw: str | None) -> frozenset[int] | None:
    """None when unset: the caller picks the default for its database."""
    if raw is None:
        return None
    try:
        return frozenset(int(part) for part in raw.split(",") if part.strip())
    except ValueError:
        raise SettingsError(
            f"JODGIG_OBSOLETE_COMPANY_IDS must be comma-separated company ids, e.g. '3,17,42'; got {raw!r}"
        ) from None


def automation_default(env: Mapping[str, str] | None = None) -> str:
    """How the schedules and the login sensor start: ``running``, or ``stopped`` where SYNC_AUTOMATION=stopped.

    Read when the code location loads. It applies only until someone turns one on or off in the
    UI: the instance keeps that state.
    """
    env = os.environ if env is None else env
    raw = env.get("SYNC_AUTOMATION") or "running"
    if raw.strip().lower() not in ("running", "stopped"):
        raise SettingsError(f"SYNC_AUTOMATION must be 'running' or 'stopped'; got {raw!r}. Unset it for 'running'.")
    return raw.strip().lower()
