"""Resolving the settings into the two databases, embedded SQLite defaults included (SPEC §1, §9)."""

import os
import tempfile
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..db import jodgig_tables, platform_tables
from ..db.engines import APPLICATION_NAME, create_jodgig_engine, create_platform_engine, sqlite_url
from ..db.limits import ConnectionLimits
from ..demo.generator import DEMO_OBSOLETE_COMPANY_IDS, generate_demo_data
from ..domain.timezone import TimezoneService
from ..settings import Settings
from .source_rules import SourceRules

EMBEDDED_JODGIG_FILE = "jodgig_demo.sqlite"
EMBEDDED_PLATFORM_FILE = "platform.sqlite"


def jodgig_engine_and_rules(settings: Settings, limits: ConnectionLimits | None = None) -> tuple[Engine, SourceRules]:
    """The read-only JodGig engine and the rules that go with that database (batch limits by default)."""
    if settings.uses_embedded_jodgig:
        url = sqlite_url(ensure_embedded_jodgig(settings.data_dir))
        default_obsolete = DEMO_OBSOLETE_COMPANY_IDS
    else:
        url, default_obsolete = settings.jodgig_database_url, frozenset()
    obsolete = settings.obsolete_company_ids if settings.obsolete_company_ids is not None else default_obsolete
    engine = create_jodgig_engine(url, limits or settings.limits)
    return engine, SourceRules(obsolete, TimezoneService(settings.jodgig_timezone))


def platform_engine(
    settings: Settings, limits: ConnectionLimits | None = None, application_name: str = APPLICATION_NAME
) -> Engine:
    """The platform engine (batch limits by default); the embedded default gets its schema on first use."""
    limits = limits or settings.limits
    if settings.platform_database_url is not None:
        return create_platform_engine(settings.platform_database_url, limits, application_name)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_platform_engine(sqlite_url(settings.data_dir / EMBEDDED_PLATFORM_FILE), limits)
    platform_tables.metadata.create_all(engine)
    return engine


def ensure_embedded_jodgig(data_dir: Path) -> Path:
    """The demo JodGig database file, generated and seeded on first use.

    It is built under a temporary name and renamed into place, so a run never
    sees a half-seeded database, even if two start at once.
    """
    target = data_dir / EMBEDDED_JODGIG_FILE
    if target.exists():
        return target
    data_dir.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".jodgig_demo.", suffix=".sqlite", dir=data_dir)
    os.close(handle)
    try:
        engine = sa.create_engine(sqlite_url(Path(temporary)))
        with engine.begin() as conn:
            jodgig_tables.metadata.create_all(conn)
            generate_demo_data(conn)
        engine.dispose()
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return target
