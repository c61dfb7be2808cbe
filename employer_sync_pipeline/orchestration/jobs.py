"""The sync jobs and their run settings (SPEC §5)."""

import dagster as dg

from .ops import compute_watermark, fan_out_batches, select_employers_in_scope, upsert_batch, write_sync_log
from .sentry import report_op_failure_to_sentry

#: dagster.yaml's run queue allows one run at a time per value of this tag.
SYNC_CONCURRENCY_TAG = "employer_sync_pipeline/sync"

EMPLOYER_SYNC_TAGS = {
    "dagster/max_retries": "0",
    "dagster/priority": "-1",
    SYNC_CONCURRENCY_TAG: "employer",
}


@dg.job(
    executor_def=dg.in_process_executor,
    tags=EMPLOYER_SYNC_TAGS,
    hooks={report_op_failure_to_sentry},
    description="Hourly incremental sync of JodGig employers into the platform (SPEC §3–§5).",
)
def employer_sync_job():
    start = compute_watermark()
    batches = fan_out_batches(select_employers_in_scope(start))
    write_sync_log(start, batches.map(upsert_batch).collect())
