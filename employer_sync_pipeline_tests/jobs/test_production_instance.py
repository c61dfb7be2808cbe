"""The production dagster.yaml loads against PostgreSQL and runs the sync there."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ..support.runs import sync_logs
from ..support.servers import create_platform_database, drop_platform_database

PROJECT = Path(__file__).resolve().parents[2]
DAGSTER = str(Path(sys.executable).parent / "dagster")


@pytest.fixture
def production_home(tmp_path, platform_db):
    """A DAGSTER_HOME with the shipped dagster.yaml, its storage in a fresh PostgreSQL database."""
    storage = create_platform_database()
    home = tmp_path / "production_home"
    home.mkdir()
    shutil.copy(PROJECT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    url = make_url(storage.url)
    env = {
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_USERNAME": url.username,
        "DAGSTER_PG_PASSWORD": url.password or "",
        "DAGSTER_PG_HOST": url.host,
        "DAGSTER_PG_PORT": str(url.port or 5432),
        "DAGSTER_PG_DB": url.database,
    }
    try:
        yield env, storage
    finally:
        drop_platform_database(storage)


def _dagster(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([DAGSTER, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=300,
                          cwd=PROJECT)


def test_instance_info_reads_the_production_config(production_home):
    env, _ = production_home
    done = _dagster("instance", "info", env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    for expected in ("run_storage: PostgresRunStorage", "event_log_storage: PostgresEventLogStorage",
                     "key: employer_sync_pipeline/sync", "value: talent", "run_monitoring:"):
        assert expected in done.stdout


def test_a_sync_run_is_stored_in_postgres(production_home, sync_env, jodgig, platform_db):
    env, storage = production_home
    jodgig.user("HQ_MANAGER", jodgig.company())

    done = _dagster("job", "execute", "-m", "employer_sync_pipeline.definitions", "-j", "employer_sync_job",
                    env={**env, **sync_env})

    assert done.returncode == 0, done.stderr[-3000:]
    with storage.engine.connect() as conn:
        statuses = conn.execute(sa.text("SELECT pipeline_name, status FROM runs")).all()
    assert statuses == [("employer_sync_job", "SUCCESS")]
    assert sync_logs(platform_db.engine)[0]["is_successful"]


def test_a_production_instance_without_the_urls_refuses_the_embedded_databases(production_home):
    """No silent stand-in (SPEC §5): nothing is written into SQLite under DAGSTER_HOME."""
    env, _ = production_home

    done = _dagster("job", "execute", "-m", "employer_sync_pipeline.definitions", "-j", "employer_sync_job", env=env)

    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "JODGIG_DATABASE_URL and PLATFORM_DATABASE_URL are not set" in output, output[-3000:]
    assert "stores its runs in PostgreSQL" in output
    assert not list(Path(env["DAGSTER_HOME"]).glob("*.sqlite"))


def test_a_worker_process_without_the_urls_refuses_the_embedded_databases(isolated_environment, tmp_path):
    """Steps in worker processes (here multiprocess, on a local SQLite instance) never fall back either."""
    (isolated_environment / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    config = tmp_path / "multiprocess.yaml"
    config.write_text("execution:\n  config:\n    multiprocess: {}\n")

    done = _dagster("job", "execute", "-m", "employer_sync_pipeline.definitions", "-j", "employer_sync_job",
                    "-c", str(config), env={"DAGSTER_HOME": str(isolated_environment)})

    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "JODGIG_DATABASE_URL and PLATFORM_DATABASE_URL are not set" in output, output[-3000:]
    assert "the run's steps run in worker processes (the multiprocess executor)" in output
    assert not list(isolated_environment.glob("*.sqlite"))
