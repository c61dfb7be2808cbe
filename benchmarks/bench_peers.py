"""This project beside its peers, dlt and Sling, on the same JodGig data, in one invocation.

    python -m benchmarks.bench_peers --scale 30 [--jodgig-driver mysqldb]

Needs the ``bench`` extra (``pip install -e '.[bench]'``). Generates the demo data set at the
scale into a fresh MariaDB database as ``bench_sync`` does, then measures, each in its own
process and in this order:

- this project's runs, into a fresh platform database (``bench_sync.measure_job``: ``VmHWM`` of
  the job's process): an empty job (the floor), the full employer sync, an incremental run with
  no changes, an incremental run after ``bench_sync``'s 1% changes to JodGig
  (``_jodgig_changes.apply_changes``), and the full talent sync;
- the first run of each peer (after the 1% changes), a raw copy of the five JodGig tables into its own schema of a
  second fresh PostgreSQL database: dlt ``sql_database`` with the sqlalchemy, pyarrow and
  connectorx backends (``_dlt_copy``: ``VmHWM`` of its process), and Sling (``_sling_copy``:
  ``VmHWM`` of the Sling process, sampled);
- then, after hard-deleting a few ``outlet_user`` rows in JodGig (no ``updated_at`` moves, so
  the second runs stay no-ops), each peer's second run: its no-op.

Every peer merges each table on its primary key with an incremental cursor on ``updated_at``.
Prints one table (the ratios are to Sling's and to this project's run of the same kind, first
or no-op, from this invocation), what the copies hold, and writes the figures to
``benchmarks/results/peers_latest.json``. The machine may be shared: absolute figures are noisy.
"""

import json
import os
import resource
import tempfile
import time
from dataclasses import asdict, dataclass
from importlib.metadata import version

import click
import pandas as pd
import sqlalchemy as sa

from employer_sync_pipeline.db.jodgig_tables import users
from employer_sync_pipeline.db.platform_snapshot import platform_totals
from employer_sync_pipeline_tests.support import servers

from ._jodgig_changes import Changes, apply_changes, delete_outlet_links
from ._peer_common import JODGIG_TABLES, require_bench_extra
from .bench_sync import (
    JODGIG_DRIVER_OPTION, PROJECT_ROOT, RESULTS_FILE, Measurement, _now, job_env, load_demo_data, machine,
    measure_job, run_child,
)  # fmt: skip

PEERS_RESULTS_FILE = RESULTS_FILE.parent / "peers_latest.json"
DELETED_OUTLET_LINKS = 10
FIRST, NO_OP = "first run", "no-op run"
#: This project's other runs, beside no peer's.
FLOOR, AFTER_CHANGES, TALENTS = "floor", "after 1% changes", "talents"
PROJECT, SLING = "this project", "Sling"


@dataclass(frozen=True)
class Peer:
    name: str
    schema: str
    module: str
    args: tuple[str, ...]


PEERS = (
    Peer("dlt, sqlalchemy backend", "dlt_sqlalchemy", "benchmarks._dlt_copy", ("--backend", "sqlalchemy")),
    Peer("dlt, pyarrow backend", "dlt_pyarrow", "benchmarks._dlt_copy", ("--backend", "pyarrow")),
    Peer("dlt, connectorx backend", "dlt_connectorx", "benchmarks._dlt_copy", ("--backend", "connectorx")),
    Peer(SLING, "sling", "benchmarks._sling_copy", ()),
)


@dataclass
class Run:
    """One measured run of one contender (this project or a peer), first or no-op.

    ``load_average`` is the machine's 1-minute load average as the run started: on a shared
    machine, what the other tenants were doing to its wall time.
    """

    contender: str
    kind: str
    measurement: Measurement
    load_average: float


def measure_peer(peer: Peer, kind: str, env: dict[str, str], work_dir: str) -> Run:
    load = os.getloadavg()[0]
    out, timing = run_child(peer.module, [*peer.args, "--work-dir", work_dir], env)
    measurement = Measurement(
        f"{peer.name}, {kind}", out["wall_seconds"], out["peak_rss_mib"], out["ru_maxrss_mib"], **timing,
        records=out["rows"], unit="rows", details={"rows_by_table": out["rows_by_table"]},
    )  # fmt: skip
    return Run(peer.name, kind, measurement, load)


def measure_project(
    jodgig: servers.JodgigTestDatabase, platform: servers.PlatformTestDatabase, env: dict[str, str], employers: int
) -> tuple[list[Run], int, Changes]:
    """This project's runs, in order; the rows the full sync wrote; and the 1% changes applied to JodGig."""

    def run(name: str, kind: str, job: str) -> Run:
        load = os.getloadavg()[0]
        return Run(PROJECT, kind, measure_job(f"{PROJECT}, {name}", job, env, None, platform.engine), load)

    runs = [run("empty job (the floor)", FLOOR, "empty"), run("full employer sync", FIRST, "employer")]
    with platform.engine.connect() as conn:
        written = sum(platform_totals(conn).values())
    runs.append(run("incremental with no changes", NO_OP, "employer"))
    changes = apply_changes(jodgig.writer, employers)
    runs.append(run("incremental after 1% changes", AFTER_CHANGES, "employer"))
    runs.append(run("full talent sync", TALENTS, "talent"))
    return runs, written, changes


