"""JIT latency, MariaDB → PostgreSQL: p50/p95 over N calls of ``sync_employer_now``.

    python -m benchmarks.bench_jit --calls 1000

Half the calls go to employers never synced (a full write), half to employers
already synced (the common login case: nothing to change). Also counts the
statements one call sends to each database.
"""

import os
import random
import statistics
import time
from collections import Counter

import click
import sqlalchemy as sa

from employer_sync_pipeline import jit
from employer_sync_pipeline.db.jodgig_queries import all_employer_ids
from employer_sync_pipeline.demo.generator import DEMO_OBSOLETE_COMPANY_IDS, generate_demo_data
from employer_sync_pipeline.domain.scope import ScopeSet
from employer_sync_pipeline.sync.employer_facts import classify_employers
from employer_sync_pipeline_tests.support import servers


def _percentiles(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms"


def _g_employer_ids(writer, count: int) -> list[int]:
    """A sample of set-G employers, classified by the sync's own rules."""
    with writer.connect() as conn:
        sets = classify_employers(conn, all_employer_ids(conn), DEMO_OBSOLETE_COMPANY_IDS)
    ids = sorted(user_id for user_id, scope_set in sets.items() if scope_set is ScopeSet.G)
    return random.Random(7).sample(ids, min(count, len(ids)))


def _time_calls(ids: list[int]) -> list[float]:
    samples = []
    for user_id in ids:
        started = time.perf_counter()
        jit.sync_employer_now(user_id)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _statements_per_call(user_id: int) -> Counter:
    """Statements by dialect: JodGig is MariaDB, the platform PostgreSQL."""
    counts: Counter = Counter()

    def count(conn, *_):
        counts.update(["jodgig" if conn.dialect.name == "mysql" else "platform"])

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    jit.sync_employer_now(user_id)
    sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
    return counts


@click.command()
@click.option("--calls", default=1000, show_default=True)
def main(calls: int) -> None:
    jodgig, platform = servers.create_jodgig_database(), servers.create_platform_database()
    try:
        with jodgig.writer.begin() as conn:
            generate_demo_data(conn)
        os.environ.update({"JODGIG_DATABASE_URL": jodgig.reader_url, "PLATFORM_DATABASE_URL": platform.url,
                           "JODGIG_OBSOLETE_COMPANY_IDS": ",".join(map(str, sorted(DEMO_OBSOLETE_COMPANY_IDS)))})
        ids = _g_employer_ids(jodgig.writer, calls // 2)
        first = _time_calls(ids)
        again = _time_calls(ids)
        click.echo(f"{len(first)} first syncs:  {_percentiles(first)}")
        click.echo(f"{len(again)} re-syncs:     {_percentiles(again)}")
        click.echo(f"all {len(first) + len(again)} calls: {_percentiles(first + again)}")
        click.echo(f"statements per call: {dict(_statements_per_call(ids[0]))}")
    finally:
        servers.drop_jodgig_database(jodgig)
        servers.drop_platform_database(platform)


if __name__ == "__main__":
    main()
