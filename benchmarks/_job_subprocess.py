"""Runs one job once in this process and prints wall time and peak RSS as JSON (``process_figures``).

    python -m benchmarks._job_subprocess --job employer [--full-refresh] [--batch-size N]

Started as its own process by the benchmarks, so its peak memory is the job's alone, the JodGig
reader processes it forks included (``_reader_memory``); the process's own ``VmHWM`` and the
readers' peak private memory are printed too.
``--job empty`` runs a one-op job on the same executor: the floor of any run.
"""

import json
import time

import click
import dagster as dg

from benchmarks._baseline import process_figures
from benchmarks._reader_memory import ChildMemorySampler
from employer_sync_pipeline.definitions import defs

#: The watermark op of each sync job, which takes the ``full_refresh`` config.
_WATERMARK_OPS = {"employer_sync_job": "compute_watermark", "talent_sync_job": "talent_compute_watermark"}
_JOBS = {"empty": "empty_job", "employer": "employer_sync_job", "talent": "talent_sync_job"}


@dg.op
def do_nothing() -> None:
    """The one trivial op of the empty job."""


@dg.job(executor_def=dg.in_process_executor)
def empty_job():
    do_nothing()


def job_and_config(job_name: str, full_refresh: bool, batch_size: int | None) -> tuple[dg.JobDefinition, dict]:
    """The job and its run config: console logging only warnings, the job's own defaults otherwise."""
    config: dict = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    if job_name == "empty_job":
        return empty_job, config
    config["ops"] = {_WATERMARK_OPS[job_name]: {"config": {"full_refresh": full_refresh}}}
    if batch_size is not None:
        config["ops"]["fan_out_batches"] = {"config": {"batch_size": batch_size}}
    return defs.get_job_def(job_name), config


@click.command()
@click.option("--job", "job_key", type=click.Choice(sorted(_JOBS)), default="employer", show_default=True)
@click.option("--full-refresh", is_flag=True)
@click.option("--batch-size", type=int, help="fan_out_batches batch_size; default: the job's own.")
def main(job_key: str, full_refresh: bool, batch_size: int | None) -> None:
    job, run_config = job_and_config(_JOBS[job_key], full_refresh, batch_size)
    with ChildMemorySampler() as readers:
        started = time.perf_counter()
        result = job.execute_in_process(run_config=run_config)
        wall = time.perf_counter() - started
    figures = process_figures(wall)
    figures["job_peak_rss_mib"], figures["reader_peak_uss_mib"] = figures["peak_rss_mib"], readers.children_peak_mib
    figures["peak_rss_mib"] = max(figures["peak_rss_mib"], readers.with_children_peak_mib)
    print(json.dumps({"success": result.success, **figures}))


if __name__ == "__main__":
    main()
