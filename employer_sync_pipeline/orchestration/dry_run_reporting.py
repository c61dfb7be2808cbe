"""How a plan (dry run) shows in the UI: run metadata tables, a run tag, and observations to plot."""

from dataclasses import dataclass

import dagster as dg

from ..sync.dry_run_report import PlanReport
from ..sync.sync_definitions import SyncDefinition
from .run_metadata import failed_records_table, scope_counts_markdown

DRY_RUN_TAG = "sync/dry_run"
#: The plan's mode and per-table changes, on the run: the Runs list and the top of the run page show it.
PLAN_TAG = "sync/plan"
NO_CHANGE = "no change: no platform row would change"


@dataclass(frozen=True)
class RunOutcome:
    """What a sync run's last step leaves: its sync log row, or, for a plan, the plan."""

    sync_log_id: int | None
    plan: PlanReport | None


def mark_plan_run(context: dg.OpExecutionContext) -> None:
    """Tag the run as a plan as it starts, so the Runs list tells it from a run while it is still going."""
    context.instance.add_run_tags(context.run_id, {DRY_RUN_TAG: "true"})


def report_plan(context: dg.OpExecutionContext, sync: SyncDefinition, report: PlanReport) -> None:
    """The plan as this run's tag and metadata, changes first; one observation per table that would change."""
    summary = _change_summary(report)
    context.instance.add_run_tags(context.run_id, {PLAN_TAG: f"{report.mode}: {summary}"})
    for table, kinds in report.tables.items():
        context.log_event(
            dg.AssetObservation(
                asset_key=["platform", table],
                metadata={f"plan/{sync.name}/{report.mode}/{kind}": count for kind, count in kinds.items()},
            )
        )
    context.log.info(f"plan of a {report.mode} {sync.name} sync of {_window(report)}: {summary}; nothing was written")
    context.add_output_metadata(
        {
            "changes": _changes_table(report) if report.tables else dg.MetadataValue.text(NO_CHANGE),
            "mode": report.mode,
            "window": _window(report),
            **report.records,
            "scope_counts": scope_counts_markdown(report.scope_counts, sync.scope_labels),
            "failed_records": failed_records_table(report.failures),
            "retried": sum(report.retried.values()),
            "retried_outcomes": dg.MetadataValue.json(report.retried),
            "dry_run": True,
        }
    )


def _change_summary(report: PlanReport) -> str:
    """One line: each platform table's changes, or that no platform row would change."""
    if not report.tables:
        return NO_CHANGE
    return "; ".join(
        f"{table} " + ", ".join(f"{count} {kind}" for kind, count in kinds.items())
        for table, kinds in report.tables.items()
    )


def _window(report: PlanReport) -> str:
    return f"[{report.watermark_from or 'the beginning'}, {report.watermark_to}) UTC"


def _changes_table(report: PlanReport) -> dg.MetadataValue:
    return dg.MetadataValue.table(
        records=[
            dg.TableRecord({"table": table, "change": kind, "rows": count,
                            "first_jodgig_ids": ", ".join(map(str, report.examples[table][kind]))})
            for table, kinds in report.tables.items()
            for kind, count in kinds.items()
        ],
        schema=dg.TableSchema(
            columns=[dg.TableColumn("table", "string"), dg.TableColumn("change", "string"),
                     dg.TableColumn("rows", "int"), dg.TableColumn("first_jodgig_ids", "string")]
        ),
    )
