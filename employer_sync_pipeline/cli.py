"""``employer-sync``: operator commands outside the Dagster UI."""

import json
import time

import click
import dagster as dg

from .db.platform_snapshot import platform_totals
from .db.sync_log import sync_log_row
from .domain.explanation_text import render_explanation
from .explain import Explanation, explain_employer, explain_talent
from .local_instance import default_dagster_home
from .orchestration.jit_jobs import jit_job_name, jit_result_of, jit_run_config
from .orchestration.local_runs import execute_job_here
from .orchestration.ops import op_name
from .orchestration.run_metadata import markdown_table, scope_counts_table
from .settings import CodeLocationSettings, Settings, SettingsError
from .sync.databases import platform_engine
from .sync.jit_sync import FAILED, NOT_FOUND, TIMED_OUT
from .sync.sync_definitions import EMPLOYER_SYNC, TALENT_SYNC

_SHOWN_FAILURES = 10


@click.group()
def main() -> None:
    """Operate the JodGig → platform sync. Without DAGSTER_HOME it uses ./.data, as make demo and make dev do."""
    default_dagster_home()
    try:
        Settings.from_env()
        CodeLocationSettings.from_env()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


@main.command()
@click.option("--full-refresh", is_flag=True, help="Re-derive every employer, ignoring the watermark.")
@click.option("--batch-size", default=1000, show_default=True, help="Employers per batch.")
def demo(full_refresh: bool, batch_size: int) -> None:
    """Run employer_sync_job once (on the embedded demo databases unless configured) and print a summary."""
    run_config = {
        "loggers": {"console": {"config": {"log_level": "INFO"}}},
        "ops": {
            "compute_watermark": {"config": {"full_refresh": full_refresh}},
            "fan_out_batches": {"config": {"batch_size": batch_size}},
        }
    }
    started = time.perf_counter()
    with dg.DagsterInstance.get() as instance, execute_job_here("employer_sync_job", run_config, instance) as result:
        if not result.success:
            raise click.ClickException(f"the sync run {result.run_id} failed; see the errors above")
        sync_log_id = result.output_for_node("write_sync_log").sync_log_id
    _print_summary(sync_log_id, time.perf_counter() - started)


#: ``employer-sync jit`` exit codes by outcome (SPEC §6); synced, deactivated and skipped exit 0.
JIT_EXIT_CODES = {FAILED: 1, TIMED_OUT: 3, NOT_FOUND: 4}


