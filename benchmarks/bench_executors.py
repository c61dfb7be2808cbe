"""One full employer sync per executor (in-process, multiprocess, Celery) at a scale of the demo data set.

    python -m benchmarks.bench_executors --scale 10 [--rounds 2] [--batch-size 5000]

Generates the demo data into a fresh MariaDB database, then, round after round, runs the full
employer sync once per executor, each on a fresh platform database and through
``dagster job execute`` (the way an operator runs it), alternating the executors within a round.
Multiprocess and Celery run two batch steps at a time; Celery on two workers of one process each,
started with ``dagster-celery worker start`` on this machine, behind RabbitMQ and Redis. Reports
the process's wall time (start-up included) and the run's own time (its start to its end event).
Needs the servers of the test suite and the celery extra. Writes ``results/executors_latest.json``.
"""

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import click
import dagster as dg

from employer_sync_pipeline.demo.generator import DEMO_OBSOLETE_COMPANY_IDS, generate_demo_data
from employer_sync_pipeline_tests.support import servers
from employer_sync_pipeline_tests.support.celery_workers import celery_workers
from employer_sync_pipeline_tests.support.cli_jobs import job_processes, prepare_instance

RESULTS_FILE = Path(__file__).resolve().parent / "results" / "executors_latest.json"
EXECUTORS = ("in_process", "multiprocess", "celery")


@click.command()
@click.option("--scale", default=10, show_default=True, help="Copies of the demo data set.")
@click.option("--rounds", default=1, show_default=True, help="Runs per executor, alternated.")
@click.option("--batch-size", default=5000, show_default=True, help="full_refresh_batch_size.")
def main(scale: int, rounds: int, batch_size: int) -> None:
    jodgig = servers.create_jodgig_database()
    try:
        with jodgig.writer.begin() as conn:
            summary = generate_demo_data(conn, scale=scale)
        with tempfile.TemporaryDirectory(prefix="bench_executors_") as tmp:
            figures = _measure(Path(tmp), jodgig.reader_url, rounds, batch_size)
    finally:
        servers.drop_jodgig_database(jodgig)
    result = {"scale": scale, "batch_size": batch_size, "employers": summary.employers,
              "load_1min": os.getloadavg()[0], "runs": figures}
    RESULTS_FILE.parent.mkdir(exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(result, indent=2))
    click.echo(f"\nscale {scale}, full refresh in batches of {batch_size}")
    click.echo("| executor | round | process wall s | run s | records selected |")
    click.echo("|---|---|---:|---:|---:|")
    for run in figures:
        click.echo(f"| {run['executor']} | {run['round']} | {run['process_seconds']:.2f} | {run['run_seconds']:.2f} "
                   f"| {run['selected']} |")


def _measure(tmp: Path, jodgig_url: str, rounds: int, batch_size: int) -> list[dict]:
    home = tmp / "dagster_home"
    home.mkdir()
    prepare_instance(home)
    os.environ["DAGSTER_HOME"] = str(home)
    env = {"DAGSTER_HOME": str(home), "JODGIG_DATABASE_URL": jodgig_url,
           "JODGIG_OBSOLETE_COMPANY_IDS": ",".join(map(str, sorted(DEMO_OBSOLETE_COMPANY_IDS)))}
    ops = {"fan_out_batches": {"config": {"full_refresh_batch_size": batch_size}}}
    figures = []
    with job_processes(tmp) as start:
        for round_ in range(1, rounds + 1):
            for executor in EXECUTORS:
                platform = servers.create_platform_database()
                run_env = {**env, "PLATFORM_DATABASE_URL": platform.url}
                try:
                    with _execution(executor, run_env, tmp / f"{executor}-{round_}") as execution:
                        started = time.perf_counter()
                        process = start("employer_sync_job", {"execution": {"config": execution}, "ops": ops},
                                        run_env, f"{executor}-{round_}")
                        code = process.wait(timeout=1800)
                        process_seconds = time.perf_counter() - started
                    if code != 0:
                        raise click.ClickException(f"the {executor} run failed:\n{process.output()[-3000:]}")
                    figures.append({"executor": executor, "round": round_, "process_seconds": process_seconds,
                                    **_run_figures(home, platform.engine)})
                    click.echo(json.dumps(figures[-1]))
                finally:
                    servers.drop_platform_database(platform)
    return figures


@contextlib.contextmanager
def _execution(executor: str, env: dict[str, str], workdir: Path) -> Iterator[dict]:
    """The run's ``execution: config:``; for Celery, with two fresh workers in the run's environment."""
    if executor == "in_process":
        yield {"in_process": {}}
    elif executor == "multiprocess":
        yield {"multiprocess": {"max_concurrent": 2, "start_method": {"forkserver": {}}}}
    else:
        workdir.mkdir()
        with celery_workers(2, env, workdir) as pool:
            yield {"celery": pool.executor_config}


def _run_figures(home: Path, platform_engine) -> dict:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        [record] = instance.get_run_records(limit=1)
    with platform_engine.connect() as conn:
        selected = conn.exec_driver_sql("SELECT records_selected FROM gig_sync_logs").scalar_one()
    return {"run_seconds": record.end_time - record.start_time, "selected": selected, "run_id": record.dagster_run.run_id}


if __name__ == "__main__":
    main()
