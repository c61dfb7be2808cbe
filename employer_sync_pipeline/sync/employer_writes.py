"""Applying a set of employer plans to the platform, set-based, in the caller's transaction.

Every decision is taken in ``domain/``: the employer plans and their :class:`CompanyPlan`.
"""

from collections.abc import Collection

from sqlalchemy.engine import Connection

from ..db import memberships, organisations
from ..domain.company_plan import CompanyPlan
from ..domain.employer_plan import EmployerChunkPlan
from ..domain.organisation import OWNER, owner_changes, role_difference
from .identity import write_identities
from .results import Written


def write_employer_plans(conn: Connection, chunk: EmployerChunkPlan, releases: Collection[int] = ()) -> Written:
    """Apply the chunk's employer plans and company plan with a constant number of statements,
    whatever their count.

    ``releases``: see :func:`~.identity.write_identities`.
    """
    written = Written()
    plans, company_plan = chunk.plans, chunk.companies
    written.company_owners = dict.fromkeys(company_plan.deactivated_company_ids) | dict(company_plan.owners)
    in_scope = [plan for plan in plans if plan.identity is not None]
    org_ids = _write_organisations(conn, company_plan, written)
    outlet_ids = _write_outlets(conn, company_plan, org_ids, written)
    # An identity's id never changes: owners outside these plans are looked up with the leaving plans.
    owner_user_ids = {uid for uid in company_plan.owners.values() if uid is not None}
    found = write_identities(conn, plans, written, releases, owner_user_ids - {plan.user_id for plan in in_scope})
    identity_ids = {plan.user_id: found[plan.user_id] for plan in plans if plan.user_id in found}
    owners = _owner_identities(company_plan, org_ids, found)
    membership_ids, assignments = _write_memberships(conn, in_scope, org_ids, identity_ids, owners, written)
    _write_assignments(conn, in_scope, org_ids, identity_ids, membership_ids, assignments, outlet_ids, written)
    return written


def _write_organisations(conn, plan: CompanyPlan, written) -> dict[int, int]:
    org_ids, written.table_rows["org_organisations.upserted"] = organisations.upsert_organisations(conn, plan.organisations)
    written.table_rows["org_organisations.deactivated"] = organisations.deactivate_organisations(
        conn, plan.deactivated_company_ids
    )
    org_ids.update(organisations.find_organisation_ids(conn, plan.owners.keys() - plan.member_company_ids))
    return org_ids


def _write_outlets(conn, plan: CompanyPlan, org_ids, written) -> dict[int, int]:
    outlet_ids, written.table_rows["org_outlets.upserted"] = organisations.upsert_outlets(conn, plan.live_outlets, org_ids)
    written.table_rows["org_outlets.deactivated"] = organisations.deactivate_outlets(conn, plan.deactivated_outlet_ids)
    return outlet_ids


def _owner_identities(plan: CompanyPlan, org_ids, identity_ids) -> dict[int, int | None]:
    """Organisation id → its resolved owner's identity id (None: no synced owner)."""
    return {org_ids[cid]: identity_ids.get(uid) for cid, uid in plan.owners.items() if cid in org_ids}


def _write_memberships(conn, in_scope, org_ids, identity_ids, owners, written) -> tuple[dict[tuple, int], dict]:
    """Write the memberships; returns (org, identity) → membership id, and the existing assignments
    of the memberships that stay (a new membership has none)."""
    desired = {
        (org_ids[m.company_id], identity_ids[plan.user_id]): m.role for plan in in_scope for m in plan.memberships
    }
    state = memberships.membership_state(conn, list(identity_ids.values()), list(owners))
    existing = {(m.organisation_id, m.identities_user_id): m for m in state.memberships}
    difference = role_difference(desired, {key: m.role for key, m in existing.items()})
    written.table_rows["org_memberships.deleted"] = memberships.delete_memberships(
        conn, [existing[key].id for key in difference.deleted]
    )
    changes = owner_changes(owners, state.owners, [key for key in difference.to_write if desired[key] == OWNER])
    written.table_rows["org_memberships.demoted"] = memberships.demote_other_owners(conn, owners) if changes.demote else 0
    upserted, written.table_rows["org_memberships.upserted"] = memberships.upsert_memberships(
        conn, [(*key, desired[key]) for key in difference.to_write]
    )
    written.table_rows["org_memberships.promoted"] = memberships.promote_owners(conn, owners) if changes.promote else 0
    membership_ids = {key: existing[key].id for key in desired if key in existing} | upserted
    kept = set(membership_ids.values())
    return membership_ids, {pair: row_id for pair, row_id in state.assignments.items() if pair[0] in kept}


def _write_assignments(conn, in_scope, org_ids, identity_ids, membership_ids, existing, outlet_ids, written) -> None:
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
    written.table_rows["org_outlet_assignments.inserted"] = memberships.insert_assignments(
        conn, desired - existing.keys()
    )
    written.table_rows["org_outlet_assignments.deleted"] = memberships.delete_assignments(
        conn, [row_id for pair, row_id in existing.items() if pair not in desired]
    )
