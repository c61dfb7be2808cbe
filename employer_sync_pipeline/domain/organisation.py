"""Owners, memberships and outlet assignments of an employer (SPEC §3.2–3.4)."""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from .mapping import is_timestamp
from .records import Company, JodgigUser, Outlet, ScopeUser
from .scope import HQ_MANAGER, OUTLET_MANAGER, SUPER_HQ_EXTERNAL, ScopeSet, classify_employer

OWNER = "owner"
ADMIN = "admin"
MANAGER = "manager"


@dataclass(frozen=True, slots=True)
class Membership:
    company_id: int
    role: str


def resolve_owner_per_company(
    company: Company, company_users: Iterable[JodgigUser | ScopeUser], obsolete_company_ids: frozenset[int]
) -> int | None:
    """The company's owner among its ``HQ_MANAGER`` users in set G, or None.

    ``companies.owner_user_id`` wins when it is a candidate; otherwise the
    earliest ``created_at``, ties to the lowest id.
    """
    candidates = [
        user
        for user in company_users
        if user.role == HQ_MANAGER
        and user.company_id == company.id
        and classify_employer(user, company, (), obsolete_company_ids) is ScopeSet.G
    ]
    if not candidates:
        return None
    if any(user.id == company.owner_user_id for user in candidates):
        return company.owner_user_id
    return min(candidates, key=_seniority).id


def _seniority(user: JodgigUser | ScopeUser) -> tuple[datetime, int]:
    """Earliest ``created_at`` first, ties to the lowest id; a zero date counts as the latest."""
    return (user.created_at if is_timestamp(user.created_at) else datetime.max, user.id)


def plan_memberships(
    user: JodgigUser,
    scope_set: ScopeSet,
    live_companies: Iterable[Company],
    owners: Mapping[int, int | None],
) -> tuple[Membership, ...]:
    """The memberships an employer should have, one per organisation.

    ``live_companies`` are the employer's live companies: its own for G, its
    live pivot companies for S. ``owners`` maps company id to resolved owner.
    """
    if not scope_set.in_scope:
        return ()
    if user.role == SUPER_HQ_EXTERNAL:
        return tuple(Membership(company.id, ADMIN) for company in live_companies)
    return tuple(Membership(company.id, _company_role(user, owners.get(company.id))) for company in live_companies)


def _company_role(user: JodgigUser, owner_id: int | None) -> str:
    if user.role == OUTLET_MANAGER:
        return MANAGER
    return OWNER if user.id == owner_id else ADMIN


def plan_outlet_assignments(
    user: JodgigUser, scope_set: ScopeSet, linked_outlets: Iterable[Outlet]
) -> frozenset[int]:
    """Ids of the live outlets of the employer's own company it works at."""
    if not scope_set.in_scope or user.role not in (HQ_MANAGER, OUTLET_MANAGER):
        return frozenset()
    return frozenset(
        outlet.id for outlet in linked_outlets if outlet.is_live and outlet.company_id == user.company_id
    )


def live_companies_of(
    scope_set: ScopeSet,
    company: Company | None,
    pivot_companies: Iterable[Company | None],
    live_company_ids: Collection[int],
) -> tuple[Company, ...]:
    """The organisations an in-scope employer belongs to; ``live_company_ids`` as the batch decided."""
    if scope_set is ScopeSet.G and company is not None:
        return (company,)
    if scope_set is ScopeSet.S:
        return tuple(c for c in pivot_companies if c is not None and c.id in live_company_ids)
    return ()
