"""Writing a set of employer plans into the platform, set-based, in the caller's transaction."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from ..db import platform_writes as pw
from ..domain.employer_plan import EmployerPlan
from ..domain.records import Company, Outlet
from ..domain.scope import is_company_live
from .identity import write_identities
from .results import Written


@dataclass(frozen=True)
class CompanyContext:
    """Company-level JodGig facts a batch's plans share."""

    outlets_by_company: Mapping[int, Sequence[Outlet]]
    owners: Mapping[int, int | None]
    obsolete_company_ids: frozenset[int]
    previous_companies: tuple[Company, ...] = ()


def write_employer_plans(conn: Connection, plans: Sequence[EmployerPlan], context: CompanyContext) -> Written:
    """Apply ``plans`` with a constant number of statements, whatever their count."""
    written = Written()
    in_scope = [plan for plan in plans if plan.identity is not None]
    companies = {c.id: c for c in context.previous_companies}
    companies.update({c.id: c for plan in plans for c in plan.related_companies})
    live_ids = {cid for cid, c in companies.items() if is_company_live(c, context.obsolete_company_ids)}
    member_ids = {m.company_id for plan in in_scope for m in plan.memberships}

    org_ids = _write_organisations(conn, companies, live_ids, member_ids, written)
    outlet_ids = _write_outlets(conn, member_ids, org_ids, context, written)
    identity_ids = write_identities(conn, plans, written)
    owners = _owner_identities(conn, live_ids, org_ids, context)
    membership_ids = _write_memberships(conn, in_scope, org_ids, identity_ids, owners, written)
    _write_assignments(conn, in_scope, org_ids, identity_ids, membership_ids, outlet_ids, written)
    return written


def _write_organisations(conn, companies: Mapping[int, Company], live_ids, member_ids, written) -> dict[int, int]:
    org_ids, written.table_rows["org_organisations.upserted"] = pw.upsert_organisations(
        conn, [companies[cid] for cid in sorted(member_ids)]
    )
    written.table_rows["org_organisations.deactivated"] = pw.deactivate_organisations(
        conn, companies.keys() - live_ids
    )
    org_ids.update(pw.find_organisation_ids(conn, live_ids - member_ids))
    return org_ids


def _write_outlets(conn, member_ids, org_ids, context: CompanyContext, written) -> dict[int, int]:
    outlets = [o for cid in sorted(member_ids) for o in context.outlets_by_company.get(cid, ())]
    outlet_ids, written.table_rows["org_outlets.upserted"] = pw.upsert_outlets(
        conn, [o for o in outlets if o.is_live], org_ids
    )
    written.table_rows["org_outlets.deactivated"] = pw.deactivate_outlets(
        conn, [o.id for o in outlets if not o.is_live]
    )
    return outlet_ids


def _owner_identities(conn, live_ids, org_ids, context: CompanyContext) -> dict[int, int | None]:
    """Organisation id → its resolved owner's identity id (None: no synced owner)."""
    owner_user_ids = {cid: context.owners.get(cid) for cid in live_ids if cid in org_ids}
    identities = pw.find_identity_ids(conn, {uid for uid in owner_user_ids.values() if uid is not None})
    return {org_ids[cid]: identities.get(uid) for cid, uid in owner_user_ids.items()}


def _write_memberships(conn, in_scope, org_ids, identity_ids, owners, written) -> dict[tuple, int]:
    desired = {
        (org_ids[m.company_id], identity_ids[plan.user_id]): m.role for plan in in_scope for m in plan.memberships
    }
    existing = pw.existing_memberships(conn, list(identity_ids.values()))
    stale = [m.id for m in existing if (m.organisation_id, m.identities_user_id) not in desired]
    written.table_rows["org_memberships.deleted"] = pw.delete_memberships(conn, stale)
    written.table_rows["org_memberships.demoted"] = pw.demote_other_owners(conn, owners)
    membership_ids, written.table_rows["org_memberships.upserted"] = pw.upsert_memberships(
        conn, [(org, identity, role) for (org, identity), role in desired.items()]
    )
    written.table_rows["org_memberships.promoted"] = pw.promote_owners(conn, owners)
    return membership_ids


def _write_assignments(conn, in_scope, org_ids, identity_ids, membership_ids, outlet_ids, written) -> None:
    """Replace each manager's outlet assignments by exactly its planned set.

    Only G managers have planned outlets, and their one membership is in their own company.
    """
    desired = {
        (membership_ids[(org_ids[m.company_id], identity_ids[plan.user_id])], outlet_ids[outlet_id])
        for plan in in_scope
        if plan.outlet_ids
        for m in plan.memberships
        for outlet_id in plan.outlet_ids
    }
    existing = pw.existing_assignments(conn, list(membership_ids.values()))
    written.table_rows["org_outlet_assignments.inserted"] = pw.insert_assignments(
        conn, desired - existing.keys()
    )
    written.table_rows["org_outlet_assignments.deleted"] = pw.delete_assignments(
        conn, [row_id for pair, row_id in existing.items() if pair not in desired]
    )
