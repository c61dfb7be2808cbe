"""Scale-out: the sync job also runs under the multiprocess executor (forkserver, max_concurrent)."""

import os
import subprocess
import sys
from pathlib import Path

from employer_sync_pipeline.demo.generator import DEMO_OBSOLETE_COMPANY_IDS, generate_demo_data

from ..support.platform_state import comparable_state
from ..support.runs import identities, run_employer_sync, sync_logs
from ..support.servers import create_platform_database, drop_platform_database

MULTIPROCESS = """
execution:
  config:
    multiprocess:
      max_concurrent: 2
      start_method:
        forkserver: {}
ops:
  fan_out_batches:
    config:
      full_refresh_batch_size: 3
"""


def execute_under_multiprocess(env: dict[str, str], config_path: Path, batch_size: int) -> subprocess.CompletedProcess:
    config_path.write_text(MULTIPROCESS.replace("full_refresh_batch_size: 3", f"full_refresh_batch_size: {batch_size}"))
    return subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "job", "execute", "-m", "employer_sync_pipeline.definitions",
         "-j", "employer_sync_job", "-c", str(config_path)],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=300,
    )


def test_employer_sync_under_the_multiprocess_executor(sync_env, jodgig, platform_db, tmp_path):
    company = jodgig.company()
    users = [jodgig.user("OUTLET_MANAGER", company) for _ in range(7)]

    done = execute_under_multiprocess(sync_env, tmp_path / "multiprocess.yaml", batch_size=3)

    assert done.returncode == 0, done.stderr[-3000:]
    assert "multiprocess executor" in done.stderr
    assert set(identities(platform_db.engine)) == set(users)
    [log] = sync_logs(platform_db.engine)
    assert log["is_successful"] and log["records_synced"] == 7


def test_steps_in_their_own_processes_read_with_reader_processes_and_write_what_one_process_writes(
    sync_env, jodgig_db, platform_db, tmp_path, monkeypatch
):
    """Two steps of two chunks each, at once: each step's process forks its own JodGig reader."""
    with jodgig_db.writer.begin() as conn:
        employers = generate_demo_data(conn, scale=1).employers
    obsolete = ",".join(map(str, sorted(DEMO_OBSOLETE_COMPANY_IDS)))
    monkeypatch.setenv("JODGIG_OBSOLETE_COMPANY_IDS", obsolete)

    done = execute_under_multiprocess({**sync_env, "JODGIG_OBSOLETE_COMPANY_IDS": obsolete},
                                      tmp_path / "multiprocess.yaml", batch_size=employers // 2 + 1)

    assert done.returncode == 0, done.stderr[-3000:]
    [log] = sync_logs(platform_db.engine)
    assert log["records_selected"] == employers
    in_one_process = create_platform_database()
    try:
        monkeypatch.setenv("PLATFORM_DATABASE_URL", in_one_process.url)
        run_employer_sync(full_refresh=True)
        assert comparable_state(platform_db.engine) == comparable_state(in_one_process.engine)
    finally:
        drop_platform_database(in_one_process)
