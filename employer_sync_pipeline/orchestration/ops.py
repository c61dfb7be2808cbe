"""The sync graph's ops, built for one :class:`SyncDefinition`.

Each op reads its config, calls ``sync/``, and reports metadata.
"""

from contextlib import contextmanager
from datetime import timedelta

import dagster as dg
from pydantic import Field

from ..domain.window import SyncMode
from ..settings import Settings
from ..sync.dry_run_report import plan_report
from ..sync.results import BatchResult
from ..sync.run_lock import RunInterrupted
from ..sync.run_steps import (
    Batch,
    RunStart,
    Selection,
    batches_of,
    record_sync_log,
    select_in_scope,
    settle_deferred,
    start_backfill_run,
    start_incremental_run,
)
from ..sync.sync_definitions import SyncDefinition
from .asset_checks import evaluate_after_sync
from .dry_run_reporting import RunOutcome, mark_plan_run, report_plan
from .run_metadata import outcome_tags, result_metadata, scope_counts_markdown, table_materializations, written_tables
from .resources import MAX_RUNTIME_TAG, JodgigDatabase, PlatformDatabase, SyncRunLock, databases
from .sentry import SentryResource


def op_name(sync: SyncDefinition, base: str) -> str:
    """Op names are unique per code location: the employer sync keeps the plain names."""
    return base if sync.name == "employer" else f"{sync.name}_{base}"


_DRY_RUN = Field(
    default=False,
    description="Plan: run every step, roll every write back, write no sync log row, move no watermark; "
    "report what the run would change.",
)


class WatermarkConfig(dg.Config):
    full_refresh: bool = Field(default=False, description="Re-derive every user, ignoring the watermark.")
    lookback_minutes: int = Field(default=10, description="Start this long before the last watermark (late commits).")
    dry_run: bool = _DRY_RUN


class BackfillConfig(dg.Config):
    dry_run: bool = _DRY_RUN


def start_plan_if_asked(context: dg.OpExecutionContext, dry_run: bool, platform_db: PlatformDatabase) -> None:
    """A plan shares one rolled-back transaction across its steps, so they run in one process
    (the run's executor refuses a plan under any other executor before any step runs)."""
    if not dry_run:
        return
    platform_db.start_plan()
    mark_plan_run(context)
    context.log.info("dry run: every write of this run is rolled back at its end; no sync log row, no watermark")


class BatchConfig(dg.Config):
    batch_size: int = Field(default=1000, description="Users per batch of an incremental or backfill run.")
    full_refresh_batch_size: int = Field(
        default=100000,
        description="Users per batch of a full refresh (in process, one batch fills and drains its pipeline once); "
        "lower it to spread a full refresh over more parallel workers.",
    )


def build_compute_watermark(sync: SyncDefinition) -> dg.OpDefinition:
    @dg.op(name=op_name(sync, "compute_watermark"))
    def compute_watermark(
        context: dg.OpExecutionContext,
        config: WatermarkConfig,
        jodgig_db: JodgigDatabase,
        platform_db: PlatformDatabase,
        sync_lock: SyncRunLock,
    ) -> RunStart:
        """The window: the last completed run's watermark minus the lookback, to JodGig's clock;
        that run's failed records are retried."""
        start_plan_if_asked(context, config.dry_run, platform_db)
        lookback = timedelta(minutes=config.lookback_minutes)
        start = start_incremental_run(sync, databases(jodgig_db, platform_db), lookback, config.full_refresh)
        window = start.window
        context.log.info(f"{window.mode.value} {sync.name} sync of [{window.lower or 'the beginning'}, {window.upper}) UTC")
        if window.mode is SyncMode.FULL_REFRESH:
            allow_full_refresh_runtime(context)
        if start.retry_ids:
            context.log.info(f"retrying {len(start.retry_ids)} records the last completed run failed")
        context.add_output_metadata(
            {
                "sync_mode": window.mode.value,
                "watermark_from": str(window.lower),
                "watermark_to": str(window.upper),
                "retried": len(start.retry_ids),
            }
        )
        return start

    return compute_watermark


def allow_full_refresh_runtime(context: dg.OpExecutionContext) -> None:
    """A full refresh may run longer than an hourly run: raise this run's ``dagster/max_runtime``."""
    limit = Settings.from_env().run_limits.full_refresh_seconds
    current = float(context.run.tags.get(MAX_RUNTIME_TAG) or "inf")
    if limit > current:
        context.instance.add_run_tags(context.run_id, {MAX_RUNTIME_TAG: f"{limit:g}"})
        context.log.info(f"a full refresh: this run's maximum runtime is now {limit:g} s (FULL_REFRESH_MAX_RUNTIME_SECONDS)")


def build_compute_backfill_window(sync: SyncDefinition) -> dg.OpDefinition:
    @dg.op(name=op_name(sync, "compute_backfill_window"))
    def compute_backfill_window(
        context: dg.OpExecutionContext, config: BackfillConfig, platform_db: PlatformDatabase, sync_lock: SyncRunLock
    ) -> RunStart:
        """The partition's JodGig local days, or a partition range's, as one window."""
        start_plan_if_asked(context, config.dry_run, platform_db)
        window = context.partition_time_window
        start = start_backfill_run(sync, platform_db.engine, window.start, window.end)
        context.log.info(f"backfill of {sync.name}s changed in [{window.start}, {window.end}) JodGig time")
        context.add_output_metadata(
            {"watermark_from": str(start.window.lower), "watermark_to": str(start.window.upper)}
        )
        return start

    return compute_backfill_window


