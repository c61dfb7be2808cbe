"""What one employer should become in the platform, from its JodGig facts."""

from collections.abc import Sequence
from dataclasses import dataclass

from .company_plan import CompanyFacts, CompanyPlan, plan_companies
from .mapping import IdentityRow, map_identity
from .organisation import Membership, live_companies_of, plan_memberships, plan_outlet_assignments
from .records import Company, JodgigUser, Outlet, ScopeUser
from .scope import ScopeSet, classify_employer
from .timezone import TimezoneService

EMPLOYER = "employer"


@dataclass(frozen=True, slots=True)
class EmployerFacts:
    """Everything JodGig says about one employer that the sync needs.

    ``pivot_company_ids`` and ``linked_outlet_ids`` are the user's pivot and ``outlet_user`` rows as
    read, existing or not; ``linked_outlets`` are those of them that can become assignments.
    """

    user: JodgigUser | ScopeUser
    company: Company | None
    pivot_companies: tuple[Company | None, ...]
    linked_outlets: tuple[Outlet, ...]
    pivot_company_ids: tuple[int, ...] = ()
    linked_outlet_ids: tuple[int, ...] = ()

    def scope_set(self, obsolete_company_ids: frozenset[int]) -> ScopeSet:
        return classify_employer(self.user, self.company, self.pivot_companies, obsolete_company_ids)

    def related_companies(self) -> tuple[Company, ...]:
        """Existing companies this employer points at, live or not."""
        return tuple(c for c in (self.company, *self.pivot_companies) if c is not None)


@dataclass(frozen=True, slots=True)
class EmployerPlan:
    """The desired platform state of one employer. ``identity`` is None out of scope."""

    user_id: int
    scope_set: ScopeSet
    identity: IdentityRow | None
    memberships: tuple[Membership, ...]
    outlet_ids: frozenset[int]
    related_companies: tuple[Company, ...]


def plan_employer(
    facts: EmployerFacts,
    scope_set: ScopeSet,
    companies: CompanyFacts,
    tz: TimezoneService,
) -> EmployerPlan:
    """Map and plan one employer of ``scope_set``; raises a RecordError if it cannot be synced.

    ``scope_set`` is the employer's set as the batch classified it (once per run);
    ``companies`` carries the batch's liveness and owner decisions.
    """
    identity = map_identity(facts.user, EMPLOYER, tz) if scope_set.in_scope else None
    live = live_companies_of(scope_set, facts.company, facts.pivot_companies, companies.live_ids)
    return EmployerPlan(
        user_id=facts.user.id,
        scope_set=scope_set,
        identity=identity,
        memberships=plan_memberships(facts.user, scope_set, live, companies.owners),
        outlet_ids=plan_outlet_assignments(facts.user, scope_set, facts.linked_outlets),
        related_companies=facts.related_companies(),
    )


@dataclass(frozen=True)
class EmployerChunkPlan:
    """Employer plans written together, and what they do to companies: decided once, applied by the writer."""

    plans: tuple[EmployerPlan, ...]
    companies: CompanyPlan

    def __len__(self) -> int:
        return len(self.plans)

    def halves(self) -> tuple["EmployerChunkPlan", "EmployerChunkPlan"]:
        """Two parts for isolation to write apart, each with its share of the company plan."""
        middle = len(self.plans) // 2
        return self.restricted_to(self.plans[:middle]), self.restricted_to(self.plans[middle:])

    def restricted_to(self, plans: Sequence[EmployerPlan]) -> "EmployerChunkPlan":
        """These of its plans (all of them, or some), with their share of the company plan: nothing
        is decided again."""
        if len(plans) == len(self.plans):
            return self
        return EmployerChunkPlan(tuple(plans), self.companies.restricted_to(plans))


def plan_employer_chunk(plans: Sequence[EmployerPlan], companies: CompanyFacts) -> EmployerChunkPlan:
    return EmployerChunkPlan(tuple(plans), plan_companies(plans, companies))
