"""Asset checks on the platform tables: at the end of every sync run, from the UI, and daily.

Each check is one evaluation function. ``platform_checks`` wraps them as asset checks for the UI and
``platform_checks_job``; ``evaluate_after_sync`` runs those of the tables a sync run wrote and turns
them into ``AssetCheckEvaluation`` events of that run, so an asset shows a failed check right
after the run that caused it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

import dagster as dg

from ..settings import failed_record_max_age
from ..sync import reconciliation
from ..sync.reconciliation import Reconciliation
from ..sync.results import BatchResult
from ..sync.sync_definitions import SYNCS, SyncDefinition
from .run_metadata import failed_records_table
from .resources import JodgigDatabase, PlatformDatabase, databases

#: How many ids or examples a check's metadata lists.
SHOWN = 20

Evaluate = Callable[[JodgigDatabase, PlatformDatabase], dg.AssetCheckResult]
#: The same check over one run's records and companies only: at the end of a sync run.
EvaluateRun = Callable[[BatchResult, JodgigDatabase, PlatformDatabase], dg.AssetCheckResult]


@dataclass(frozen=True)
class PlatformCheck:
    name: str
    table: str
    description: str
    syncs: frozenset[str]
    evaluate: Evaluate
    evaluate_run: EvaluateRun | None = None

    @property
    def asset_key(self) -> dg.AssetKey:
        return dg.AssetKey(["platform", self.table])


def _reconciliation_result(result: Reconciliation, kind: str, scope: str = "all of JodGig") -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=result.matches,
        metadata={
            "compared": scope,
            f"in_scope_{kind}s": result.in_scope,
            f"active_{kind}_identities": result.active,
            "in_scope_not_active": len(result.missing),
            "in_scope_not_active_ids": dg.MetadataValue.json(list(result.missing[:SHOWN])),
            "active_not_in_scope": len(result.unexpected),
            "active_not_in_scope_ids": dg.MetadataValue.json(list(result.unexpected[:SHOWN])),
        },
    )


def _reconciliation(sync: SyncDefinition) -> Evaluate:
    def evaluate(jodgig_db: JodgigDatabase, platform_db: PlatformDatabase) -> dg.AssetCheckResult:
        return _reconciliation_result(sync.reconcile(databases(jodgig_db, platform_db)), sync.name)

    return evaluate


def _run_reconciliation(kind: str) -> EvaluateRun:
    def evaluate(run: BatchResult, jodgig_db: JodgigDatabase, platform_db: PlatformDatabase) -> dg.AssetCheckResult:
        scope = f"this run's {run.selected} records"
        return _reconciliation_result(reconciliation.reconcile_run(platform_db.engine, run, kind), kind, scope)

    return evaluate


def one_resolved_owner_per_organisation(
    jodgig_db: JodgigDatabase, platform_db: PlatformDatabase
) -> dg.AssetCheckResult:
    return _owner_result(reconciliation.owner_mismatches(databases(jodgig_db, platform_db)))


def _run_owners(run: BatchResult, jodgig_db: JodgigDatabase, platform_db: PlatformDatabase) -> dg.AssetCheckResult:
    """Over the companies the run decided; a talent run, which decides none but may drop an
    employer past's memberships, checks every organisation."""
    if not run.company_owners:
        return one_resolved_owner_per_organisation(jodgig_db, platform_db)
    mismatches = reconciliation.run_owner_mismatches(platform_db.engine, run.company_owners)
    return _owner_result(mismatches, f"this run's {len(run.company_owners)} companies, against the owners it decided")


def _owner_result(mismatches: list, scope: str = "every active organisation") -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=not mismatches,
        metadata={
            "compared": scope,
            "mismatched_organisations": len(mismatches),
            "mismatched_company_ids": dg.MetadataValue.json([m.company_id for m in mismatches[:SHOWN]]),
            "examples": dg.MetadataValue.json(
                [
                    {"company_id": m.company_id, "resolved_owner": m.expected_owner, "platform_owners": m.platform_owners}
                    for m in mismatches[:SHOWN]
                ]
            ),
        },
    )


def _last_sync_successful(sync: SyncDefinition) -> Evaluate:
    def evaluate(jodgig_db: JodgigDatabase, platform_db: PlatformDatabase) -> dg.AssetCheckResult:
        log, backfill = reconciliation.last_sync_logs(platform_db.engine, sync.origin_table)
        if log is None:
            return dg.AssetCheckResult(
                passed=False, severity=dg.AssetCheckSeverity.WARN,
                metadata={"reason": f"no incremental or full-refresh {sync.name} sync has run yet"},
            )
        return dg.AssetCheckResult(
            passed=log["is_successful"],
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "sync_log_id": log["id"],
                "sync_mode": log["sync_mode"],
                "run_id": log["run_id"] or "",
                "records_failed": log["records_failed"],
                "failed_user_ids": dg.MetadataValue.json([e["remote_gig_user_id"] for e in log["fail_log"]][:SHOWN]),
                "failed_records": failed_records_table(log["fail_log"][:SHOWN]),
                **_backfill_metadata(backfill),
            },
        )

    return evaluate


