"""Settings from the environment (SPEC §1, §10), read when a run starts, never at import.

Every malformed value is a :class:`SettingsError` that names its variable and says what a
good value looks like; a URL is never echoed, since it may hold a password.
"""

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sentry_sdk.utils import BadDsn, Dsn
from sqlalchemy.engine import make_url

from .db.limits import ConnectionLimits
from .domain.timezone import DEFAULT_JODGIG_TIMEZONE

#: variable → default seconds (docs/configuration.md and docs/reliability.md).
LIMIT_DEFAULTS = {
    "DB_CONNECT_TIMEOUT_SECONDS": 10.0,
    "JODGIG_STATEMENT_TIMEOUT_SECONDS": 300.0,
    "PLATFORM_LOCK_TIMEOUT_SECONDS": 30.0,
    "PLATFORM_STATEMENT_TIMEOUT_SECONDS": 300.0,
    "JIT_LOCK_TIMEOUT_SECONDS": 2.0,
    "JIT_TIMEOUT_SECONDS": 5.0,
    "SYNC_MAX_RUNTIME_SECONDS": 2700.0,
    "FULL_REFRESH_MAX_RUNTIME_SECONDS": 14400.0,
    "FAILED_RECORD_MAX_AGE_SECONDS": 86400.0,
}

_SUPPORTED_BACKENDS = {
    "JODGIG_DATABASE_URL": ("mysql", "sqlite"),
    "PLATFORM_DATABASE_URL": ("postgresql", "sqlite"),
}
_URL_EXAMPLES = {
    "JODGIG_DATABASE_URL": "mysql+pymysql://sync:password@db-host:3306/jodgig",
    "PLATFORM_DATABASE_URL": "postgresql+psycopg2://sync:password@db-host:5432/platform",
}

#: Optional drivers the project supports, and how to install them (docs/configuration.md).
_DRIVER_INSTALLS = {
    ("mysql", "mysqldb"): "install the project's mysqlclient extra, pip install -e '.[mysqlclient]' (it builds "
    "against libmariadb-dev and pkg-config; docs/configuration.md), or use the default driver, mysql+pymysql://",
}


#: Every variable :meth:`Settings.from_env` reads: the key its parsed settings are kept under.
SETTINGS_VARIABLES = (
    "JODGIG_DATABASE_URL", "PLATFORM_DATABASE_URL", "JODGIG_TIMEZONE", "JODGIG_OBSOLETE_COMPANY_IDS", "SENTRY_DSN",
    "DAGSTER_HOME", *LIMIT_DEFAULTS,
)


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable, never a secret."""


@dataclass(frozen=True)
class RunLimits:
    """The longest a sync run may live before run monitoring ends it (``dagster/max_runtime``)."""

    incremental_seconds: float
    full_refresh_seconds: float


@dataclass(frozen=True)
class CodeLocationSettings:
    """What the code location needs when it loads: the partitions' zone and the runs' limits."""

    jodgig_timezone: str
    run_limits: RunLimits
    automation: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "CodeLocationSettings":
        env = os.environ if env is None else env
        return cls(_timezone(env), _run_limits(env), _automation(env))


@dataclass(frozen=True)
class Settings:
    jodgig_database_url: str | None
    platform_database_url: str | None
    jodgig_timezone: str
    obsolete_company_ids: frozenset[int] | None
    sentry_dsn: str | None
    data_dir: Path
    limits: ConnectionLimits
    jit_limits: ConnectionLimits
    run_limits: RunLimits

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """The settings of ``env``, or of this process's environment (parsed once while it stays the same)."""
        if env is None:
            return _process_settings(tuple(os.environ.get(name) for name in SETTINGS_VARIABLES), Path.cwd())
        return cls._parse(env)

    @classmethod
    def _parse(cls, env: Mapping[str, str]) -> "Settings":
        limits = ConnectionLimits(
            connect=_seconds(env, "DB_CONNECT_TIMEOUT_SECONDS"),
            jodgig_statement=_seconds(env, "JODGIG_STATEMENT_TIMEOUT_SECONDS"),
            platform_lock=_seconds(env, "PLATFORM_LOCK_TIMEOUT_SECONDS"),
            platform_statement=_seconds(env, "PLATFORM_STATEMENT_TIMEOUT_SECONDS"),
        )
        return cls(
            jodgig_database_url=_database_url(env, "JODGIG_DATABASE_URL"),
            platform_database_url=_database_url(env, "PLATFORM_DATABASE_URL"),
            jodgig_timezone=_timezone(env),
            obsolete_company_ids=_parse_ids(env.get("JODGIG_OBSOLETE_COMPANY_IDS")),
            sentry_dsn=_sentry_dsn(env),
            data_dir=Path(env.get("DAGSTER_HOME") or Path.cwd() / ".data"),
            limits=limits,
            jit_limits=limits.tightened(_seconds(env, "JIT_LOCK_TIMEOUT_SECONDS"), _seconds(env, "JIT_TIMEOUT_SECONDS")),
            run_limits=_run_limits(env),
        )

    @property
    def uses_embedded_jodgig(self) -> bool:
        return self.jodgig_database_url is None

    def without_stand_in(self, reason: str | None) -> "Settings":
        """These settings, unless ``reason`` forbids the embedded SQLite stand-in and a URL is unset (SPEC §5)."""
        missing = [name for name, url in (("JODGIG_DATABASE_URL", self.jodgig_database_url),
                                          ("PLATFORM_DATABASE_URL", self.platform_database_url)) if url is None]
        if reason is None or not missing:
            return self
        raise SettingsError(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set, and {reason}: the embedded "
            f"demo databases are for a local instance only. Set {' and '.join(missing)} for this process "
            f"(e.g. {_URL_EXAMPLES[missing[0]]}), as for the webserver, the daemon and every worker."
        )


