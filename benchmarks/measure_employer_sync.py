"""Measure a full employer sync, MariaDB → PostgreSQL, at a scale of the demo data set.

    python -m benchmarks.measure_employer_sync --scale 10

Prints employers/s for a full sync through the real job (in its own process),
statements per batch of the set-based writer, and peak memory.
"""

import json
import os
import subprocess
import sys
from collections import Counter

import click
import sqlalchemy as sa

from employer_sync_pipeline.db.engines import create_jodgig_engine, create_platform_engine
from employer_sync_pipeline.settings import Settings
from employer_sync_pipeline.demo.generator import DEMO_OBSOLETE_COMPANY_IDS, generate_demo_data
from employer_sync_pipeline.domain.timezone import TimezoneService
from employer_sync_pipeline.sync.employer_batch import sync_employer_batch
from employer_sync_pipeline.sync.failure_reporting import NoReporter
from employer_sync_pipeline.sync.source_rules import Databases, SourceRules
from employer_sync_pipeline_tests.support import servers


def run_job(env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks._job_subprocess", "--full-refresh"],
        env={**os.environ, **env}, capture_output=True, text=True, check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def statements_per_batch(reader_url: str, platform_url: str, batch_size: int) -> Counter:
    """Statements one batch sends to each database, into a platform that has none of it yet."""
    limits = Settings.from_env().limits
    source, platform = create_jodgig_engine(reader_url, limits), create_platform_engine(platform_url, limits)
    counts: Counter = Counter()
    for name, engine in (("jodgig", source), ("platform", platform)):
        sa.event.listen(engine, "before_cursor_execute", lambda *_, name=name: counts.update([name]))
    with source.connect() as conn:
        ids = conn.execute(sa.text("SELECT id FROM users WHERE role <> 'TALENT' ORDER BY id LIMIT :n"),
                           {"n": batch_size}).scalars().all()
    rules = SourceRules(DEMO_OBSOLETE_COMPANY_IDS, TimezoneService())
    sync_employer_batch(Databases(source, platform, rules), ids, NoReporter())
    source.dispose()
    platform.dispose()
    return counts


@click.command()
@click.option("--scale", default=1, show_default=True)
def main(scale: int) -> None:
    jodgig = servers.create_jodgig_database()
    platform = servers.create_platform_database()
    try:
        with jodgig.writer.begin() as conn:
            summary = generate_demo_data(conn, scale=scale)
        env = {"JODGIG_DATABASE_URL": jodgig.reader_url, "PLATFORM_DATABASE_URL": platform.url,
               "JODGIG_OBSOLETE_COMPANY_IDS": ",".join(map(str, sorted(DEMO_OBSOLETE_COMPANY_IDS)))}
        job = run_job(env)
        with platform.engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE org_outlet_assignments, org_memberships, org_outlets, "
                                 "org_organisations, identities_users, gig_sync_logs")
        statements = statements_per_batch(jodgig.reader_url, platform.url, 1000)
    finally:
        servers.drop_jodgig_database(jodgig)
        servers.drop_platform_database(platform)
    employers = summary.employers
    click.echo(f"scale {scale}: {employers} employers, full sync {job['wall_seconds']:.2f} s wall "
               f"= {employers / job['wall_seconds']:,.0f} employers/s, peak RSS {job['peak_rss_mib']:.0f} MiB")
    click.echo(f"statements per batch of 1,000: {dict(statements)}")


if __name__ == "__main__":
    main()