def _failures_not_stale(sync: SyncDefinition) -> Evaluate:
    def evaluate(jodgig_db: JodgigDatabase, platform_db: PlatformDatabase) -> dg.AssetCheckResult:
        max_age = failed_record_max_age()
        found = reconciliation.stale_failures(platform_db.engine, sync.origin_table, max_age, datetime.now(timezone.utc))
        if found is None:
            return dg.AssetCheckResult(
                passed=True, metadata={"reason": f"no incremental or full-refresh {sync.name} sync has run yet"}
            )
        return dg.AssetCheckResult(
            passed=not found.stale,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "sync_log_id": found.log["id"],
                "records_failed": found.log["records_failed"],
                "failing_longer_than_limit": len(found.stale),
                "limit_hours": round(max_age.total_seconds() / 3600, 2),
                "failing_since_oldest": found.stale[0].get("first_failed_at", "") if found.stale else "",
                "stale_records": failed_records_table(found.stale[:SHOWN]),
            },
        )

    return evaluate


def _backfill_metadata(backfill: dict | None) -> dict:
    """The latest backfill, for information only: it never makes the sync look healthy."""
    if backfill is None:
        return {}
    return {
        "latest_backfill_sync_log_id": backfill["id"],
        "latest_backfill_successful": backfill["is_successful"],
        "latest_backfill_records_failed": backfill["records_failed"],
    }


def _sync_checks(sync: SyncDefinition) -> tuple[PlatformCheck, ...]:
    """The checks every sync has: its reconciliation, its last run, the age of its failures."""
    only = frozenset({sync.name})
    return (
        PlatformCheck(f"{sync.name}_reconciliation", "identities_users",
                      f"Set-based: {sync.in_scope} without an active identity, and active {sync.name} identities "
                      "whose user is not in scope.", only, _reconciliation(sync), _run_reconciliation(sync.name)),
        PlatformCheck(f"last_{sync.name}_sync_successful", "gig_sync_logs",
                      f"The last incremental or full-refresh {sync.name} sync had no failed records (backfills "
                      "never count).", only, _last_sync_successful(sync)),
        PlatformCheck(f"{sync.name}_failures_not_stale", "gig_sync_logs",
                      f"No record of the last incremental or full-refresh {sync.name} sync has been failing, run "
                      "after run, for longer than FAILED_RECORD_MAX_AGE_SECONDS (a day by default).",
                      only, _failures_not_stale(sync)),
    )


PLATFORM_CHECKS = (
    *(check for sync in SYNCS for check in _sync_checks(sync)),
    PlatformCheck("one_resolved_owner_per_organisation", "org_memberships",
                  "Each active organisation's owners are exactly its company's resolved owner.",
                  frozenset(sync.name for sync in SYNCS), one_resolved_owner_per_organisation, _run_owners),
)


def _as_asset_check(check: PlatformCheck) -> dg.AssetChecksDefinition:
    @dg.asset_check(name=check.name, asset=check.asset_key, description=check.description)
    def asset_check(jodgig_db: JodgigDatabase, platform_db: PlatformDatabase) -> dg.AssetCheckResult:
        return check.evaluate(jodgig_db, platform_db)

    return asset_check


def evaluate_after_sync(
    sync: SyncDefinition,
    written_tables: Iterable[str],
    run: BatchResult,
    jodgig_db: JodgigDatabase,
    platform_db: PlatformDatabase,
) -> list[dg.AssetCheckEvaluation]:
    """The sync's checks on the tables its run wrote, as events of that run: over the run's own
    records and companies where a check can be, so a run's checks cost what it changed. The daily
    ``platform_checks_job`` compares everything."""
    written = set(written_tables)
    evaluations = []
    for check in PLATFORM_CHECKS:
        if sync.name in check.syncs and check.table in written:
            if check.evaluate_run is not None:
                result = check.evaluate_run(run, jodgig_db, platform_db)
            else:
                result = check.evaluate(jodgig_db, platform_db)
            evaluations.append(
                dg.AssetCheckEvaluation(
                    asset_key=check.asset_key, check_name=check.name, passed=result.passed,
                    metadata=result.metadata, severity=result.severity,
                )
            )
    return evaluations


platform_checks = [_as_asset_check(check) for check in PLATFORM_CHECKS]

platform_checks_job = dg.define_asset_job(
    "platform_checks_job",
    selection=dg.AssetSelection.checks(*platform_checks),
    description="Run the platform data checks.",
)