@lru_cache(maxsize=8)
def _process_settings(values: tuple[str | None, ...], cwd: Path) -> Settings:
    """A parse took 93 µs, a kept one 29 µs (the URLs' drivers are looked up): a JIT call reads them every time.
    ``cwd`` is part of the key: the data directory defaults to one under it."""
    return Settings._parse({name: value for name, value in zip(SETTINGS_VARIABLES, values) if value is not None})


def _automation(env: Mapping[str, str]) -> str:
    """How the schedules and the login sensor start: ``running``, or ``stopped`` where SYNC_AUTOMATION=stopped.

    It applies only until someone turns one on or off in the UI: the instance keeps that state.
    """
    raw = env.get("SYNC_AUTOMATION") or "running"
    if raw.strip().lower() not in ("running", "stopped"):
        raise SettingsError(f"SYNC_AUTOMATION must be 'running' or 'stopped'; got {raw!r}. Unset it for 'running'.")
    return raw.strip().lower()


def failed_record_max_age(env: Mapping[str, str] | None = None) -> timedelta:
    """How long a record may keep failing before its sync's age check warns (a day by default)."""
    return timedelta(seconds=_seconds(os.environ if env is None else env, "FAILED_RECORD_MAX_AGE_SECONDS"))


def _run_limits(env: Mapping[str, str]) -> RunLimits:
    return RunLimits(_seconds(env, "SYNC_MAX_RUNTIME_SECONDS"), _seconds(env, "FULL_REFRESH_MAX_RUNTIME_SECONDS"))


def _seconds(env: Mapping[str, str], name: str) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return LIMIT_DEFAULTS[name]
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise SettingsError(
            f"{name} must be a positive number of seconds, e.g. {LIMIT_DEFAULTS[name]:g}; got {raw!r}. "
            f"Unset it for the default ({LIMIT_DEFAULTS[name]:g} s)."
        )
    return value


def _sentry_dsn(env: Mapping[str, str]) -> str | None:
    raw = env.get("SENTRY_DSN") or None
    if raw is None:
        return None
    try:
        Dsn(raw)
    except BadDsn:
        raise SettingsError(
            "SENTRY_DSN is not a Sentry DSN; expected e.g. https://<key>@o123.ingest.sentry.io/456 "
            "(copy it from the Sentry project's Client Keys), or unset it to turn reporting off"
        ) from None
    return raw


def _timezone(env: Mapping[str, str]) -> str:
    name = env.get("JODGIG_TIMEZONE") or DEFAULT_JODGIG_TIMEZONE
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"JODGIG_TIMEZONE must be an IANA time zone such as Asia/Singapore or Europe/London; got {name!r}. "
            "It is the zone of JodGig's DATETIME values; unset it for Asia/Singapore."
        ) from None
    return name


def _database_url(env: Mapping[str, str], name: str) -> str | None:
    """The URL, checked for a supported database and an installed driver; None when unset."""
    raw = env.get(name) or None
    if raw is None:
        return None
    example = _URL_EXAMPLES[name]
    try:
        url = make_url(raw)
    except sa.exc.ArgumentError:
        raise SettingsError(f"{name} is not a SQLAlchemy database URL; expected e.g. {example}") from None
    backend, supported = url.get_backend_name(), _SUPPORTED_BACKENDS[name]
    if backend not in supported:
        raise SettingsError(
            f"{name} points at a {backend!r} database; it must be one of {', '.join(supported)}, e.g. {example}"
        )
    try:
        url.get_dialect().import_dbapi()
    except (sa.exc.NoSuchModuleError, ImportError):
        driver = url.get_driver_name()
        raise SettingsError(
            f"{name} asks for the driver {driver!r}, which is not installed; "
            + _DRIVER_INSTALLS.get((backend, driver), f"name the driver explicitly, e.g. {example}")
        ) from None
    return raw


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

