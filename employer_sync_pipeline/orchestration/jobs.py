"""The sync jobs: one graph, built per sync definition, with the run settings of SPEC §5."""

from dataclasses import dataclass

import dagster as dg

from ..sync.sync_definitions import SYNCS, SyncDefinition
from .ops import (
    build_compute_backfill_window,
    build_compute_watermark,
    build_select_in_scope,
    build_settle_contested_emails,
    build_upsert_batch,
    build_write_sync_log,
    fan_out_batches,
)
from ..settings import CodeLocationSettings
from .executors import sync_executor
from .resources import MAX_RUNTIME_TAG, SYNC_CONCURRENCY_TAG
from .sentry import report_op_failure_to_sentry

#: In-process by default: a process per batch step costs more than the batch. Run config can
#: choose multiprocess, Celery or Kubernetes instead (docs/executors.md).
IN_PROCESS_BY_DEFAULT = {"execution": {"config": {"in_process": {}}}}


def sync_tags(sync: SyncDefinition, max_runtime_seconds: float) -> dict[str, str]:
    """No run retries, the low-priority queue, one run per sync at a time, and a maximum runtime."""
    return {
        "dagster/max_retries": "0",
        "dagster/priority": "-1",
        SYNC_CONCURRENCY_TAG: sync.name,
        MAX_RUNTIME_TAG: f"{max_runtime_seconds:g}",
    }


@dataclass(frozen=True)
class SyncOps:
    """One sync's ops, shared by its incremental and backfill jobs (op names are unique per location)."""

    compute_watermark: dg.OpDefinition
    compute_backfill_window: dg.OpDefinition
    select_in_scope: dg.OpDefinition
    upsert_batch: dg.OpDefinition
    settle_contested_emails: dg.OpDefinition
    write_sync_log: dg.OpDefinition


def build_sync_ops(sync: SyncDefinition) -> SyncOps:
    return SyncOps(
        build_compute_watermark(sync),
        build_compute_backfill_window(sync),
        build_select_in_scope(sync),
        build_upsert_batch(sync),
        build_settle_contested_emails(sync),
        build_write_sync_log(sync),
    )


_SYNC_OPS = {sync.name: build_sync_ops(sync) for sync in SYNCS}

#: The first JodGig day a backfill can cover.
BACKFILL_START_DATE = "2019-01-01"


def build_sync_job(
    sync: SyncDefinition, description: str, max_runtime_seconds: float, backfill_timezone: str | None = None
) -> dg.JobDefinition:
    """The sync graph: incremental, or with ``backfill_timezone`` partitioned by JodGig local day."""
    backfill = backfill_timezone is not None
    ops = _SYNC_OPS[sync.name]
    compute_window = ops.compute_backfill_window if backfill else ops.compute_watermark
    partitions = (
        dg.DailyPartitionsDefinition(start_date=BACKFILL_START_DATE, timezone=backfill_timezone) if backfill else None
    )

    @dg.job(
        name=f"{sync.name}_backfill_job" if backfill else f"{sync.name}_sync_job",
        executor_def=sync_executor,
        config=IN_PROCESS_BY_DEFAULT,
        tags=sync_tags(sync, max_runtime_seconds),
        hooks={report_op_failure_to_sentry},
        partitions_def=partitions,
        description=description,
    )
    def sync_job():
        start = compute_window()
        batches = fan_out_batches(ops.select_in_scope(start))
        results = ops.settle_contested_emails(batches.map(ops.upsert_batch).collect())
        ops.write_sync_log(start, results)

    return sync_job


def build_sync_jobs(settings: CodeLocationSettings) -> dict[str, dg.JobDefinition]:
    """Hourly and backfill jobs of every sync, by name. Backfills get the full-refresh runtime:
    a long range can be as big as a full refresh (an hourly run that turns out to be a full
    refresh raises its own limit in ``compute_watermark``)."""
    limits = settings.run_limits
    jobs = [
        *(build_sync_job(sync, sync.description, limits.incremental_seconds) for sync in SYNCS),
        *(
            build_sync_job(sync, f"The {sync.name} sync over explicit JodGig days (SPEC §5).",
                           limits.full_refresh_seconds, settings.jodgig_timezone)
            for sync in SYNCS
        ),
    ]
    return {job.name: job for job in jobs}
