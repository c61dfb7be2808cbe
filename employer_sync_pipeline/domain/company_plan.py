"""Company-level decisions of a batch (SPEC §3.2–3.3): liveness, organisations, outlets, owners.

A batch decides each company's liveness and owner once, in :func:`company_facts`; every
employer plan and the writer take them from there. :func:`plan_companies` says what a set
of employer plans does to the organisations and outlets; the writer only applies it.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from .organisation import Membership, OwnerResolution, resolve_owner_with_reason
from .records import Company, Outlet, ScopeUser
from .scope import ScopeSet, is_company_live


@dataclass(frozen=True)
class CompanyFacts:
    """What a batch knows about the companies it touches, each decision taken once.

    ``live_ids``: the touched companies that are live. ``outlets_by_company`` and ``owners``
    cover the live ones: their outlets, and their resolved owner (None: no candidate).
    ``previous_companies`` are companies where the platform still has the batch's memberships.
    """

    live_ids: frozenset[int]
    outlets_by_company: Mapping[int, tuple[Outlet, ...]] = field(default_factory=dict)
    #: Each live company's owner with its reason and candidates: what explain shows, as decided here.
    resolutions: Mapping[int, OwnerResolution] = field(default_factory=dict)
    previous_companies: tuple[Company, ...] = ()

    @cached_property
    def owners(self) -> dict[int, int | None]:
        """Live company id → its resolved owner (None: no candidate); every employer plan reads it."""
        return {cid: resolution.owner_user_id for cid, resolution in self.resolutions.items()}


def live_company_ids(companies: Iterable[Company], obsolete_company_ids: frozenset[int]) -> frozenset[int]:
    """The ids of the live companies among ``companies`` (SPEC §2)."""
    return frozenset(c.id for c in companies if is_company_live(c, obsolete_company_ids))


def company_facts(
    live: Mapping[int, Company],
    outlets: Iterable[Outlet],
    hq_managers: Iterable[ScopeUser],
    obsolete_company_ids: frozenset[int],
    previous_companies: Sequence[Company] = (),
    scope_sets: Mapping[int, ScopeSet] | None = None,
) -> CompanyFacts:
    """Group the live companies' outlets and resolve each one's owner over all its HQ managers.

    ``scope_sets``: the sets the batch decided for its own users, which are not decided again.
    """
    outlets_by_company: dict[int, list[Outlet]] = {}
    for outlet in outlets:
        outlets_by_company.setdefault(outlet.company_id, []).append(outlet)
    managers_by_company: dict[int, list[ScopeUser]] = {}
    for manager in hq_managers:
        managers_by_company.setdefault(manager.company_id, []).append(manager)
    resolutions = {
        cid: resolve_owner_with_reason(company, managers_by_company.get(cid, ()), obsolete_company_ids, scope_sets)
        for cid, company in live.items()
    }
    return CompanyFacts(
        frozenset(live),
        {cid: tuple(found) for cid, found in outlets_by_company.items()},
        resolutions,
        tuple(previous_companies),
    )


class CompanyTouchingPlan(Protocol):
    memberships: tuple[Membership, ...]
    related_companies: tuple[Company, ...]


@dataclass(frozen=True)
class CompanyPlan:
    """What a set of employer plans does to organisations and outlets.

    ``organisations``: upserted active, the companies the plans are members of.
    ``owners``: every live touched company, members or not, with its resolved owner.
    ``previous_company_ids``: companies where the platform still has the batch's memberships;
    every part of a batch touches them.
    """

    organisations: tuple[Company, ...]
    deactivated_company_ids: frozenset[int]
    live_outlets: tuple[Outlet, ...]
    dead_outlets: tuple[Outlet, ...]
    owners: Mapping[int, int | None]
    previous_company_ids: frozenset[int] = frozenset()

    @property
    def member_company_ids(self) -> frozenset[int]:
        return frozenset(c.id for c in self.organisations)

    @property
    def deactivated_outlet_ids(self) -> tuple[int, ...]:
        return tuple(o.id for o in self.dead_outlets)

    def restricted_to(self, plans: Sequence[CompanyTouchingPlan]) -> "CompanyPlan":
        """The part of this plan that ``plans`` (some of the plans it was made for) touch.

        Nothing is decided again: the companies, outlets and owners are this plan's, filtered.
        """
        touched = {c.id for plan in plans for c in plan.related_companies} | self.previous_company_ids
        members = {m.company_id for plan in plans for m in plan.memberships}
        return CompanyPlan(
            organisations=tuple(c for c in self.organisations if c.id in members),
            deactivated_company_ids=self.deactivated_company_ids & touched,
            live_outlets=tuple(o for o in self.live_outlets if o.company_id in members),
            dead_outlets=tuple(o for o in self.dead_outlets if o.company_id in members),
            owners={cid: owner for cid, owner in self.owners.items() if cid in touched},
            previous_company_ids=self.previous_company_ids,
        )


def plan_companies(plans: Sequence[CompanyTouchingPlan], facts: CompanyFacts) -> CompanyPlan:
    """The organisations, outlets and owners that ``plans`` touch.

    Every company a plan points at, and every previous company, is touched: a live one gets
    its owner re-resolved, any other is deactivated. The companies the plans are members of
    are upserted with their live outlets; their other outlets are deactivated.
    """
    touched = {c.id: c for c in facts.previous_companies}
    touched.update({c.id: c for plan in plans for c in plan.related_companies})
    live = touched.keys() & facts.live_ids
    member_ids = sorted({m.company_id for plan in plans for m in plan.memberships})
    outlets = [o for cid in member_ids for o in facts.outlets_by_company.get(cid, ())]
    return CompanyPlan(
        organisations=tuple(touched[cid] for cid in member_ids),
        deactivated_company_ids=frozenset(touched.keys() - facts.live_ids),
        live_outlets=tuple(o for o in outlets if o.is_live),
        dead_outlets=tuple(o for o in outlets if not o.is_live),
        owners={cid: facts.owners.get(cid) for cid in sorted(live)},
        previous_company_ids=frozenset(c.id for c in facts.previous_companies),
    )
