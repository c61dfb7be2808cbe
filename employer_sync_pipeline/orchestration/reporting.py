"""Rendering sync counts as Dagster metadata."""

import dagster as dg
import pandas as pd

from ..domain.scope import empty_scope_counts
from ..sync.results import BatchResult

_SET_LABELS = {
    "G": "G: user enabled, company live (migrate)",
    "S": "S: super-HQ external (migrate when valid)",
    "S_invalid": "  of which invalid (skip)",
    "A": "A: user deleted",
    "B": "B: no company",
    "C": "C: obsolete company",
    "D": "D: company deleted",
    "E": "E: company disabled",
    "F": "F: user disabled",
}


def scope_counts_table(scope_counts: dict[str, int]) -> pd.DataFrame:
    counts = {**empty_scope_counts(), **scope_counts}
    return pd.DataFrame(
        {"set": [_SET_LABELS[key] for key in _SET_LABELS], "employers": [counts[key] for key in _SET_LABELS]}
    )


def scope_counts_markdown(scope_counts: dict[str, int]) -> dg.MetadataValue:
    return dg.MetadataValue.md(scope_counts_table(scope_counts).to_markdown(index=False))


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
