"""Rendering sync counts as tables and Dagster metadata."""

from collections.abc import Mapping, Sequence

import dagster as dg

from ..sync.results import BatchResult
from ..sync.sync_definitions import SyncDefinition

#: Run tags with a sync run's outcome (SPEC §10).
SUCCESS_TAG = "sync/is_successful"
FAILED_RECORDS_TAG = "sync/records_failed"


def markdown_table(header: tuple[str, str], rows: Sequence[tuple[str, int]]) -> str:
    """A two-column Markdown table, names left and counts right, padded to read as plain text too.

    Written here rather than through pandas, whose import alone added about 80 MiB to every run's
    process for two small tables.
    """
    cells = [header, *((name, str(count)) for name, count in rows)]
    name_width, count_width = (max(len(row[column]) for row in cells) for column in (0, 1))
    lines = [f"| {name.ljust(name_width)} | {count.rjust(count_width)} |" for name, count in cells]
    lines.insert(1, f"|:{'-' * (name_width + 1)}|{'-' * (count_width + 1)}:|")
    return "\n".join(lines)


def scope_counts_table(scope_counts: Mapping[str, int], labels: Mapping[str, str]) -> str:
    """Users per scope set, as Markdown."""
    return markdown_table(("set", "users"), [(labels.get(key, key), count) for key, count in scope_counts.items()])


def scope_counts_markdown(scope_counts: Mapping[str, int], labels: Mapping[str, str]) -> dg.MetadataValue:
    return dg.MetadataValue.md(scope_counts_table(scope_counts, labels))


def result_metadata(result: BatchResult) -> dict:
    metadata: dict = result.counts
    metadata.update({f"rows/{key}": count for key, count in sorted(result.table_rows.items())})
    if result.failures:
        metadata["failed_user_ids"] = dg.MetadataValue.json([f.remote_gig_user_id for f in result.failures])
        metadata["failed_records"] = failed_records_table([f.as_log_entry() for f in result.failures])
    return metadata


def failed_records_table(fail_log: Sequence[Mapping]) -> dg.MetadataValue:
    """The failed records as the UI shows a table: user id, error class, what to fix, and since when
    it has failed (the first run of its streak and the runs in a row). No personal data."""
    return dg.MetadataValue.table(
        records=[
            dg.TableRecord(
                {
                    "remote_gig_user_id": entry["remote_gig_user_id"],
                    "error": entry["error"],
                    "what_to_fix": entry["message"],
                    "failing_since": entry.get("first_failed_at", ""),
                    "first_failed_run_id": entry.get("first_failed_run_id") or "",
                    "runs_in_a_row": entry.get("failed_runs", 1),
                }
            )
            for entry in fail_log
        ],
        schema=dg.TableSchema(
            columns=[
                dg.TableColumn("remote_gig_user_id", "int"),
                dg.TableColumn("error", "string"),
                dg.TableColumn("what_to_fix", "string"),
                dg.TableColumn("failing_since", "string"),
                dg.TableColumn("first_failed_run_id", "string"),
                dg.TableColumn("runs_in_a_row", "int"),
            ]
        ),
    )


def outcome_tags(result: BatchResult) -> dict[str, str]:
    """The run tags that show a sync's outcome in the Runs list, where an operator can filter on them."""
    return {SUCCESS_TAG: str(not result.failures).lower(), FAILED_RECORDS_TAG: str(result.failed)}


def written_tables(sync: SyncDefinition, result: BatchResult) -> list[str]:
    """The platform tables this run changed rows in; its sync log row always."""
    changed = {key.split(".", 1)[0] for key, count in result.table_rows.items() if count}
    return [table for table in sync.written_tables if table in changed or table == "gig_sync_logs"]


def table_materializations(
    sync: SyncDefinition, mode: str, result: BatchResult, duration_seconds: float, partition: str | None
) -> list[dg.AssetMaterialization]:
    """One materialization per platform table the sync writes, with counts to plot.

    Every number is labelled ``<sync>/<mode>/<count>``, so each sync and mode is its own series in
    the asset's plots: an employer backfill never zigzags into the talent incremental line.
    """
    series, failed = f"{sync.name}/{mode}", result.failed
    return [
        dg.AssetMaterialization(
            asset_key=["platform", table],
            partition=partition,
            metadata={
                "sync": sync.name,
                "sync_mode": mode,
                **{f"{series}/{key}": value for key, value in _table_counts(result, table).items()},
                f"{series}/records_failed": failed,
                f"{series}/duration_seconds": dg.MetadataValue.float(duration_seconds),
            },
        )
        for table in sync.written_tables
    ]


def _table_counts(result: BatchResult, table: str) -> dict[str, int]:
    """Upserts and deactivations, plus deletes, inserts, promotions and demotions where the table has them."""
    prefix = f"{table}."
    counts = {
        "rows_upserted": 1 if table == "gig_sync_logs" else result.table_rows[f"{prefix}upserted"],
        "rows_deactivated": result.table_rows[f"{prefix}deactivated"],
    }
    counts.update(
        {
            f"rows_{key.removeprefix(prefix)}": count
            for key, count in sorted(result.table_rows.items())
            if key.startswith(prefix) and key.removeprefix(prefix) not in ("upserted", "deactivated")
        }
    )
    return counts
