"""Misconfiguration is a clear error naming the setting, when the code location loads and when a run starts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from employer_sync_pipeline.definitions import defs

from ..support.runs import identities, run_errors
from ..support.servers import POSTGRES_ADMIN_URL, create_empty_postgres_database, drop_platform_database, require_server


@pytest.fixture
def empty_postgres_database():
    """A PostgreSQL database without the platform schema."""
    require_server(POSTGRES_ADMIN_URL, "PostgreSQL")
    db = create_empty_postgres_database("esp_empty")
    try:
        yield db.url
    finally:
        drop_platform_database(db)


def run_sync():
    return defs.get_job_def("employer_sync_job").execute_in_process(raise_on_error=False)


def test_a_platform_without_its_tables_names_them_and_the_schema_file(sync_env, jodgig, monkeypatch,
                                                                       empty_postgres_database):
    monkeypatch.setenv("PLATFORM_DATABASE_URL", empty_postgres_database)
    result = run_sync()
    assert not result.success
    errors = run_errors(result)
    assert "PLATFORM_DATABASE_URL" in errors
    assert "lacks the tables gig_sync_logs, identities_users, org_memberships" in errors
    assert "employer_sync_pipeline/sql/platform_schema.sql" in errors


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("JODGIG_TIMEZONE", "Mars/Olympus_Mons", "JODGIG_TIMEZONE must be an IANA time zone"),
        ("PLATFORM_DATABASE_URL", "postgresql://sync:s3cret@127.0.0.1/platform", "driver 'psycopg'"),
        ("JODGIG_DATABASE_URL", "not a url s3cret", "JODGIG_DATABASE_URL is not a SQLAlchemy database URL"),
        ("PLATFORM_LOCK_TIMEOUT_SECONDS", "-1", "PLATFORM_LOCK_TIMEOUT_SECONDS must be a positive number"),
    ],
    ids=["zone", "psycopg3-url", "not-a-url", "negative-timeout"],
)
def test_a_bad_setting_fails_the_run_at_its_start_naming_it(sync_env, jodgig, platform_db, monkeypatch,
                                                             name, value, expected):
    jodgig.user("HQ_MANAGER", jodgig.company())
    with monkeypatch.context() as patch:
        patch.setenv(name, value)
        result = run_sync()
    assert not result.success
    errors = run_errors(result)
    assert expected in errors and "s3cret" not in errors
    assert identities(platform_db.engine) == {}
    assert run_sync().success


def test_an_unknown_zone_fails_the_code_location_load_naming_the_variable():
    done = subprocess.run(
        [sys.executable, "-c", "import employer_sync_pipeline.definitions"],
        env={**os.environ, "JODGIG_TIMEZONE": "Mars/Olympus_Mons"}, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode != 0
    last_line = done.stderr.strip().splitlines()[-1]
    assert last_line.startswith("employer_sync_pipeline.settings.SettingsError: JODGIG_TIMEZONE must be")
    assert "ZoneInfoNotFoundError" not in done.stderr


@pytest.mark.parametrize("command", ["demo", "plan", "jit --employer 1", "explain --employer 1"])
def test_the_cli_names_a_bad_setting_without_a_traceback(command):
    done = subprocess.run(
        [str(Path(sys.executable).parent / "employer-sync"), *command.split()],
        env={**os.environ, "JODGIG_TIMEZONE": "Mars/Olympus_Mons"}, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("Error: JODGIG_TIMEZONE must be an IANA time zone")
    assert "Traceback" not in done.stderr
