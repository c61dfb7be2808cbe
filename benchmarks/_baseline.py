"""The per-record design the seeds describe, to compare the sync against; never used to sync.

    python -m benchmarks._baseline --limit 5000     # prints JSON, like _job_subprocess

For every employer, in the order the sync selects them: load it with the project's loader given a batch
of one (one query per table: the user, its companies and pivots, its outlet links,
the outlets and HQ managers of its live companies, owners resolved by
``resolve_owner_per_company``), plan it with ``plan_employer`` (which maps through
``map_identity``), then write it in its own platform transaction with one
single-row statement per row: the project's guarded ``INSERT … ON CONFLICT … DO
UPDATE`` writers called with one row each. A record that fails rolls back alone
(the seeds' per-record begin/rescue). Reads the same environment as the jobs.
"""

import json
import re
import resource
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import click
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from employer_sync_pipeline.db import jodgig_queries as jq
from employer_sync_pipeline.db import identities, memberships, organisations
from employer_sync_pipeline.db.platform_tables import org_outlet_assignments
from employer_sync_pipeline.db.upsert import dialect_insert
from employer_sync_pipeline.domain.company_plan import CompanyFacts
from employer_sync_pipeline.domain.employer_plan import EmployerPlan, plan_employer
from employer_sync_pipeline.domain.errors import RecordError
from employer_sync_pipeline.domain.organisation import OWNER
from employer_sync_pipeline.domain.records import Outlet
from employer_sync_pipeline.settings import Settings
from employer_sync_pipeline.sync.databases import jodgig_engine_and_rules, platform_engine
from employer_sync_pipeline.sync.employer_facts import load_employer_batch
from employer_sync_pipeline.sync.source_rules import SourceRules


def sync_employer(source: Connection, platform: Connection, user_id: int, rules: SourceRules) -> bool:
    """Load, plan and write one employer in its own transaction; False when the record failed."""
    batch = load_employer_batch(source, [user_id], rules.obsolete_company_ids)
    try:
        plans = [
            plan_employer(facts, facts.scope_set(rules.obsolete_company_ids), batch.companies, rules.timezone)
            for facts in batch.facts
        ]
        with platform.begin():
            for plan in plans:
                write_plan(platform, plan, batch.companies)
    except (RecordError, sa.exc.IntegrityError):
        return False
    return True


def write_plan(conn: Connection, plan: EmployerPlan, facts: CompanyFacts) -> None:
    """Write one employer's plan row by row."""
    for company in plan.related_companies:
        if company.id not in facts.live_ids:
            organisations.deactivate_organisations(conn, [company.id])
    if plan.identity is None:
        _retire(conn, plan.user_id)
        return
    identity_id = _only_id(identities.upsert_identities(conn, [plan.identity]))
    companies = {company.id: company for company in plan.related_companies}
    kept = set()
    for membership in plan.memberships:
        org_id = _only_id(organisations.upsert_organisations(conn, [companies[membership.company_id]]))
        outlet_ids = _write_outlets(conn, org_id, facts.outlets_by_company.get(membership.company_id, ()))
        membership_id = _write_membership(conn, org_id, identity_id, membership.role)
        _write_assignments(conn, membership_id, [outlet_ids[o] for o in plan.outlet_ids if o in outlet_ids])
        kept.add(membership_id)
    stale = [m.id for m in memberships.existing_memberships(conn, [identity_id]) if m.id not in kept]
    memberships.delete_memberships(conn, stale)


def _retire(conn: Connection, user_id: int) -> None:
    """An employer out of scope: deactivate its identity, if it has one, and drop its memberships."""
    identity_id = identities.find_identity_ids(conn, [user_id]).get(user_id)
    if identity_id is not None:
        identities.deactivate_identities(conn, [identity_id])
        memberships.delete_memberships(conn, [m.id for m in memberships.existing_memberships(conn, [identity_id])])


def _write_outlets(conn: Connection, org_id: int, outlets: Iterable[Outlet]) -> dict[int, int]:
    """Upsert the live outlets one by one and deactivate the others; JodGig outlet id → org outlet id."""
    ids = {}
    for outlet in outlets:
        if outlet.is_live:
            ids[outlet.id] = _only_id(organisations.upsert_outlets(conn, [outlet], {outlet.company_id: org_id}))
        else:
            organisations.deactivate_outlets(conn, [outlet.id])
    return ids


def _write_membership(conn: Connection, org_id: int, identity_id: int, role: str) -> int:
    """Upsert the membership; an owner first demotes any other owner, for the one-owner index."""
    if role == OWNER:
        memberships.demote_other_owners(conn, {org_id: identity_id})
    return _only_id(memberships.upsert_memberships(conn, [(org_id, identity_id, role)]))


def _write_assignments(conn: Connection, membership_id: int, org_outlet_ids: Sequence[int]) -> None:
    """Insert each assignment alone (nothing to update on conflict), then delete the stale ones."""
    for org_outlet_id in org_outlet_ids:
        conn.execute(
            dialect_insert(conn, org_outlet_assignments)
            .values(org_membership_id=membership_id, org_outlet_id=org_outlet_id)
            .on_conflict_do_nothing(index_elements=["org_membership_id", "org_outlet_id"])
        )
    existing = memberships.existing_assignments(conn, [membership_id])
    memberships.delete_assignments(conn, [row_id for (_, outlet), row_id in existing.items() if outlet not in org_outlet_ids])


def process_figures(wall_seconds: float) -> dict:
    """What a measured child process reports: its wall time and its own peak RSS.

    The peak is ``VmHWM``, the high-water mark of this process image. ``ru_maxrss`` is kept for
    reference only: Linux carries the spawning parent's peak across fork and exec into it, so a
    child started by a parent that generated a large data set reports the parent's memory.
    """
    status = Path("/proc/self/status").read_text()
    vm_hwm_kib = int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE).group(1))
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "wall_seconds": wall_seconds,
        "peak_rss_mib": vm_hwm_kib / 1024,
        "ru_maxrss_mib": own.ru_maxrss / 1024,
        "cpu_seconds": own.ru_utime + own.ru_stime,
        "children_cpu_seconds": children.ru_utime + children.ru_stime,
    }


def spread_sample(ids: Sequence[int], limit: int | None) -> Sequence[int]:
    """At most ``limit`` of ``ids``, evenly spread: a sample of every kind of employer.

    The selection is ordered by company, so its first ids are unrepresentative: super-HQ users
    (no company) and the obsolete companies' employers come first.
    """
    if limit is None or limit >= len(ids):
        return ids
    return ids[:: -(-len(ids) // limit)]


def _only_id(upserted: tuple[Mapping, int]) -> int:
    """The one id a single-row upsert returns."""
    ids, _ = upserted
    (only,) = ids.values()
    return only


@click.command()
@click.option("--limit", type=int, default=None, help="Time at most N employers, spread over all of them.")
def main(limit: int | None) -> None:
    settings = Settings.from_env()
    source, rules = jodgig_engine_and_rules(settings)
    platform = platform_engine(settings)
    with source.connect() as source_conn, platform.connect() as platform_conn:
        employer_ids = jq.all_employer_ids(source_conn)
        timed = spread_sample(employer_ids, limit)
        started = time.perf_counter()
        failed = sum(not sync_employer(source_conn, platform_conn, user_id, rules) for user_id in timed)
        wall = time.perf_counter() - started
    counts = {"employers": len(employer_ids), "timed_employers": len(timed), "failed": failed}
    print(json.dumps({"success": True, **process_figures(wall), **counts}))


if __name__ == "__main__":
    main()
