"""The batch syncs side by side, MariaDB → PostgreSQL, at a scale of the demo data set.

    python -m benchmarks.bench_sync --scale 30 [--baseline-limit 5000] [--batch-size N] [--jodgig-driver mysqldb]

Each measurement is its own process (``_job_subprocess``, ``_baseline``), in this
order: an empty job (the floor), the full employer sync, an incremental run with
no changes, an incremental run after changing 1% of the employers, the full
talent sync, and the per-record baseline on a second, empty platform database (timed on a
sample spread over all employers, its wall time extrapolated, when there are more than
``--baseline-limit``).
Prints one table (every ratio from runs of this invocation), the EXPLAIN of the
incremental selection, and writes the figures to ``benchmarks/results/latest.json``.
"""

import json
import os
import platform as host
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import click
import pandas as pd
import sqlalchemy as sa

from employer_sync_pipeline.db.platform_snapshot import platform_totals
from employer_sync_pipeline.db.platform_tables import gig_sync_logs
from employer_sync_pipeline.demo.generator import DEMO_OBSOLETE_COMPANY_IDS, DemoSummary, generate_demo_data
from employer_sync_pipeline.sync.sync_definitions import EMPLOYER_SYNC, TALENT_SYNC
from employer_sync_pipeline_tests.support import servers

from employer_sync_pipeline_tests.support.demo_repair import repair_rejected_emails

from ._jodgig_changes import apply_changes, explain_incremental_selection

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RESULTS_FILE = Path(__file__).resolve().parent / "results" / "latest.json"
_SYNCS = {"employer": (EMPLOYER_SYNC.origin_table, "employers"), "talent": (TALENT_SYNC.origin_table, "talents")}