def results_table(runs: list[Run], written: int) -> pd.DataFrame:
    """First runs, then no-op runs, then this project's other runs; each against Sling's and this
    project's run of the same kind, where there is one, and against this project's empty job."""
    reference = {(run.contender, run.kind): run.measurement.wall_seconds for run in runs}
    floor = reference[(PROJECT, FLOOR)]

    def rows(run: Run) -> str:
        records, unit = run.measurement.records, run.measurement.unit
        if records is None:
            return ""
        return f"{records:,} {unit}" + (f" → {written:,} rows" if (run.contender, run.kind) == (PROJECT, FIRST) else "")

    def ratio(run: Run, contender: str) -> str:
        other = reference.get((contender, run.kind))
        return f"{run.measurement.wall_seconds / other:,.2f}" if other else ""

    ordered = [run for kind in (FIRST, NO_OP, AFTER_CHANGES, TALENTS, FLOOR) for run in runs if run.kind == kind]
    return pd.DataFrame([
        {
            "measurement": run.measurement.name,
            "rows": rows(run),
            "wall s": f"{run.measurement.wall_seconds:,.2f}",
            "process s": f"{run.measurement.process_seconds:,.2f}",
            "rows/s": f"{run.measurement.rate:,.0f}" if run.measurement.rate else "",
            "× Sling": ratio(run, SLING),
            "× this project": ratio(run, PROJECT),
            "× empty job": f"{run.measurement.wall_seconds / floor:,.2f}",
            "peak RSS MiB": f"{run.measurement.peak_rss_mib:,.0f}",
            "load": f"{run.load_average:.1f}",
        }
        for run in ordered
    ])  # fmt: skip


def jodgig_rows(jodgig: sa.Engine) -> dict[str, int]:
    with jodgig.connect() as conn:
        return {table: _count(conn, sa.table(table)) for table in JODGIG_TABLES}


def inspect_copies(jodgig: sa.Engine, peers_db: sa.Engine) -> dict:
    """What each peer's copy holds: column types, a DATETIME beside JodGig's, row counts; and JodGig's users by role."""
    with jodgig.connect() as conn:
        first_user = conn.execute(sa.select(users.c.id, users.c.created_at).order_by(users.c.id).limit(1)).one()
        users_by_role = dict(conn.execute(sa.select(users.c.role, sa.func.count()).group_by(users.c.role)).all())
    copies = {}
    with peers_db.connect() as conn:
        schemas = set(conn.execute(sa.select(sa.column("schema_name")).select_from(
            sa.table("schemata", schema="information_schema"))).scalars())  # fmt: skip
        for peer in PEERS:
            copied = sa.table("users", sa.column("id"), sa.column("created_at"), schema=peer.schema)
            sample = conn.execute(
                sa.select(copied.c.created_at).where(sa.cast(copied.c.id, sa.Text) == str(first_user.id))
            ).scalar_one()
            copies[peer.name] = {
                "column_types": _column_types(conn, peer.schema),
                "rows": {table: _count(conn, sa.table(table, schema=peer.schema)) for table in JODGIG_TABLES},
                "users_created_at": {"id": first_user.id, "jodgig": str(first_user.created_at), "copy": str(sample)},
                "other_schemas": sorted(s for s in schemas if s.startswith(peer.schema + "_")),
            }
    return {"jodgig_users_by_role": users_by_role, "copies": copies}


def _count(conn: sa.Connection, table: sa.TableClause) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def _column_types(conn: sa.Connection, schema: str) -> dict[str, dict[str, str]]:
    columns = sa.table("columns", sa.column("table_schema"), sa.column("table_name"), sa.column("column_name"),
                       sa.column("data_type"), sa.column("ordinal_position"), schema="information_schema")  # fmt: skip
    found = conn.execute(
        sa.select(columns.c.table_name, columns.c.column_name, columns.c.data_type)
        .where(columns.c.table_schema == schema, columns.c.table_name.in_(list(JODGIG_TABLES)))
        .order_by(columns.c.table_name, columns.c.ordinal_position)
    )
    types: dict[str, dict[str, str]] = {}
    for table, column, data_type in found:
        types.setdefault(table, {})[column] = data_type
    return types


