"""Asset checks on the platform tables, runnable from the UI and daily by schedule."""

import dagster as dg

from ..sync import checks
from ..sync.sync_definitions import EMPLOYER_SYNC
from .resources import JodgigDatabase, PlatformDatabase

_SHOWN = 50


@dg.asset_check(
    asset=dg.AssetKey(["platform", "identities_users"]),
    description="In-scope employers in JodGig (G + valid S) equal the active employer identities.",
)
def employer_reconciliation(jodgig_db: JodgigDatabase, platform_db: PlatformDatabase) -> dg.AssetCheckResult:
    result = checks.reconcile_employers(jodgig_db.engine, platform_db.engine, jodgig_db.rules)
    return dg.AssetCheckResult(
        passed=result.matches,
        metadata={
            "in_scope_employers": result.in_scope_employers,
            "active_employer_identities": result.active_employer_identities,
            "difference": result.in_scope_employers - result.active_employer_identities,
        },
    )


@dg.asset_check(
    asset=dg.AssetKey(["platform", "org_memberships"]),
    description="Each active organisation has at most one owner, and it is the company's resolved owner.",
)
def one_resolved_owner_per_organisation(
    jodgig_db: JodgigDatabase, platform_db: PlatformDatabase
) -> dg.AssetCheckResult:
    mismatches = checks.owner_mismatches(jodgig_db.engine, platform_db.engine, jodgig_db.rules)
    return dg.AssetCheckResult(
        passed=not mismatches,
        metadata={
            "mismatched_organisations": len(mismatches),
            "examples": dg.MetadataValue.json(
                [
                    {"company_id": m.company_id, "resolved_owner": m.expected_owner, "platform_owners": m.platform_owners}
                    for m in mismatches[:_SHOWN]
                ]
            ),
        },
    )


@dg.asset_check(
    asset=dg.AssetKey(["platform", "gig_sync_logs"]),
    description="The last employer sync log row is successful; its failed user ids otherwise.",
)
def last_employer_sync_successful(platform_db: PlatformDatabase) -> dg.AssetCheckResult:
    log = checks.last_sync_log(platform_db.engine, EMPLOYER_SYNC.origin_table)
    if log is None:
        return dg.AssetCheckResult(
            passed=False, severity=dg.AssetCheckSeverity.WARN, metadata={"reason": "no employer sync has run yet"}
        )
    failed = [entry["remote_gig_user_id"] for entry in log["fail_log"]]
    return dg.AssetCheckResult(
        passed=log["is_successful"],
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "sync_log_id": log["id"],
            "run_id": log["run_id"] or "",
            "records_failed": log["records_failed"],
            "failed_user_ids": dg.MetadataValue.json(failed[:_SHOWN]),
        },
    )


platform_checks = [employer_reconciliation, one_resolved_owner_per_organisation, last_employer_sync_successful]

platform_checks_job = dg.define_asset_job(
    "platform_checks_job",
    selection=dg.AssetSelection.checks(*platform_checks),
    description="Run the platform data checks.",
)
