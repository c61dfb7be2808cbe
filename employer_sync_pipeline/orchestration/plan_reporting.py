"""How a plan (dry run) shows in the UI: run metadata tables, a run tag, and observations to plot."""

from dataclasses import dataclass

import dagster as dg

from ..sync.plan import PlanReport
from ..sync.sync_definitions import SyncDefinition
from .reporting import failed_records_table, scope_counts_markdown

DRY_RUN_TAG = "sync/dry_run"


@dataclass(frozen=True)
class RunOutcome:
    """What a sync run's last step leaves: its sync log row, or, for a plan, the plan."""

    sync_log_id: int | None
    plan: PlanReport | None


def report_plan(context: dg.OpExecutionContext, sync: SyncDefinition, report: PlanReport) -> None:
    """The plan as this run's metadata; one observation per platform table, so plans plot as their own series."""
    context.instance.add_run_tags(context.run_id, {DRY_RUN_TAG: "true"})
    for table, kinds in report.tables.items():
        context.log_event(
            dg.AssetObservation(
                asset_key=["platform", table],
                metadata={f"plan/{sync.name}/{report.mode}/{kind}": count for kind, count in kinds.items()},
            )
        )
    records = report.records
    context.log.info(
        "plan: " + ", ".join(f"{count} {name}" for name, count in records.items()) + "; nothing was written"
    )
    context.add_output_metadata(
        {
            "dry_run": True,
            **records,
            "scope_counts": scope_counts_markdown(report.scope_counts, sync.scope_labels),
            "changes": _changes_table(report),
            "failed_records": failed_records_table(report.failures),
            "retried": sum(report.retried.values()),
            "retried_outcomes": dg.MetadataValue.json(report.retried),
        }
    )


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