def run_benchmark(scale: int, jodgig_driver: str) -> dict:
    """Everything, on fresh databases dropped at the end; returns the figures."""
    jodgig, platform, peers_db = (
        servers.create_jodgig_database(), servers.create_platform_database(), servers.create_platform_database()
    )  # fmt: skip
    try:
        summary, repaired = load_demo_data(jodgig, scale)
        with tempfile.TemporaryDirectory(prefix="bench_peers_") as work_dir:
            runs, written, changes = measure_project(
                jodgig, platform, job_env(jodgig, platform, work_dir, jodgig_driver), summary.employers
            )
            env = {"JODGIG_DATABASE_URL": jodgig.reader_url, "PEERS_DATABASE_URL": peers_db.url}
            copied = jodgig_rows(jodgig.writer)
            runs += [measure_peer(peer, FIRST, env, work_dir) for peer in PEERS]
            deleted = delete_outlet_links(jodgig.writer, DELETED_OUTLET_LINKS)
            runs += [measure_peer(peer, NO_OP, env, work_dir) for peer in PEERS]
        return {
            "scale": scale, "jodgig_driver": jodgig_driver, "machine": machine(jodgig.writer, platform.engine),
            "versions": peer_versions(),
            "data_set": asdict(summary), "repaired_emails": repaired, "project_rows_written": written,
            "changes": changes,
            "jodgig_rows": {"copied": copied, "after_deletes": jodgig_rows(jodgig.writer)},
            "deleted_outlet_links": deleted, "runs": runs, **inspect_copies(jodgig.writer, peers_db.engine),
        }  # fmt: skip
    finally:
        servers.drop_jodgig_database(jodgig)
        servers.drop_platform_database(platform)
        servers.drop_platform_database(peers_db)


def peer_versions() -> dict[str, str]:
    return {name: version(name) for name in ("dlt", "connectorx", "pyarrow", "sling-linux-amd64")}


def report(figures: dict) -> None:
    """Print the table and what the copies hold."""
    data, versions = figures["data_set"], figures["versions"]
    click.echo(f"scale {figures['scale']}, this project reading JodGig through {figures['jodgig_driver']}: "
               f"{data['employers']:,} employers, {data['talents']:,} talents; the five JodGig tables held {sum(figures['jodgig_rows']['copied'].values()):,} rows; "
               f"{figures['repaired_emails']} employer e-mails were repaired first, as bench_sync does")
    click.echo(f"dlt {versions['dlt']} (connectorx {versions['connectorx']}, pyarrow {versions['pyarrow']}), "
               f"Sling {versions['sling-linux-amd64']}\n")
    click.echo(f"1% changes, before the peers' first runs: {figures['changes'].summary()}\n")
    click.echo(results_table(figures["runs"], figures["project_rows_written"]).to_markdown(index=False))
    click.echo("\n× Sling, × this project, × empty job: wall s over Sling's and over this project's run of the "
               "same kind (first or no-op), and over this project's empty job, in this invocation. load: the "
               "1-minute load average as the run started, on "
               f"{figures['machine']['cpu_count']} cores; the machine may be shared, so absolute figures are noisy.")
    counts, deleted = figures["jodgig_rows"], figures["deleted_outlet_links"]
    click.echo(f"\nWhat the copies hold: JodGig had {counts['copied']}, its users by role "
               f"{figures['jodgig_users_by_role']}; {deleted} outlet_user rows were hard-deleted before the "
               f"no-op runs, leaving {counts['after_deletes']['outlet_user']:,}")
    for name, copy in figures["copies"].items():
        types = copy["column_types"]
        stamp = copy["users_created_at"]
        click.echo(
            f"- {name}: users.id {types['users']['id']}, DATETIME columns "
            f"{sorted({types[t][c] for t in types for c in types[t] if c.endswith('_at')})}; "
            f"users {stamp['id']} created_at JodGig {stamp['jodgig']}, copy {stamp['copy']}; "
            f"rows {copy['rows']}" + (f"; also schemas {copy['other_schemas']}" if copy["other_schemas"] else "")
        )


def write_json(figures: dict, started_at: str) -> None:
    payload = {
        **figures,
        "changes": asdict(figures["changes"]),
        "started_at": started_at,
        "finished_at": _now(),
        "parent_ru_maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "runs": [
            {"contender": run.contender, "kind": run.kind, "load_average": run.load_average, **asdict(run.measurement)}
            for run in figures["runs"]
        ],
    }
    PEERS_RESULTS_FILE.parent.mkdir(exist_ok=True)
    PEERS_RESULTS_FILE.write_text(json.dumps(payload, indent=2, default=str) + "\n")


@click.command()
@click.option("--scale", default=1, show_default=True, help="Scale factor of the demo data set.")
@JODGIG_DRIVER_OPTION
def main(scale: int, jodgig_driver: str) -> None:
    """This project beside dlt and Sling on the same JodGig data (needs: pip install -e '.[bench]')."""
    require_bench_extra()
    started_at, started = _now(), time.perf_counter()
    figures = run_benchmark(scale, jodgig_driver)
    report(figures)
    write_json(figures, started_at)
    took = time.perf_counter() - started
    click.echo(f"\nwrote {PEERS_RESULTS_FILE.relative_to(PROJECT_ROOT)}; the benchmark took {took:.0f} s")


if __name__ == "__main__":
    main()
