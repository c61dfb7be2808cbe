"""Rendering sync counts as tables and Dagster metadata."""

from collections.abc import Mapping

import dagster as dg
import pandas as pd

from ..sync.results import BatchResult


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
