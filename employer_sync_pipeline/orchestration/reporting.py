"""Rendering sync counts as tables and Dagster metadata."""

from collections.abc import Mapping

import dagster as dg
import pandas as pd

from ..sync.results import BatchResult
from ..sync.sync_definitions import SyncDefinition


def scope_counts_table(scope_counts: Mapping[str, int], labels: Mapping[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"set": [labels.get(key, key) for key in scope_counts], "users": list(scope_counts.values())}
    )


def scope_counts_markdown(scope_counts: Mapping[str, int], labels: Mapping[str, str]) -> dg.MetadataValue:
    return dg.MetadataValue.md(scope_counts_table(scope_counts, labels).to_markdown(index=False))


def result_metadata(result: BatchResult) -> dict:
    metadata = {
        "selected": result.selected,
        "synced": result.synced,
        "deactivated": result.deactivated,
        "skipped": result.skipped,
        "failed": result.failed,
    }
    metadata.update({f"rows/{key}": count for key, count in sorted(result.table_rows.items())})
    if result.failures:
        metadata["failed_user_ids"] = dg.MetadataValue.json([f.remote_gig_user_id for f in result.failures])
    return metadata


def table_materializations(
    sync: SyncDefinition, result: BatchResult, duration_seconds: float, partition: str | None
) -> list[dg.AssetMaterialization]:
    """One materialization per platform table the sync writes, with numeric counts to plot."""
    return [
        dg.AssetMaterialization(
            asset_key=["platform", table],
            partition=partition,
            metadata={
                "rows_upserted": 1 if table == "gig_sync_logs" else result.table_rows[f"{table}.upserted"],
                "rows_deactivated": result.table_rows[f"{table}.deactivated"],
                **_other_row_counts(result, table),
                "records_failed": result.failed,
                "duration_seconds": dg.MetadataValue.float(duration_seconds),
            },
        )
        for table in sync.written_tables
    ]


def _other_row_counts(result: BatchResult, table: str) -> dict[str, int]:
    """Deletes, inserts, promotions and demotions, where the table has them."""
    prefix = f"{table}."
    return {
        f"rows_{key.removeprefix(prefix)}": count
        for key, count in sorted(result.table_rows.items())
        if key.startswith(prefix) and key.removeprefix(prefix) not in ("upserted", "deactivated")
    }
