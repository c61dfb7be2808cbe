"""Scale-out: the sync job also runs under the multiprocess executor (forkserver, max_concurrent)."""

import os
import subprocess
import sys
from pathlib import Path

from ..support.runs import identities, sync_logs

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


def test_employer_sync_under_the_multiprocess_executor(sync_env, jodgig, platform_db, tmp_path):
    company = jodgig.company()
    users = [jodgig.user("OUTLET_MANAGER", company) for _ in range(7)]
    config = tmp_path / "multiprocess.yaml"
    config.write_text(MULTIPROCESS)

    done = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "job", "execute", "-m", "employer_sync_pipeline.definitions",
         "-j", "employer_sync_job", "-c", str(config)],
        env={**os.environ, **sync_env}, capture_output=True, text=True, timeout=300,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    assert "multiprocess executor" in done.stderr
    assert set(identities(platform_db.engine)) == set(users)
    [log] = sync_logs(platform_db.engine)
    assert log["is_successful"] and log["records_synced"] == 7
