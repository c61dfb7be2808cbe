"""The code before a change and after it, alternated in one invocation on the same JodGig data.

    python -m benchmarks.bench_alternate --scale 30 --before main --rounds 2

Generates the demo data set at the scale into a fresh MariaDB database (as ``bench_sync`` does),
exports the ``--before`` git ref into a temporary directory, and then, round after round, runs
the same jobs with the code before and the working tree's code, each job in its own process
(``_job_subprocess`` of that code) into a fresh platform database per variant and round: an
empty job, the full employer sync, an incremental run with no changes, and the full talent
sync. Alternating in one invocation is what makes a comparison on a shared machine fair; the
machine's load as each job started is printed beside it. Writes the figures to
``benchmarks/results/alternate_latest.json``.
"""

import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import click
import pandas as pd

from employer_sync_pipeline_tests.support import servers

from .bench_sync import PROJECT_ROOT, RESULTS_FILE, _now, job_env, load_demo_data, machine

ALTERNATE_RESULTS_FILE = RESULTS_FILE.parent / "alternate_latest.json"
#: Each job of a round: its name, and its arguments to ``_job_subprocess``.
JOBS = (
    ("empty job", ["--job", "empty"]),
    ("full employer sync", ["--job", "employer", "--full-refresh"]),
    ("incremental, no changes", ["--job", "employer"]),
    ("full talent sync", ["--job", "talent", "--full-refresh"]),
)


def export_ref(ref: str, into: Path) -> Path:
    """The tree of ``ref`` (a commit, branch or tag of this repository), without its history."""
    archive = subprocess.run(["git", "archive", ref], cwd=PROJECT_ROOT, capture_output=True, check=True).stdout
    tar_path = into / "tree.tar"
    tar_path.write_bytes(archive)
    tree = into / "tree"
    with tarfile.open(tar_path) as tar:
        tar.extractall(tree, filter="data")
    return tree


def run_job(tree: Path, args: list[str], env: dict[str, str]) -> dict:
    """One job with the code of ``tree``: its figures as ``_job_subprocess`` prints them."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks._job_subprocess", *args],
        cwd=tree, env={**os.environ, **env, "PYTHONPATH": str(tree)}, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise click.ClickException(f"{tree}: _job_subprocess {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_round(
    jodgig: servers.JodgigTestDatabase, variant: str, tree: Path, round_number: int, home: str, counts: dict
) -> list[dict]:
    platform = servers.create_platform_database()
    try:
        rows = []
        for name, args in JOBS:
            load = os.getloadavg()[0]
            out = run_job(tree, args, job_env(jodgig, platform, home))
            records = counts.get(args[1]) if "--full-refresh" in args else None
            rows.append({"round": round_number, "code": variant, "job": name, "records": records, "load": load, **out})
        return rows
    finally:
        servers.drop_platform_database(platform)


def results_table(rows: list[dict]) -> pd.DataFrame:
    def row(run: dict) -> dict:
        wall = run["wall_seconds"]
        return {
            "round": run["round"], "code": run["code"], "job": run["job"], "wall s": f"{wall:.2f}",
            "records/s": f"{run['records'] / wall:,.0f}" if run["records"] else "",
            "CPU s (job + readers)": f"{run.get('cpu_seconds', 0):.1f} + {run.get('children_cpu_seconds', 0):.1f}",
            "peak RSS MiB": f"{run['peak_rss_mib']:.0f}",
            "of which readers": f"{run['reader_peak_uss_mib']:.0f}" if "reader_peak_uss_mib" in run else "",
            "load": f"{run['load']:.1f}",
        }  # fmt: skip

    return pd.DataFrame([row(run) for run in rows])


@click.command()
@click.option("--scale", default=1, show_default=True, help="Scale factor of the demo data set.")
@click.option("--before", "before_ref", default="main", show_default=True, help="Git ref of the code before.")
@click.option("--rounds", default=2, show_default=True, help="How many times each variant runs every job.")
def main(scale: int, before_ref: str, rounds: int) -> None:
    started_at, started = _now(), time.perf_counter()
    jodgig = servers.create_jodgig_database()
    try:
        summary, _ = load_demo_data(jodgig, scale)
        counts = {"employer": summary.employers, "talent": summary.talents}
        with tempfile.TemporaryDirectory(prefix="bench_alternate_") as work_dir:
            variants = {f"before ({before_ref})": export_ref(before_ref, Path(work_dir)), "after": PROJECT_ROOT}
            rows = [
                row
                for round_number in range(1, rounds + 1)
                for variant, tree in variants.items()
                for row in run_round(jodgig, variant, tree, round_number, work_dir, counts)
            ]
        host = machine(jodgig.writer)
    finally:
        servers.drop_jodgig_database(jodgig)
    click.echo(f"scale {scale}: {summary.employers:,} employers, {summary.talents:,} talents\n")
    click.echo(results_table(rows).to_markdown(index=False))
    ALTERNATE_RESULTS_FILE.parent.mkdir(exist_ok=True)
    payload = {"scale": scale, "before": before_ref, "started_at": started_at, "finished_at": _now(),
               "machine": host, "runs": rows}  # fmt: skip
    ALTERNATE_RESULTS_FILE.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    click.echo(f"\nwrote {ALTERNATE_RESULTS_FILE.relative_to(PROJECT_ROOT)}; took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
