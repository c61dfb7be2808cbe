"""The sync jobs: one graph, built per sync definition, with the run settings of SPEC §5."""

import dagster as dg

from ..sync.sync_definitions import EMPLOYER_SYNC, TALENT_SYNC, SyncDefinition
from .ops import (
    build_compute_watermark,
    build_select_in_scope,
    build_upsert_batch,
    build_write_sync_log,
    fan_out_batches,
)
from .sentry import report_op_failure_to_sentry

#: dagster.yaml's run queue allows one run at a time per value of this tag.
SYNC_CONCURRENCY_TAG = "employer_sync_pipeline/sync"


def sync_tags(sync: SyncDefinition) -> dict[str, str]:
    """No run retries, the low-priority queue, and one run per sync at a time."""
    return {"dagster/max_retries": "0", "dagster/priority": "-1", SYNC_CONCURRENCY_TAG: sync.name}


def build_sync_job(sync: SyncDefinition, description: str) -> dg.JobDefinition:
    compute_watermark = build_compute_watermark(sync)
    select_in_scope = build_select_in_scope(sync)
    upsert_batch = build_upsert_batch(sync)
    write_sync_log = build_write_sync_log(sync)

    @dg.job(
        name=f"{sync.name}_sync_job",
        executor_def=dg.in_process_executor,
        tags=sync_tags(sync),
        hooks={report_op_failure_to_sentry},
        description=description,
    )
    def sync_job():
        start = compute_watermark()
        batches = fan_out_batches(select_in_scope(start))
        write_sync_log(start, batches.map(upsert_batch).collect())

    return sync_job


employer_sync_job = build_sync_job(
    EMPLOYER_SYNC, "Hourly incremental sync of JodGig employers into the platform (SPEC §3–§5)."
)
talent_sync_job = build_sync_job(TALENT_SYNC, "Hourly incremental sync of JodGig talents into identities_users (SPEC §7).")
