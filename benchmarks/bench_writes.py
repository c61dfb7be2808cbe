"""The PostgreSQL write path: the rows as one JSON parameter, against a multi-row ``INSERT … VALUES``
upsert (SQLAlchemy's executemany, which sends 1,000 rows per statement), on the same rows.

    python -m benchmarks.bench_writes [--rows 5000] [--repeat 5]

On a fresh platform database, for each path: insert ``--rows`` employer identities, upsert them
again unchanged (the no-op a re-run is), then with every name changed. Each figure is the best
wall time of ``--repeat`` rounds, with this process's CPU time of that round beside it, the two
paths alternated within each round, so that other load on the machine hits both. The VALUES path
uses the same guard and returns the ids it writes, as the project's statement does.
"""

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from unittest import mock

import click
import sqlalchemy as sa

from employer_sync_pipeline.db import identities
from employer_sync_pipeline.db import upsert
from employer_sync_pipeline.db.engines import create_platform_engine
from employer_sync_pipeline.db.platform_tables import identities_users
from employer_sync_pipeline.domain.mapping import IdentityRow
from employer_sync_pipeline.settings import Settings
from employer_sync_pipeline_tests.support import servers

_T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)


def identity_rows(count: int, name: str) -> list[IdentityRow]:
    return [
        IdentityRow(i, "employer", f"user{i}@example.com", name, "Tan", "+6591234567", _T0, _T0 + timedelta(seconds=i))
        for i in range(1, count + 1)
    ]


def timed(engine: sa.Engine, rows: list[IdentityRow]) -> tuple[float, float]:
    """(wall, CPU) seconds of one upsert."""
    started, cpu = time.perf_counter(), time.process_time()
    with engine.begin() as conn:
        identities.upsert_identities(conn, rows)
    return time.perf_counter() - started, time.process_time() - cpu


def one_round(engine: sa.Engine, count: int) -> dict[str, tuple[float, float]]:
    figures = {}
    with engine.begin() as conn:
        conn.execute(sa.delete(identities_users))
    figures["insert"] = timed(engine, identity_rows(count, "Ada"))
    figures["unchanged"] = timed(engine, identity_rows(count, "Ada"))
    figures["all changed"] = timed(engine, identity_rows(count, "Bea"))
    return figures


@click.command()
@click.option("--rows", default=5000, show_default=True)
@click.option("--repeat", default=5, show_default=True)
def main(rows: int, repeat: int) -> None:
    platform = servers.create_platform_database()
    engine = create_platform_engine(platform.url, Settings.from_env().limits)
    paths: dict[str, Callable[[], dict[str, tuple[float, float]]]] = {
        "JSON parameter": lambda: one_round(engine, rows),
        "INSERT … VALUES": lambda: _with_values(lambda: one_round(engine, rows)),
    }
    best: dict[str, dict[str, tuple[float, float]]] = {}
    try:
        for _ in range(repeat):
            for path, run in paths.items():
                for case, figures in run().items():
                    path_best = best.setdefault(path, {})
                    path_best[case] = min(figures, path_best.get(case, (float("inf"), 0.0)))
    finally:
        engine.dispose()
        servers.drop_platform_database(platform)
    for path, cases in best.items():
        click.echo(
            f"{path:18} "
            + ", ".join(f"{case} {wall * 1000:,.0f} ms (CPU {cpu * 1000:,.0f})" for case, (wall, cpu) in cases.items())
            + f"  ({rows:,} identities, best of {repeat})"
        )


def _with_values(run: Callable[[], dict[str, tuple[float, float]]]) -> dict[str, tuple[float, float]]:
    """The baseline: SQLite's multi-row VALUES path, run on PostgreSQL."""
    with mock.patch.object(identities, "upsert_returning_ids", upsert.upsert_with_values):
        return run()


if __name__ == "__main__":
    main()
