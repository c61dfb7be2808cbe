"""The employer sync ops: each reads config, calls ``sync/``, and reports metadata."""

from datetime import timedelta

import dagster as dg

from ..domain.batching import batched
from ..sync.employer_batch import sync_employer_batch
from ..sync.employer_run import RunStart, Selection, record_sync_log, select_employers, start_incremental_run
from ..sync.results import BatchResult
from .reporting import result_metadata, scope_counts_markdown
from .resources import JodgigDatabase, PlatformDatabase
from .sentry import SentryResource


class WatermarkConfig(dg.Config):
    full_refresh: bool = False
    lookback_minutes: int = 10


class BatchConfig(dg.Config):
    batch_size: int = 1000


@dg.op
def compute_watermark(
    context: dg.OpExecutionContext, config: WatermarkConfig, jodgig_db: JodgigDatabase, platform_db: PlatformDatabase
) -> RunStart:
    """The window ``[lower, upper)``: last successful watermark minus the lookback, to JodGig's clock."""
    start = start_incremental_run(
        jodgig_db.engine, platform_db.engine, timedelta(minutes=config.lookback_minutes), config.full_refresh
    )
    window = start.window
    context.log.info(f"{window.mode.value} sync of [{window.lower or 'the beginning'}, {window.upper}) UTC")
    context.add_output_metadata(
        {"sync_mode": window.mode.value, "watermark_from": str(window.lower), "watermark_to": str(window.upper)}
    )
    return start


@dg.op
def select_employers_in_scope(context: dg.OpExecutionContext, start: RunStart, jodgig_db: JodgigDatabase) -> Selection:
    """Employers changed in the window by any change source, counted by set."""
    selection = select_employers(jodgig_db.engine, start.window, jodgig_db.rules)
    context.add_output_metadata(
        {"selected": len(selection.user_ids), "scope_counts": scope_counts_markdown(selection.scope_counts)}
    )
    return selection


@dg.op(out=dg.DynamicOut(tuple))
def fan_out_batches(config: BatchConfig, selection: Selection):
    for index, batch in enumerate(batched(selection.user_ids, config.batch_size)):
        yield dg.DynamicOutput(batch, mapping_key=f"batch_{index}")


@dg.op
def upsert_batch(
    context: dg.OpExecutionContext,
    batch: tuple,
    jodgig_db: JodgigDatabase,
    platform_db: PlatformDatabase,
    sentry: SentryResource,
) -> BatchResult:
    """Sync one batch; a bad record fails alone, is logged and reported, and the rest goes on."""
    result = sync_employer_batch(jodgig_db.engine, platform_db.engine, batch, jodgig_db.rules, sentry)
    for failure in result.failures:
        context.log.warning(f"JodGig user {failure.remote_gig_user_id} failed: {failure.error}: {failure.message}")
    context.add_output_metadata(result_metadata(result))
    return result


@dg.op
def write_sync_log(
    context: dg.OpExecutionContext, start: RunStart, results: list[BatchResult], platform_db: PlatformDatabase
) -> int:
    """The run's one ``gig_sync_logs`` row: successful exactly when no record failed."""
    entry, log_id = record_sync_log(platform_db.engine, start, results, context.run_id)
    total = entry.result
    context.log.info(
        f"sync log {log_id}: {total.selected} selected, {total.synced} synced, {total.deactivated} deactivated, "
        f"{total.skipped} skipped, {total.failed} failed"
    )
    context.add_output_metadata(
        {"sync_log_id": log_id, "is_successful": entry.is_successful, **result_metadata(total),
         "scope_counts": scope_counts_markdown(total.scope_counts)}
    )
    return log_id
