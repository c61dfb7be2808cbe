"""Owners, memberships and outlet assignments of an employer (SPEC §3.2–3.4)."""

from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Generic, TypeVar

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


class OwnerReason(str, Enum):
    """Why a company has the owner it has (SPEC §3.3)."""

    OWNER_USER_ID = "owner_user_id"
    EARLIEST_HQ_MANAGER = "earliest_hq_manager"
    NO_CANDIDATE = "no_candidate"


@dataclass(frozen=True, slots=True)
class OwnerResolution:
    """A company's resolved owner (None without candidates), the reason, and the candidates' ids."""

    owner_user_id: int | None
    reason: OwnerReason
    candidate_ids: tuple[int, ...]


def resolve_owner_per_company(
    company: Company, company_users: Iterable[JodgigUser | ScopeUser], obsolete_company_ids: frozenset[int]
) -> int | None:
    """The company's owner among its ``HQ_MANAGER`` users in set G, or None."""
    return resolve_owner_with_reason(company, company_users, obsolete_company_ids).owner_user_id


def resolve_owner_with_reason(
    company: Company,
    company_users: Iterable[JodgigUser | ScopeUser],
    obsolete_company_ids: frozenset[int],
    scope_sets: Mapping[int, ScopeSet] | None = None,
) -> OwnerResolution:
    """The owner rule, with its reason: candidates are the company's ``HQ_MANAGER`` users in set G.

    ``companies.owner_user_id`` wins when it is a candidate; otherwise the
    earliest ``created_at``, ties to the lowest id. ``scope_sets`` are sets the caller has
    decided already (a batch's own users): only the other users are classified here.
    """

    def in_g(user: JodgigUser | ScopeUser) -> bool:
        scope_set = (scope_sets or {}).get(user.id) or classify_employer(user, company, (), obsolete_company_ids)
        return scope_set is ScopeSet.G

    candidates = sorted(
        (user for user in company_users if user.role == HQ_MANAGER and user.company_id == company.id and in_g(user)),
        key=_seniority,
    )
    candidate_ids = tuple(user.id for user in candidates)
    if not candidates:
        return OwnerResolution(None, OwnerReason.NO_CANDIDATE, candidate_ids)
    if company.owner_user_id in candidate_ids:
        return OwnerResolution(company.owner_user_id, OwnerReason.OWNER_USER_ID, candidate_ids)
    return OwnerResolution(candidates[0].id, OwnerReason.EARLIEST_HQ_MANAGER, candidate_ids)


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


Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True, slots=True)
class RoleDifference(Generic[Key]):
    """How memberships (key → role) differ from the wanted ones: the one comparison the writer,
    explain and a plan's changes all make, whatever they key memberships by."""

    added: tuple[Key, ...]
    deleted: tuple[Key, ...]
    #: (key, role now, wanted role)
    changed: tuple[tuple[Key, str, str], ...]

    @property
    def to_write(self) -> tuple[Key, ...]:
        """The keys whose row must be written: new, or with another role."""
        return self.added + tuple(key for key, _, _ in self.changed)


def role_difference(wanted: Mapping[Key, str], existing: Mapping[Key, str]) -> RoleDifference[Key]:
    """Keys in the order of ``wanted`` (added, changed), then of ``existing`` (deleted)."""
    return RoleDifference(
        added=tuple(key for key in wanted if key not in existing),
        deleted=tuple(key for key in existing if key not in wanted),
        changed=tuple(
            (key, existing[key], role) for key, role in wanted.items() if key in existing and existing[key] != role
        ),
    )


@dataclass(frozen=True, slots=True)
class OwnerChanges:
    """Which of the two owner statements a write needs: most writes change no owner and send neither."""

    #: Some organisation has an owner who is not its resolved owner, or the write makes an owner.
    demote: bool
    #: Some resolved owner is not its organisation's owner yet, and the membership upsert does not make it one.
    promote: bool


def owner_changes(
    resolved: Mapping[Key, int | None], current: Mapping[Key, int], written_owners: Collection[tuple[Key, int]]
) -> OwnerChanges:
    """Compare the resolved owners (organisation → identity, None: no owner) with the current ones
    (organisation → the identity whose membership is the owner) and the owner memberships about to
    be written.

    A write that makes an owner always demotes first, at its own statement's time: an owner another
    transaction (a JIT call beside a run) committed after ``current`` was read is then demoted,
    not left to fail the one-owner index.
    """
    promote = any(
        owner is not None and current.get(org) != owner and (org, owner) not in written_owners
        for org, owner in resolved.items()
    )
    wrong_owner = any(org in resolved and resolved[org] != owner for org, owner in current.items())
    return OwnerChanges(demote=wrong_owner or promote or bool(written_owners), promote=promote)