def build_select_in_scope(sync: SyncDefinition) -> dg.OpDefinition:
    @dg.op(name=f"select_{sync.name}s_in_scope")
    def select_users_in_scope(
        context: dg.OpExecutionContext, start: RunStart, jodgig_db: JodgigDatabase, platform_db: PlatformDatabase
    ) -> Selection:
        """Users changed in the window by any change source, and the last run's failed records;
        their batches classify them, once each."""
        selection = select_in_scope(sync, databases(jodgig_db, platform_db), start)
        context.add_output_metadata(
            {
                "selected": len(selection.user_ids),
                "retried": len(selection.retried),
                "sharing_an_email": len(selection.contested),
            }
        )
        return selection

    return select_users_in_scope


@dg.op(out=dg.DynamicOut(Batch))
def fan_out_batches(config: BatchConfig, selection: Selection):
    """Batches of the selected ids; a full refresh uses bigger ones (fewer steps and statements)."""
    size = config.full_refresh_batch_size if selection.full_refresh else config.batch_size
    for index, batch in enumerate(batches_of(selection, size)):
        yield dg.DynamicOutput(batch, mapping_key=f"batch_{index}")


def build_upsert_batch(sync: SyncDefinition) -> dg.OpDefinition:
    @dg.op(name=op_name(sync, "upsert_batch"))
    def upsert_batch(
        context: dg.OpExecutionContext,
        batch: Batch,
        jodgig_db: JodgigDatabase,
        platform_db: PlatformDatabase,
        sentry: SentryResource,
        sync_lock: SyncRunLock,
    ) -> BatchResult:
        """Sync one batch; a bad record fails alone, is logged and reported, and the rest goes on.
        Users whose address another user of the run wants, or another identity holds, are left
        to the settling step."""
        sync_lock.verify()
        reporter = sentry.reporter_for(f"{sync.name}_sync")
        with interrupting_on_error(context, sync_lock, platform_db):
            result = sync.sync_batch(databases(jodgig_db, platform_db), batch.user_ids, reporter, defer=batch.contested)
        log_failures(context, result)
        context.add_output_metadata(result_metadata(result))
        return result

    return upsert_batch


def build_settle_contested_emails(sync: SyncDefinition) -> dg.OpDefinition:
    @dg.op(name=op_name(sync, "settle_contested_emails"))
    def settle_contested_emails(
        context: dg.OpExecutionContext,
        results: list[BatchResult],
        jodgig_db: JodgigDatabase,
        platform_db: PlatformDatabase,
        sentry: SentryResource,
        sync_lock: SyncRunLock,
    ) -> list[BatchResult]:
        """The users the batches left: hand-overs, swaps and contested addresses of the whole run,
        decided together and written in one transaction, whatever the batch order (SPEC §3)."""
        sync_lock.verify()
        reporter = sentry.reporter_for(f"{sync.name}_sync")
        with interrupting_on_error(context, sync_lock, platform_db):
            settled = settle_deferred(sync, databases(jodgig_db, platform_db), results, reporter)
        if settled.settling is not None:
            log_failures(context, settled.settling)
            context.add_output_metadata(result_metadata(settled.settling))
        else:
            context.add_output_metadata({"selected": 0})
        return settled.results

    return settle_contested_emails


@contextmanager
def interrupting_on_error(context: dg.OpExecutionContext, sync_lock: SyncRunLock, platform_db: PlatformDatabase):
    """Every commit of the step first checks that its run may still write; a step that fails stops
    the run's other steps, in any process."""
    try:
        with sync_lock.verified_commits(platform_db.engine):
            yield
    except RunInterrupted:
        raise
    except Exception as error:
        step = f"{context.op_def.name}[{context.get_mapping_key()}]" if context.get_mapping_key() else context.op_def.name
        sync_lock.interrupt(f"{step} failed ({type(error).__name__})")
        raise


def log_failures(context: dg.OpExecutionContext, result: BatchResult) -> None:
    for failure in result.failures:
        context.log.warning(f"JodGig user {failure.remote_gig_user_id} failed: {failure.error}: {failure.message}")


def build_write_sync_log(sync: SyncDefinition) -> dg.OpDefinition:
    @dg.op(name=op_name(sync, "write_sync_log"))
    def write_sync_log(
        context: dg.OpExecutionContext,
        start: RunStart,
        results: list[BatchResult],
        jodgig_db: JodgigDatabase,
        platform_db: PlatformDatabase,
        sync_lock: SyncRunLock,
    ) -> RunOutcome:
        """The run's one ``gig_sync_logs`` row (successful exactly when no record failed), its outcome
        tags, the materializations of the tables it writes and the checks of those it changed.
        A plan reports what it would have changed instead, and writes nothing."""
        sync_lock.verify()
        if platform_db.plan is not None:
            report = plan_report(sync, start, results, platform_db.plan)
            report_plan(context, sync, report)
            return RunOutcome(sync_log_id=None, plan=report)
        entry, log_id = record_sync_log(sync, platform_db.engine, start, results, context.run_id)
        total = entry.result
        context.instance.add_run_tags(context.run_id, outcome_tags(total))
        duration = (entry.finished_at - entry.started_at).total_seconds()
        partition = context.partition_key if context.has_partition_key else None
        for materialization in table_materializations(sync, start.window.mode.value, total, duration, partition):
            context.log_event(materialization)
        for evaluation in evaluate_after_sync(sync, written_tables(sync, total), total, jodgig_db, platform_db):
            context.log_event(evaluation)
        context.log.info(f"sync log {log_id}: " + ", ".join(f"{count} {name}" for name, count in total.counts.items()))
        context.add_output_metadata(
            {
                "sync_log_id": log_id,
                "is_successful": entry.is_successful,
                **result_metadata(total),
                "scope_counts": scope_counts_markdown(total.scope_counts, sync.scope_labels),
            }
        )
        return RunOutcome(sync_log_id=log_id, plan=None)

    return write_sync_log
