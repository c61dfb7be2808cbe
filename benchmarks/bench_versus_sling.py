"""Issue 18's two ratios, alternated round by round: the full employer sync against Sling's raw
copy of the same JodGig tables, and the no-op incremental run against an empty job.

    python -m benchmarks.bench_versus_sling --scale 30 --rounds 4

Needs the ``bench`` extra (``pip install -e '.[bench]'``). ``bench_peers`` runs each contender once,
minutes apart; on a shared machine whose speed moves within minutes, one such pair gave this
project 1.78× and another 2.74× Sling on the same code (benchmarks/README.md). Here the two run
back to back, each round into fresh databases, and the order flips every round (the sync first
in odd rounds, Sling first in even ones), so that a slow minute costs both. After its full sync,
each round also runs the no-op incremental (on the platform the sync just wrote) and the empty
job back to back, in an order that flips every other round. Prints each round's walls and
ratios, then the median and range of each ratio, and writes the figures to
``benchmarks/results/versus_sling_latest.json``.
"""

import json
import os
import statistics
import tempfile
import time

import click

from employer_sync_pipeline_tests.support import servers

from ._peer_common import require_bench_extra
from .bench_peers import PEERS, SLING, measure_peer
from .bench_sync import (
    JODGIG_DRIVER_OPTION, PROJECT_ROOT, RESULTS_FILE, _now, job_env, load_demo_data, machine, measure_job,
)  # fmt: skip

VERSUS_SLING_RESULTS_FILE = RESULTS_FILE.parent / "versus_sling_latest.json"
[SLING_PEER] = [peer for peer in PEERS if peer.name == SLING]


def _sync_round(jodgig: servers.JodgigTestDatabase, work_dir: str, jodgig_driver: str, no_op_first: bool) -> dict:
    """The full sync, then on its platform the no-op incremental and the empty job, in either order."""
    platform = servers.create_platform_database()
    try:
        env = job_env(jodgig, platform, work_dir, jodgig_driver)
        load = os.getloadavg()[0]
        run = measure_job("full employer sync", "employer", env, None, platform.engine)
        floor_pair = [("no_op", "incremental, no changes", "employer"), ("empty", "empty job", "empty")]
        walls = {key: measure_job(name, job, env, None, platform.engine).wall_seconds
                 for key, name, job in (floor_pair if no_op_first else floor_pair[::-1])}  # fmt: skip
        return {"wall_seconds": run.wall_seconds, "records": run.records, "load_average": load,
                "no_op_wall_seconds": walls["no_op"], "empty_job_wall_seconds": walls["empty"]}  # fmt: skip
    finally:
        servers.drop_platform_database(platform)


def _sling_round(jodgig: servers.JodgigTestDatabase, work_dir: str) -> dict:
    target = servers.create_platform_database()
    try:
        env = {"JODGIG_DATABASE_URL": jodgig.reader_url, "PEERS_DATABASE_URL": target.url}
        run = measure_peer(SLING_PEER, "first run", env, work_dir)
        return {"wall_seconds": run.measurement.wall_seconds, "records": run.measurement.records,
                "load_average": run.load_average}  # fmt: skip
    finally:
        servers.drop_platform_database(target)


def run_rounds(scale: int, rounds: int, jodgig_driver: str) -> dict:
    jodgig = servers.create_jodgig_database()
    try:
        summary, _ = load_demo_data(jodgig, scale)
        measured = []
        for index in range(rounds):
            with tempfile.TemporaryDirectory(prefix="bench_versus_sling_") as work_dir:
                sync_first, no_op_first = index % 2 == 0, index % 4 < 2
                if sync_first:
                    sync = _sync_round(jodgig, work_dir, jodgig_driver, no_op_first)
                sling = _sling_round(jodgig, work_dir)
                if not sync_first:
                    sync = _sync_round(jodgig, work_dir, jodgig_driver, no_op_first)
            measured.append({"round": index + 1, "sync_first": sync_first, "sync": sync, "sling": sling,
                             "ratio": sync["wall_seconds"] / sling["wall_seconds"],
                             "no_op_ratio": sync["no_op_wall_seconds"] / sync["empty_job_wall_seconds"]})  # fmt: skip
            click.echo(_round_line(measured[-1]))
        return {"scale": scale, "employers": summary.employers, "jodgig_driver": jodgig_driver,
                "machine": machine(jodgig.writer), "rounds": measured}  # fmt: skip
    finally:
        servers.drop_jodgig_database(jodgig)


def _round_line(measured: dict) -> str:
    sync, sling = measured["sync"], measured["sling"]
    order = "sync, then Sling" if measured["sync_first"] else "Sling, then sync"
    return (f"round {measured['round']} ({order}): full employer sync {sync['wall_seconds']:.2f} s "
            f"({sync['records']:,} employers, {sync['records'] / sync['wall_seconds']:,.0f}/s, load "
            f"{sync['load_average']:.1f}), Sling {sling['wall_seconds']:.2f} s (load {sling['load_average']:.1f}): "
            f"{measured['ratio']:.2f}× Sling; no-op {sync['no_op_wall_seconds']:.2f} s, empty job "
            f"{sync['empty_job_wall_seconds']:.2f} s: {measured['no_op_ratio']:.2f}× the empty job")  # fmt: skip


@click.command()
@click.option("--scale", default=30, show_default=True, help="Scale factor of the demo data set.")
@click.option("--rounds", default=4, show_default=True, help="Rounds of one sync and one Sling copy each.")
@JODGIG_DRIVER_OPTION
def main(scale: int, rounds: int, jodgig_driver: str) -> None:
    """The full employer sync against Sling's raw copy, and the no-op against an empty job, alternated
    (needs: pip install -e '.[bench]')."""
    require_bench_extra()
    started_at, started = _now(), time.perf_counter()
    figures = run_rounds(scale, rounds, jodgig_driver)
    ratios = sorted(r["ratio"] for r in figures["rounds"])
    no_op_ratios = sorted(r["no_op_ratio"] for r in figures["rounds"])
    click.echo(f"\n{len(ratios)} rounds at scale {scale}, JodGig through {jodgig_driver}: the full employer sync took "
               f"{statistics.median(ratios):.2f}× Sling's raw copy (median; {ratios[0]:.2f}–{ratios[-1]:.2f}×), "
               f"the no-op incremental {statistics.median(no_op_ratios):.2f}× the empty job "
               f"({no_op_ratios[0]:.2f}–{no_op_ratios[-1]:.2f}×)")
    VERSUS_SLING_RESULTS_FILE.parent.mkdir(exist_ok=True)
    VERSUS_SLING_RESULTS_FILE.write_text(json.dumps(
        {**figures, "started_at": started_at, "finished_at": _now()}, indent=2, default=str) + "\n")
    took = time.perf_counter() - started
    click.echo(f"wrote {VERSUS_SLING_RESULTS_FILE.relative_to(PROJECT_ROOT)}; the benchmark took {took:.0f} s")


if __name__ == "__main__":
    main()
