"""Data checks of the platform against JodGig, as plain Python (the asset checks call these)."""

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from ..db import jodgig_queries as jq
from ..db import platform_checks as pc
from ..domain.batching import batched
from ..domain.scope import is_company_live
from .employer_facts import classify_employers, resolve_owners
from .settings import SourceRules
from .sync_log import DESTINATION_TABLE

_CHUNK = 5000


@dataclass(frozen=True)
class Reconciliation:
    in_scope_employers: int
    active_employer_identities: int

    @property
    def matches(self) -> bool:
        return self.in_scope_employers == self.active_employer_identities


@dataclass(frozen=True)
class OwnerMismatch:
    company_id: int
    expected_owner: int | None
    platform_owners: tuple[int, ...]


def reconcile_employers(source: Engine, platform: Engine, rules: SourceRules) -> Reconciliation:
    """In-scope employers in JodGig against active employer identities in the platform."""
    with source.connect() as conn:
        in_scope = sum(
            1
            for chunk in batched(jq.all_employer_ids(conn), _CHUNK)
            for scope_set in classify_employers(conn, chunk, rules.obsolete_company_ids).values()
            if scope_set.in_scope
        )
    with platform.connect() as conn:
        return Reconciliation(in_scope, pc.count_active_identities(conn, "employer"))


def owner_mismatches(source: Engine, platform: Engine, rules: SourceRules) -> list[OwnerMismatch]:
    """Active organisations whose owners are not exactly the resolved owner (when that one is synced)."""
    with platform.connect() as conn:
        owners = pc.organisation_owners(conn)
        synced = pc.active_identity_user_ids(conn, "employer")
    with source.connect() as conn:
        companies = jq.load_companies(conn, owners)
        live = {cid: c for cid, c in companies.items() if is_company_live(c, rules.obsolete_company_ids)}
        resolved_owners = resolve_owners(conn, live, rules.obsolete_company_ids)
    mismatches = []
    for company_id, platform_owners in owners.items():
        resolved = resolved_owners.get(company_id)
        expected = (resolved,) if resolved in synced else ()
        if tuple(platform_owners) != expected:
            mismatches.append(OwnerMismatch(company_id, resolved, tuple(platform_owners)))
    return mismatches


def last_sync_log(platform: Engine, origin_table: str) -> dict | None:
    with platform.connect() as conn:
        return pc.last_sync_log(conn, origin_table, DESTINATION_TABLE)