@main.command()
@click.option("--employer", "employer_id", type=int, help="JodGig users.id of an employer to sync now.")
@click.option("--talent", "talent_id", type=int, help="JodGig users.id of a talent to sync now.")
def jit(employer_id: int | None, talent_id: int | None) -> None:
    """Sync one user now in a run of its JIT job, and print the outcome.

    Exits 0 when synced, deactivated or skipped; 1 failed, 3 timed_out, 4 not_found.
    """
    if (employer_id is None) == (talent_id is None):
        raise click.UsageError("give exactly one of --employer ID or --talent ID")
    sync, user_id = (EMPLOYER_SYNC, employer_id) if employer_id is not None else (TALENT_SYNC, talent_id)
    run_config = {**jit_run_config(sync, user_id), "loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    started = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        run = execute_job_here(jit_job_name(sync), run_config, instance)
        if not run.success:
            raise click.ClickException(f"the JIT run {run.run_id} failed; see the errors above")
        result = jit_result_of(run, sync)
    elapsed_ms = (time.perf_counter() - started) * 1000
    click.echo(
        f"user {result.remote_gig_user_id}: {result.outcome}, set {result.scope_set or '-'}, "
        f"identity {result.identity_id or '-'} ({elapsed_ms:.0f} ms, run {run.run_id})"
    )
    if result.message:
        click.echo(f"{result.error + ': ' if result.error else ''}{result.message}")
    if result.outcome in JIT_EXIT_CODES:
        raise SystemExit(JIT_EXIT_CODES[result.outcome])


def _print_summary(sync_log_id: int, elapsed: float) -> None:
    engine = platform_engine(Settings.from_env())
    with engine.connect() as conn:
        log = sync_log_row(conn, sync_log_id)
        totals = platform_totals(conn)
    engine.dispose()
    click.echo(f"\nEmployer sync: {log['sync_mode']} run {log['run_id']} in {elapsed:.1f} s")
    click.echo(f"window (UTC): [{log['watermark_from'] or 'the beginning'}, {log['watermark_to']})")
    click.echo("\nSets of the selected employers (SPEC §2):")
    click.echo(scope_counts_table(log["scope_counts"], EMPLOYER_SYNC.scope_labels))
    counts = {name: log[f"records_{name}"] for name in ("selected", "synced", "deactivated", "skipped", "failed")}
    click.echo("\nRecords: " + ", ".join(f"{count} {name}" for name, count in counts.items()))
    click.echo(f"sync log row {sync_log_id}: is_successful = {log['is_successful']}")
    _print_failures(log["fail_log"])
    click.echo("\nPlatform tables now:")
    click.echo(markdown_table(("table", "rows"), list(totals.items())))


def _streak_text(entry: dict) -> str:
    if entry["failed_runs"] == 1:
        return "first failure"
    return f"failed {entry['failed_runs']} runs in a row since {entry['first_failed_at']}"


def _print_failures(fail_log: list[dict]) -> None:
    if not fail_log:
        return
    click.echo(f"\nFailed records ({len(fail_log)}; fix them in JodGig, the next run retries them):")
    for entry in fail_log[:_SHOWN_FAILURES]:
        click.echo(f"  user {entry['remote_gig_user_id']}: {entry['error']}: {entry['message']} "
                   f"({_streak_text(entry)})")
    if len(fail_log) > _SHOWN_FAILURES:
        click.echo(f"  … and {len(fail_log) - _SHOWN_FAILURES} more in the sync log's fail_log")


@main.command()
@click.option("--employer", "employer_id", type=int, help="JodGig users.id of an employer to explain.")
@click.option("--talent", "talent_id", type=int, help="JodGig users.id of a talent to explain.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a summary.")
@click.option("--show-pii", is_flag=True, help="Show e-mails, names and phones unmasked.")
def explain(employer_id: int | None, talent_id: int | None, as_json: bool, show_pii: bool) -> None:
    """Explain one user: facts, set and rule, owners, wanted and platform rows, guard, failures. Never writes.

    Exits 1 when JodGig has no such user of that kind (the message says which flag fits, if any)."""
    if (employer_id is None) == (talent_id is None):
        raise click.UsageError("give exactly one of --employer ID or --talent ID")
    if employer_id is not None:
        explanation = explain_employer(employer_id, show_pii=show_pii)
    else:
        explanation = explain_talent(talent_id, show_pii=show_pii)
    known = explanation.facts is not None
    if known or as_json or _platform_remembers(explanation):
        click.echo(json.dumps(explanation.as_json(), indent=2) if as_json else render_explanation(explanation))
    if not known:  # SPEC §6: an unknown id is never success
        raise click.ClickException(explanation.rule)


def _platform_remembers(explanation: Explanation) -> bool:
    """An id JodGig no longer has may still have platform rows or sync log failures worth showing."""
    return explanation.identity is not None or bool(explanation.failures)


@main.command()
@click.option("--full-refresh", is_flag=True, help="Plan a full refresh: the drift report of the whole platform.")
@click.option("--talent", is_flag=True, help="Plan the talent sync instead of the employer sync.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a summary.")
def plan(full_refresh: bool, talent: bool, as_json: bool) -> None:
    """What a sync started now would change, from the same steps with every write rolled back.

    That is a full refresh while the sync log has no run to start from (as on the demo)."""
    sync = TALENT_SYNC if talent else EMPLOYER_SYNC
    watermark_op, log_op = op_name(sync, "compute_watermark"), op_name(sync, "write_sync_log")
    run_config = {
        "loggers": {"console": {"config": {"log_level": "WARNING"}}},
        "ops": {watermark_op: {"config": {"full_refresh": full_refresh, "dry_run": True}}},
    }
    with dg.DagsterInstance.get() as instance, execute_job_here(f"{sync.name}_sync_job", run_config, instance) as run:
        if not run.success:
            raise click.ClickException(f"the plan run {run.run_id} failed; see the errors above")
        report = run.output_for_node(log_op).plan
    click.echo(json.dumps({**report.as_json(), "run_id": run.run_id}, indent=2, default=str) if as_json
               else _plan_summary(report, run.run_id, full_refresh))


def _retried_lines(report) -> list[str]:
    if not report.retried:
        return []
    outcomes = ", ".join(f"{count} {outcome}" for outcome, count in report.retried.items())
    return [f"Retried (failed in the last run): {sum(report.retried.values())}: {outcomes} "
            f"({', '.join(map(str, report.retried_ids))})"]


def _plan_summary(report, run_id: str, asked_full_refresh: bool) -> str:
    unasked_full_refresh = report.mode == "full_refresh" and not asked_full_refresh
    lines = [
        f"Plan of the {report.sync} sync, {report.mode} (run {run_id}); nothing was written.",
        *([f"(a full refresh: the sync log has no {report.sync} sync yet that the next one can start from)"]
          if unasked_full_refresh else []),
        f"window (UTC): [{report.watermark_from or 'the beginning'}, {report.watermark_to})",
        "Records: " + ", ".join(f"{count} {name}" for name, count in report.records.items()),
        "Sets: " + ", ".join(f"{key} {count}" for key, count in report.scope_counts.items()),
        *_retried_lines(report),
        "Changes per platform table (first JodGig ids):" if report.tables else "No platform row would change.",
    ]
    for table, kinds in report.tables.items():
        for kind, count in kinds.items():
            shown = report.examples[table][kind][:10]
            more = "…" if count > len(shown) else ""
            lines.append(f"  {table}: {count} {kind} ({', '.join(map(str, shown))}{more})")
    lines += [f"Would fail: {entry['remote_gig_user_id']}: {entry['error']}: {entry['message']} "
              f"({entry['failed_runs']} runs in a row)"
              for entry in report.failures[:_SHOWN_FAILURES]]
    return "\n".join(lines)
