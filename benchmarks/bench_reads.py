"""What reading JodGig costs in the driver: DATETIME decoding, and every row a full sync reads, per driver.

    python -m benchmarks.bench_reads [--scale 3] [--repeat 3]

Prints, best of ``--repeat``: the CPU time of 100,000 DATETIME values decoded by pymysql's
converter and by ``jodgig_reads.decode_datetime``; then, for pymysql and for mysqlclient
(``mysql+mysqldb://``, the ``mysqlclient`` extra) side by side in this process, the CPU and wall
time of reading every row the full employer and talent syncs read: each employer's facts through
the sync's loader and each talent, in batches of 1,000. The drivers alternate, so a change in the
machine's load hits both. CPU time is this process only; MariaDB's own work shows in wall time.
"""

import importlib
import time
from collections.abc import Callable

import click
from pymysql import converters

from employer_sync_pipeline.db.engines import create_jodgig_engine
from employer_sync_pipeline.db.jodgig_queries import all_employer_ids, all_talent_ids, load_users
from employer_sync_pipeline.db.jodgig_reads import decode_datetime
from employer_sync_pipeline.demo.generator import DEMO_OBSOLETE_COMPANY_IDS, generate_demo_data
from employer_sync_pipeline.domain.batching import batched
from employer_sync_pipeline.domain.scope import TALENT
from employer_sync_pipeline.settings import Settings
from employer_sync_pipeline.sync.employer_facts import load_employer_batch
from employer_sync_pipeline_tests.support import servers

DRIVERS = ("pymysql", "mysqldb")


def best_cpu_seconds(work: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.process_time()
        work()
        timings.append(time.process_time() - started)
    return min(timings)


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """CPU and wall seconds of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    work()
    return time.process_time() - cpu, time.perf_counter() - wall


def read_what_the_syncs_read(engine, employer_ids, talent_ids) -> None:
    with engine.connect() as conn:
        for chunk in batched(employer_ids, 1000):
            load_employer_batch(conn, chunk, DEMO_OBSOLETE_COMPANY_IDS)
        for chunk in batched(talent_ids, 1000):
            load_users(conn, chunk, (TALENT,))


def compare_drivers(reader_url: str, repeat: int) -> dict[str, tuple[float, float]]:
    """Best CPU and best wall seconds per driver of reading every row, drivers alternated."""
    limits = Settings.from_env({}).limits
    engines = {driver: create_jodgig_engine(servers.with_jodgig_driver(reader_url, driver), limits)
               for driver in DRIVERS}  # fmt: skip
    with engines["pymysql"].connect() as conn:
        employer_ids, talent_ids = all_employer_ids(conn), all_talent_ids(conn)
    timings = {driver: [] for driver in DRIVERS}
    try:
        for _ in range(repeat):
            for driver, engine in engines.items():
                timings[driver].append(timed(lambda: read_what_the_syncs_read(engine, employer_ids, talent_ids)))
    finally:
        for engine in engines.values():
            engine.dispose()
    click.echo(f"every row the full syncs read: {len(employer_ids):,} employers, {len(talent_ids):,} talents")
    return {driver: (min(cpu for cpu, _ in runs), min(wall for _, wall in runs)) for driver, runs in timings.items()}


def require_mysqlclient() -> None:
    try:
        importlib.import_module("MySQLdb")
    except ImportError:
        raise click.ClickException("mysqlclient is not installed: apt-get install libmariadb-dev pkg-config, "
                                   "then pip install -e '.[mysqlclient]'") from None


@click.command()
@click.option("--scale", default=3, show_default=True)
@click.option("--repeat", default=3, show_default=True)
def main(scale: int, repeat: int) -> None:
    require_mysqlclient()
    values = ["2026-03-01 09:00:00", "2026-03-01 09:00:00.123456"] * 50_000
    for name, decode in (("pymysql convert_datetime", converters.convert_datetime), ("decode_datetime", decode_datetime)):
        seconds = best_cpu_seconds(lambda: [decode(v) for v in values], repeat)
        click.echo(f"100,000 DATETIMEs, {name}: {seconds * 1000:.0f} ms")
    jodgig = servers.create_jodgig_database()
    try:
        with jodgig.writer.begin() as conn:
            generate_demo_data(conn, scale=scale)
        best = compare_drivers(jodgig.reader_url, repeat)
    finally:
        servers.drop_jodgig_database(jodgig)
    for driver, (cpu, wall) in best.items():
        ratio = cpu / best["pymysql"][0]
        click.echo(f"  {driver:8} {cpu:6.2f} s CPU ({ratio:.2f}× pymysql), {wall:6.2f} s wall, best of {repeat}")


if __name__ == "__main__":
    main()
