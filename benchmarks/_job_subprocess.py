"""Runs employer_sync_job once in this process and prints wall time and peak RSS as JSON.

Started as its own process by the benchmark, so its peak memory is the sync's alone.
"""

import json
import resource
import sys
import time

from employer_sync_pipeline.definitions import defs


def main(full_refresh: bool) -> None:
    run_config = {
        "loggers": {"console": {"config": {"log_level": "WARNING"}}},
        "ops": {"compute_watermark": {"config": {"full_refresh": full_refresh}}},
    }
    started = time.perf_counter()
    result = defs.get_job_def("employer_sync_job").execute_in_process(run_config=run_config)
    wall = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"success": result.success, "wall_seconds": wall, "peak_rss_mib": peak_mib}))


if __name__ == "__main__":
    main(full_refresh="--full-refresh" in sys.argv)
