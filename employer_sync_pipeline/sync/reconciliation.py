"""Data checks of the platform against JodGig, as plain Python (the asset checks call these).

Reconciliation is set-based: it names the JodGig users in scope who have no active identity, and
the active identities whose user is no longer in scope, so one missing and one extra never cancel out.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from ..db import jodgig_queries as jq
from ..db import identities, memberships
from ..db.sync_log import WATERMARK_MODES, last_sync_log
from ..domain.batching import batched
from ..domain.failure_streaks import older_than
from ..domain.company_plan import live_company_ids
from ..domain.scope import TALENT
from ..domain.talent import classify_talent
from .employer_facts import classify_employers, resolve_owners
from .results import BatchResult
from .source_rules import Databases
from .sync_log_entry import DESTINATION_TABLE

_CHUNK = 5000
BACKFILL_MODES = ("backfill",)


@dataclass(frozen=True)
class Reconciliation:
    """JodGig's users in scope against the platform's active identities of one kind."""

    in_scope: int
    active: int
    missing: tuple[int, ...]
    unexpected: tuple[int, ...]

    @property
    def matches(self) -> bool:
        return not self.missing and not self.unexpected


@dataclass(frozen=True)
class OwnerMismatch:
    company_id: int
    expected_owner: int | None
    platform_owners: tuple[int, ...]


def reconcile(in_scope: set[int], active: set[int]) -> Reconciliation:
    return Reconciliation(
        len(in_scope), len(active), tuple(sorted(in_scope - active)), tuple(sorted(active - in_scope))
    )


def reconcile_employers(dbs: Databases) -> Reconciliation:
    """In-scope employers (G and valid S) against active employer identities."""
    rules = dbs.rules
    with dbs.source.connect() as conn:
        in_scope = {
            user_id
            for chunk in batched(jq.all_employer_ids(conn), _CHUNK)
            for user_id, scope_set in classify_employers(conn, chunk, rules.obsolete_company_ids).items()
            if scope_set.in_scope
        }
    return reconcile(in_scope, _active(dbs.platform, "employer"))


def reconcile_talents(dbs: Databases) -> Reconciliation:
    """In-scope talents (T) against active talent identities."""
    with dbs.source.connect() as conn:
        in_scope = {
            user.id
            for chunk in batched(jq.all_talent_ids(conn), _CHUNK)
            for user in jq.load_scope_users(conn, chunk, (TALENT,))
            if classify_talent(user).in_scope
        }
    return reconcile(in_scope, _active(dbs.platform, "talent"))


def reconcile_run(platform: Engine, result: BatchResult, kind: str) -> Reconciliation:
    """The same comparison over one run's records only, from the sets its batches decided: a run's
    check costs what the run changed, not the size of JodGig."""
    in_scope = {r.remote_gig_user_id for r in result.records if r.scope_set is not None and r.scope_set.in_scope}
    with platform.connect() as conn:
        active = identities.active_identity_user_ids(conn, kind, among=[r.remote_gig_user_id for r in result.records])
    return reconcile(in_scope, active)


def owner_mismatches(dbs: Databases) -> list[OwnerMismatch]:
    """Active organisations whose owners are not exactly the owner resolved from JodGig now (when
    that one is synced)."""
    obsolete = dbs.rules.obsolete_company_ids
    with dbs.platform.connect() as conn:
        owners = memberships.organisation_owners(conn)
    with dbs.source.connect() as conn:
        companies = jq.load_companies(conn, owners)
        live = {cid: companies[cid] for cid in live_company_ids(companies.values(), obsolete)}
        resolved_owners = resolve_owners(conn, live, obsolete)
    return _mismatches(dbs.platform, owners, resolved_owners)


def run_owner_mismatches(platform: Engine, decided_owners: Mapping[int, int | None]) -> list[OwnerMismatch]:
    """The same check over one run's companies, against the owners its batches decided and wrote:
    JodGig is not read, nor an owner resolved, again."""
    with platform.connect() as conn:
        owners = memberships.organisation_owners(conn, decided_owners)
    return _mismatches(platform, owners, decided_owners)


def _mismatches(
    platform: Engine, owners: Mapping[int, list[int]], resolved_owners: Mapping[int, int | None]
) -> list[OwnerMismatch]:
    """The organisations whose owners are not exactly their resolved owner, when that one is synced."""
    with platform.connect() as conn:
        synced = identities.active_identity_user_ids(conn, "employer", among=set(resolved_owners.values()) - {None})
    mismatches = []
    for company_id, platform_owners in owners.items():
        resolved = resolved_owners.get(company_id)
        expected = (resolved,) if resolved in synced else ()
        if tuple(platform_owners) != expected:
            mismatches.append(OwnerMismatch(company_id, resolved, tuple(platform_owners)))
    return mismatches


def last_sync_logs(platform: Engine, origin_table: str) -> tuple[dict | None, dict | None]:
    """The sync's latest watermark-moving row (incremental or full refresh), and its latest backfill row."""
    with platform.connect() as conn:
        return (
            last_sync_log(conn, origin_table, DESTINATION_TABLE, WATERMARK_MODES),
            last_sync_log(conn, origin_table, DESTINATION_TABLE, BACKFILL_MODES),
        )


@dataclass(frozen=True)
class StaleFailures:
    """The records of a sync's last completed run that have been failing for longer than allowed."""

    log: dict
    stale: list[dict]
    max_age: timedelta


def stale_failures(platform: Engine, origin_table: str, max_age: timedelta, now: datetime) -> StaleFailures | None:
    """None when the sync has not completed an incremental or full-refresh run yet."""
    with platform.connect() as conn:
        log = last_sync_log(conn, origin_table, DESTINATION_TABLE, WATERMARK_MODES)
    if log is None:
        return None
    stale = older_than(log["fail_log"], log["finished_at"], log["run_id"], max_age, now)
    return StaleFailures(log, sorted(stale, key=lambda entry: entry.get("first_failed_at", "")), max_age)


def _active(platform: Engine, kind: str) -> set[int]:
    with platform.connect() as conn:
        return identities.active_identity_user_ids(conn, kind)

