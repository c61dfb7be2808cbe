"""What reading JodGig costs in the driver: DATETIME decoding, and the loader of a full employer sync.

    python -m benchmarks.bench_reads [--scale 3]

Prints CPU times (this process only, so other load on the machine matters less), best of
``--repeat``: 100,000 DATETIME values decoded by pymysql's converter and by
``jodgig_reads.decode_datetime``, then every employer loaded in batches of 1,000 with each
decoder.
"""

import time
from collections.abc import Callable
from unittest import mock

import click
from pymysql import converters
from pymysql.constants import FIELD_TYPE

from employer_sync_pipeline.db import jodgig_queries
from employer_sync_pipeline.db.engines import create_jodgig_engine
from employer_sync_pipeline.db.jodgig_queries import all_employer_ids
from employer_sync_pipeline.db.jodgig_reads import decode_datetime
from employer_sync_pipeline.demo.generator import DEMO_OBSOLETE_COMPANY_IDS, generate_demo_data
from employer_sync_pipeline.domain.batching import batched
from employer_sync_pipeline.sync.employer_facts import load_employer_batch
from employer_sync_pipeline_tests.support import servers
from employer_sync_pipeline.settings import Settings


def best_cpu_seconds(work: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.process_time()
        work()
        timings.append(time.process_time() - started)
    return min(timings)


def load_every_employer(engine, ids) -> None:
    with engine.connect() as conn:
        for chunk in batched(ids, 1000):
            load_employer_batch(conn, chunk, DEMO_OBSOLETE_COMPANY_IDS)


def with_pymysql_datetimes(conn):
    """What the loaders did before ``use_cheap_datetimes``: pymysql's own converter."""
    conn.connection.dbapi_connection.decoders[FIELD_TYPE.DATETIME] = converters.convert_datetime
    return conn


@click.command()
@click.option("--scale", default=3, show_default=True)
@click.option("--repeat", default=3, show_default=True)
def main(scale: int, repeat: int) -> None:
    values = ["2026-03-01 09:00:00", "2026-03-01 09:00:00.123456"] * 50_000
    for name, decode in (("pymysql convert_datetime", converters.convert_datetime), ("decode_datetime", decode_datetime)):
        seconds = best_cpu_seconds(lambda: [decode(v) for v in values], repeat)
        click.echo(f"100,000 DATETIMEs, {name}: {seconds * 1000:.0f} ms")
    jodgig = servers.create_jodgig_database()
    try:
        with jodgig.writer.begin() as conn:
            generate_demo_data(conn, scale=scale)
        engine = create_jodgig_engine(jodgig.reader_url, Settings.from_env().limits)
        with engine.connect() as conn:
            ids = all_employer_ids(conn)
        before, after = [], []
        for _ in range(repeat):  # alternated, so that a change in the machine's load hits both
            with mock.patch.object(jodgig_queries, "use_cheap_datetimes", with_pymysql_datetimes):
                before.append(best_cpu_seconds(lambda: load_every_employer(engine, ids), 1))
            after.append(best_cpu_seconds(lambda: load_every_employer(engine, ids), 1))
        before, after = min(before), min(after)
        for name, seconds in (("pymysql convert_datetime", before), ("decode_datetime", after)):
            click.echo(f"load {len(ids):,} employers, {name}: {seconds * 1000:.0f} ms CPU, "
                       f"{seconds / len(ids) * 1e6:.0f} µs per employer")
        engine.dispose()
    finally:
        servers.drop_jodgig_database(jodgig)


if __name__ == "__main__":
    main()
