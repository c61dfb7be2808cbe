"""One Sling replication run, JodGig → PostgreSQL, as a child of this process; prints its figures as JSON.

    python -m benchmarks._sling_copy --work-dir DIR

Copies the five JodGig tables as they are into the schema ``sling`` of ``PEERS_DATABASE_URL``,
reading ``JODGIG_DATABASE_URL``, with the binary that the ``sling-linux-amd64`` wheel carries.
Every stream is incremental on ``updated_at`` with the table's primary key, so a second run is
the replication's no-op run (Sling reads the checkpoint back from the target table). Offline:
no telemetry, and its release check goes nowhere (``OFFLINE_ENV``); its home is under ``--work-dir``.

Sling is not Python, so its figures are taken from outside: ``wall_seconds`` from its start to
its exit, and ``peak_rss_mib`` the Sling process's ``VmHWM``, sampled every 10 ms until it exits.
Its only children are brief helpers (``pidof``, ``git rev-list``); until they exec they share
Sling's memory, so adding theirs would count Sling twice. ``ru_maxrss_mib`` is what ``wait4``
reports, the largest of Sling's peak, its children's and this wrapper's at the fork; this module
imports nothing heavy, so that the last stays small.
"""

import json
import os
import re
import subprocess
import time
from pathlib import Path

import click

from benchmarks._peer_common import JODGIG_TABLES, OFFLINE_ENV, require_bench_extra, without_driver

SCHEMA = "sling"
_INSERTED = re.compile(r'inserted (\d+) rows into "[^"]+"\."([^"]+)"')
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_SAMPLE_SECONDS = 0.01


def replication(jodgig_database: str) -> dict:
    """The replication: each table to ``sling.<table>``, incremental on ``updated_at``."""
    return {
        "source": "JODGIG",
        "target": "PEERS",
        "defaults": {"mode": "incremental", "update_key": "updated_at", "object": SCHEMA + ".{stream_table}"},
        "streams": {f"{jodgig_database}.{table}": {"primary_key": list(key)} for table, key in JODGIG_TABLES.items()},
    }


def sling_env(work_dir: Path) -> dict[str, str]:
    """The connections as Sling reads them (by name, from the environment), offline, its home under ``work_dir``."""
    target = without_driver(os.environ["PEERS_DATABASE_URL"])
    return {
        **os.environ,
        **OFFLINE_ENV,
        "SLING_HOME_DIR": str(work_dir / "sling_home"),
        "JODGIG": without_driver(os.environ["JODGIG_DATABASE_URL"]),
        "PEERS": target + ("&" if "?" in target else "?") + "sslmode=disable",
    }


def run_measured(argv: list[str], env: dict[str, str], log: Path) -> dict:
    """Run ``argv`` to its end, sampling its peak memory; its figures, its output to ``log``."""
    peak_kib = 0
    with log.open("w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        while True:
            peak_kib = max(peak_kib, _vm_hwm_kib(process.pid))
            waited, status, usage = os.wait4(process.pid, os.WNOHANG)
            if waited:
                break
            time.sleep(_SAMPLE_SECONDS)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "exit_code": process.returncode,
        "wall_seconds": wall,
        "peak_rss_mib": peak_kib / 1024,
        "ru_maxrss_mib": usage.ru_maxrss / 1024,
    }


def _vm_hwm_kib(pid: int) -> int:
    """The process's ``VmHWM``; 0 once it has exited (a zombie has no memory left to report)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) if found else 0


def inserted_rows(log_text: str) -> dict[str, int]:
    """The rows Sling's log says it inserted, by table."""
    rows = dict.fromkeys(JODGIG_TABLES, 0)
    for count, table in _INSERTED.findall(_ANSI.sub("", log_text)):
        rows[table] += int(count)
    return rows


@click.command()
@click.option("--work-dir", required=True, type=click.Path(file_okay=False), help="Sling's home and files.")
def main(work_dir: str) -> None:
    require_bench_extra()
    from sling_linux_amd64 import SLING_BIN

    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    config = work / "sling_replication.json"  # JSON is YAML
    config.write_text(json.dumps(replication(Path(os.environ["JODGIG_DATABASE_URL"]).name.split("?")[0])))
    log = work / "sling_last_run.log"
    figures = run_measured([SLING_BIN, "run", "--replication", str(config)], sling_env(work), log)
    if figures["exit_code"] != 0:
        raise click.ClickException(f"sling failed with exit code {figures['exit_code']}:\n{log.read_text()[-4000:]}")
    rows = inserted_rows(log.read_text())
    print(json.dumps({"success": True, **figures, "rows": sum(rows.values()), "rows_by_table": rows}))


if __name__ == "__main__":
    main()