@dataclass
class Measurement:
    """One measured process. ``wall_seconds`` is timed inside it, ``process_seconds`` by the parent.

    ``peak_rss_mib`` is the child's own peak; ``ru_maxrss_mib`` includes this parent's (see
    ``_baseline.process_figures``).
    """

    name: str
    wall_seconds: float
    peak_rss_mib: float
    ru_maxrss_mib: float
    process_seconds: float | None
    started_at: str
    finished_at: str
    records: int | None = None
    unit: str = ""
    sync_mode: str = ""
    details: dict = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        return self.records / self.wall_seconds if self.records else None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def run_child(module: str, args: list[str], env: dict[str, str]) -> tuple[dict, dict]:
    """Run ``python -m module`` in its own process: its last JSON line, and the parent's timing."""
    started_at, started = _now(), time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        env={**os.environ, **env}, cwd=PROJECT_ROOT, capture_output=True, text=True,
    )  # fmt: skip
    timing = {"process_seconds": time.perf_counter() - started, "started_at": started_at, "finished_at": _now()}
    if done.returncode != 0:
        raise click.ClickException(f"{module} {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), timing


def last_sync_log(platform: sa.Engine, origin_table: str) -> dict:
    """The latest ``gig_sync_logs`` row of a sync: its mode and counts."""
    log = gig_sync_logs
    query = (
        sa.select(log.c.sync_mode, log.c.is_successful, log.c.records_selected, log.c.records_synced,
                  log.c.records_deactivated, log.c.records_skipped, log.c.records_failed)
        .where(log.c.origin_table == origin_table)
        .order_by(log.c.id.desc())
        .limit(1)
    )  # fmt: skip
    with platform.connect() as conn:
        return dict(conn.execute(query).mappings().one())


def measure_job(name: str, job: str, env: dict[str, str], batch_size: int | None, platform: sa.Engine) -> Measurement:
    """Run one job in its own process; a sync's records are what its sync log row says it selected."""
    args = ["--job", job] + (["--batch-size", str(batch_size)] if batch_size is not None else [])
    out, timing = run_child("benchmarks._job_subprocess", args, env)
    measurement = Measurement(name, out["wall_seconds"], out["peak_rss_mib"], out["ru_maxrss_mib"], **timing)
    if job in _SYNCS:
        origin_table, measurement.unit = _SYNCS[job]
        log = last_sync_log(platform, origin_table)
        measurement.records, measurement.sync_mode, measurement.details = log["records_selected"], log["sync_mode"], log
    return measurement


def measure_baseline(env: dict[str, str], limit: int) -> Measurement:
    """The per-record baseline on at most ``limit`` employers, spread over all; its wall time is extrapolated."""
    out, timing = run_child("benchmarks._baseline", ["--limit", str(limit)], env)
    rate = out["timed_employers"] / out["wall_seconds"]
    extrapolated = out["timed_employers"] < out["employers"]
    return Measurement(
        "per-record baseline" + (" (extrapolated)" if extrapolated else ""),
        wall_seconds=out["employers"] / rate,
        peak_rss_mib=out["peak_rss_mib"],
        ru_maxrss_mib=out["ru_maxrss_mib"],
        records=out["employers"],
        unit="employers",
        details={
            "timed_employers": out["timed_employers"], "failed": out["failed"], "extrapolated": extrapolated,
            "measured_wall_seconds": out["wall_seconds"], "measured_process_seconds": timing["process_seconds"],
        },  # fmt: skip
        **{**timing, "process_seconds": None if extrapolated else timing["process_seconds"]},
    )


def results_table(runs: list[Measurement]) -> pd.DataFrame:
    """One row per measurement; ratios against this invocation's empty job and baseline."""
    empty, baseline = runs[0], runs[-1]

    def figure(value: float | None, spec: str) -> str:
        return "" if value is None else format(value, spec)

    def versus_baseline(run: Measurement) -> float | None:
        return run.rate / baseline.rate if run.rate and run.unit == baseline.unit else None

    return pd.DataFrame([
        {
            "measurement": run.name,
            "mode": run.sync_mode,
            "records": figure(run.records, ",d") + (f" {run.unit}" if run.unit else ""),
            "wall s": figure(run.wall_seconds, ",.2f"),
            "process s": figure(run.process_seconds, ",.2f"),
            "records/s": figure(run.rate, ",.0f"),
            "× baseline throughput": figure(versus_baseline(run), ",.1f"),
            "× empty wall": figure(run.wall_seconds / empty.wall_seconds, ",.1f"),
            "peak RSS MiB": figure(run.peak_rss_mib, ",.0f"),
        }
        for run in runs
    ])  # fmt: skip


def machine(*engines: sa.Engine) -> dict:
    """The host, and the version of each database server."""
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_kib = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal:"))
    versions = {}
    for engine in engines:
        with engine.connect() as conn:
            versions[engine.dialect.name] = conn.exec_driver_sql("SELECT version()").scalar_one()
    return {
        "cpu_count": os.cpu_count(),
        "memory_total_mib": mem_kib // 1024,
        "python": host.python_version(),
        "platform": host.platform(),
        "servers": versions,
    }


#: ``--jodgig-driver``: how this project's runs read JodGig (mysqldb: the ``mysqlclient`` extra).
JODGIG_DRIVER_OPTION = click.option(
    "--jodgig-driver", type=click.Choice(servers.JODGIG_DRIVERS), default="pymysql", show_default=True,
    help="The driver this project's runs read JodGig with (mysqldb: pip install -e '.[mysqlclient]').",
)


def job_env(
    jodgig: servers.JodgigTestDatabase, platform: servers.PlatformTestDatabase, home: str, jodgig_driver: str = "pymysql"
) -> dict[str, str]:
    return {
        "JODGIG_DATABASE_URL": servers.with_jodgig_driver(jodgig.reader_url, jodgig_driver),
        "PLATFORM_DATABASE_URL": platform.url,
        "JODGIG_OBSOLETE_COMPANY_IDS": ",".join(map(str, sorted(DEMO_OBSOLETE_COMPANY_IDS))),
        "DAGSTER_HOME": home,
    }


def compare_platforms(synced: dict[str, int], baseline: dict[str, int], baseline_run: Measurement) -> str:
    """Whether the baseline wrote what the sync wrote (only meaningful when it covered every employer)."""
    if baseline_run.details["extrapolated"]:
        return f"baseline platform rows ({baseline_run.details['timed_employers']:,} employers): {baseline}"
    differences = {key: (synced.get(key), baseline.get(key)) for key in synced.keys() | baseline.keys()
                   if synced.get(key) != baseline.get(key)}  # fmt: skip
    return "platform rows after the employer sync and after the baseline: " + (
        "identical" if not differences else f"differ (sync, baseline): {differences}"
    )


def load_demo_data(jodgig: servers.JodgigTestDatabase, scale: int) -> tuple[DemoSummary, int]:
    """The demo data set at ``scale``, then the e-mails the sync would reject repaired: its summary and that count."""
    with jodgig.writer.begin() as conn:
        summary = generate_demo_data(conn, scale=scale)
    with jodgig.writer.begin() as conn:
        repaired = repair_rejected_emails(conn)
    return summary, repaired


def run_benchmark(scale: int, baseline_limit: int, batch_size: int | None, jodgig_driver: str) -> dict:
    """Everything, on fresh databases dropped at the end; returns the figures."""
    jodgig, platform = servers.create_jodgig_database(), servers.create_platform_database()
    baseline_platform = None
    try:
        summary, repaired = load_demo_data(jodgig, scale)
        with tempfile.TemporaryDirectory(prefix="bench_sync_dagster_home_") as home:
            env = job_env(jodgig, platform, home, jodgig_driver)
            runs = [
                measure_job("empty job", "empty", env, batch_size, platform.engine),
                measure_job("full employer sync", "employer", env, batch_size, platform.engine),
                measure_job("incremental, no changes", "employer", env, batch_size, platform.engine),
            ]
            changes = apply_changes(jodgig.writer, summary.employers)
            runs.append(measure_job("incremental after 1% changes", "employer", env, batch_size, platform.engine))
            with platform.engine.connect() as conn:
                synced_rows = platform_totals(conn)
            explain_sql, explain = explain_incremental_selection(jodgig.writer)
            runs.append(measure_job("full talent sync", "talent", env, batch_size, platform.engine))
            baseline_platform = servers.create_platform_database()
            runs.append(measure_baseline(job_env(jodgig, baseline_platform, home, jodgig_driver), baseline_limit))
            with baseline_platform.engine.connect() as conn:
                baseline_rows = platform_totals(conn)
        return {
            "scale": scale, "batch_size": batch_size, "baseline_limit": baseline_limit, "jodgig_driver": jodgig_driver,
            "machine": machine(jodgig.writer, platform.engine), "data_set": asdict(summary),
            "repaired_emails": repaired, "changes": changes, "runs": runs,
            "explain_sql": explain_sql, "explain": explain,
            "platform_rows": {"sync": synced_rows, "baseline": baseline_rows},
        }  # fmt: skip
    finally:
        servers.drop_jodgig_database(jodgig)
        servers.drop_platform_database(platform)
        if baseline_platform is not None:
            servers.drop_platform_database(baseline_platform)


def report(figures: dict) -> None:
    """Print the table, the notes that go with it, and the EXPLAIN."""
    runs, changes, data = figures["runs"], figures["changes"], figures["data_set"]
    after_changes, baseline = runs[3], runs[-1]
    click.echo(f"scale {figures['scale']}, JodGig read through {figures['jodgig_driver']}: "
               f"{data['employers']:,} employers, {data['talents']:,} talents; "
               f"{figures['repaired_emails']} employer e-mails the sync would reject (invalid, duplicate, NULL) "
               "were repaired first, so every run succeeds and the watermark advances")
    click.echo(f"1% changes: {changes.summary()}; the incremental run selected {after_changes.records:,}\n")
    click.echo(results_table(runs).to_markdown(index=False))
    click.echo(f"\nper-record baseline: {baseline.details['timed_employers']:,} of {baseline.records:,} employers "
               f"in {baseline.details['measured_wall_seconds']:.2f} s = {baseline.rate:,.0f} employers/s"
               + (" (spread over all of them); its wall time is EXTRAPOLATED to all employers"
                  if baseline.details["extrapolated"] else ""))
    click.echo(compare_platforms(figures["platform_rows"]["sync"], figures["platform_rows"]["baseline"], baseline))
    click.echo("the talent row's throughput is not compared with the employer baseline\n")
    click.echo("EXPLAIN of the incremental employer selection (a 1-hour window ending now):")
    click.echo(f"{figures['explain_sql']}\n")
    click.echo(figures["explain"].to_markdown(index=False))
    plan = figures["explain"]
    scanned = plan[(plan["type"] == "ALL") & ~plan["table"].str.startswith("<")]["table"].tolist()
    click.echo(f"full scans of a JodGig table: {', '.join(scanned) if scanned else 'none'}")


def write_json(figures: dict, started_at: str) -> None:
    payload = {
        **figures,
        "started_at": started_at,
        "finished_at": _now(),
        "parent_ru_maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "changes": asdict(figures["changes"]),
        "runs": [asdict(run) | {"rate_per_second": run.rate} for run in figures["runs"]],
        "explain": figures["explain"].to_dict(orient="records"),
    }
    RESULTS_FILE.parent.mkdir(exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(payload, indent=2, default=str) + "\n")


@click.command()
@click.option("--scale", default=1, show_default=True, help="Scale factor of the demo data set.")
@click.option("--baseline-limit", default=5000, show_default=True, help="Most employers the baseline is timed on.")
@click.option("--batch-size", type=int, help="fan_out_batches batch_size (incremental runs); default: the job's own.")
@JODGIG_DRIVER_OPTION
def main(scale: int, baseline_limit: int, batch_size: int | None, jodgig_driver: str) -> None:
    started_at, started = _now(), time.perf_counter()
    figures = run_benchmark(scale, baseline_limit, batch_size, jodgig_driver)
    report(figures)
    write_json(figures, started_at)
    took = time.perf_counter() - started
    click.echo(f"\nwrote {RESULTS_FILE.relative_to(PROJECT_ROOT)}; the benchmark took {took:.0f} s")


if __name__ == "__main__":
    main()
