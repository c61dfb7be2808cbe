"""One dlt ``sql_database`` run, JodGig → PostgreSQL, in this process; prints its figures as JSON.

    python -m benchmarks._dlt_copy --backend connectorx --work-dir DIR

Copies the five JodGig tables as they are into the dataset (PostgreSQL schema) ``dlt_<backend>``
of ``PEERS_DATABASE_URL``, reading ``JODGIG_DATABASE_URL``. Every table is merged on its primary
key with an incremental cursor on ``updated_at`` (rows whose ``updated_at`` is NULL included, as
they never pass a cursor), so a second run with the same ``--work-dir`` is the pipeline's no-op
run. The pipelines and dlt's other files live under ``--work-dir``; no telemetry is sent.
Started by ``bench_peers`` in its own process, like ``_job_subprocess``; dlt runs its extract,
normalize and load steps in this process (its only child is a brief ``file -b`` from
``platform.architecture``), so this process's ``VmHWM`` is the run's peak.
"""

import json
import os
import time

import click

from benchmarks._baseline import process_figures
from benchmarks._peer_common import JODGIG_TABLES, OFFLINE_ENV, require_bench_extra

BACKENDS = ("sqlalchemy", "pyarrow", "connectorx")


def postgres_credentials(sqlalchemy_url: str) -> str:
    """dlt's PostgreSQL credentials require a password; a server that trusts loopback ignores it."""
    from sqlalchemy.engine import make_url

    url = make_url(sqlalchemy_url)
    return url.set(drivername="postgresql", password=url.password or "ignored-by-trust").render_as_string(False)


def copy_tables(backend: str, work_dir: str) -> dict[str, int]:
    """Run the pipeline once; the rows it loaded, by table."""
    import dlt
    from dlt.sources.sql_database import sql_database

    source = sql_database(os.environ["JODGIG_DATABASE_URL"], table_names=list(JODGIG_TABLES), backend=backend)
    for table in source.resources.values():
        table.apply_hints(
            write_disposition="merge",
            incremental=dlt.sources.incremental("updated_at", on_cursor_value_missing="include"),
        )
    pipeline = dlt.pipeline(
        pipeline_name=f"dlt_{backend}",
        pipelines_dir=os.path.join(work_dir, "pipelines"),
        destination=dlt.destinations.postgres(credentials=postgres_credentials(os.environ["PEERS_DATABASE_URL"])),
        dataset_name=f"dlt_{backend}",
    )
    pipeline.run(source)
    counts = pipeline.last_trace.last_normalize_info.row_counts
    return {table: counts.get(table, 0) for table in JODGIG_TABLES}


@click.command()
@click.option("--backend", type=click.Choice(BACKENDS), required=True)
@click.option("--work-dir", required=True, type=click.Path(file_okay=False), help="dlt's pipelines and files.")
def main(backend: str, work_dir: str) -> None:
    require_bench_extra()
    os.environ.update(OFFLINE_ENV)
    for name in ("DLT_DATA_DIR", "DLT_PROJECT_DIR", "DLT_LOCAL_DIR"):
        os.environ[name] = work_dir
    import dlt  # noqa: F401  (imported before the clock starts, as the jobs import Dagster before theirs)

    started = time.perf_counter()
    rows = copy_tables(backend, work_dir)
    wall = time.perf_counter() - started
    print(json.dumps({"success": True, **process_figures(wall), "rows": sum(rows.values()), "rows_by_table": rows}))


if __name__ == "__main__":
    main()
