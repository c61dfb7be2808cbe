"""Loading what JodGig says about a batch of employers: set-based reads; for a few ids, the tables
of one step in one statement."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from ..db import jodgig_queries as jq
from ..domain.company_plan import CompanyFacts, company_facts, live_company_ids
from ..domain.employer_plan import EmployerFacts
from ..domain.records import Company
from ..domain.scope import EMPLOYER_ROLES, ScopeSet


@dataclass(frozen=True)
class EmployerBatchFacts:
    """A batch's employers, the set of each (decided once, here), and the companies they touch."""

    facts: tuple[EmployerFacts, ...]
    scope_sets: Mapping[int, ScopeSet]
    companies: CompanyFacts


def load_employer_scope_facts(conn: Connection, user_ids: Iterable[int]) -> list[EmployerFacts]:
    """Users with their companies and pivots: enough to classify them."""
    users = jq.load_users(conn, user_ids, EMPLOYER_ROLES)
    return _with_companies(conn, users, jq.load_pivot_company_ids(conn, [u.id for u in users]))


def _with_companies(conn: Connection, users: Sequence, pivots: Mapping[int, list[int]]) -> list[EmployerFacts]:
    return _facts(users, pivots, jq.load_companies(conn, _company_ids(users, pivots)))


def _company_ids(users: Sequence, pivots: Mapping[int, list[int]]) -> set[int]:
    """The companies the users point at: their own, and their pivots'."""
    company_ids = {u.company_id for u in users if u.company_id is not None}
    company_ids.update(cid for ids in pivots.values() for cid in ids)
    return company_ids


def _facts(users: Sequence, pivots: Mapping[int, list[int]], companies: Mapping[int, Company]) -> list[EmployerFacts]:
    """Each user with the companies it points at (None where JodGig has no such company), by id."""
    return [
        EmployerFacts(
            user=user,
            company=companies.get(user.company_id) if user.company_id is not None else None,
            pivot_companies=tuple(companies.get(cid) for cid in pivots.get(user.id, ())),
            linked_outlets=(),
            pivot_company_ids=tuple(pivots.get(user.id, ())),
        )
        for user in sorted(users, key=lambda u: u.id)
    ]


def classify_employers(
    conn: Connection, user_ids: Sequence[int], obsolete_company_ids: frozenset[int]
) -> dict[int, ScopeSet]:
    """User id → set, for employers that exist; reads only the columns that decide the set."""
    users = jq.load_scope_users(conn, user_ids, EMPLOYER_ROLES)
    facts = _with_companies(conn, users, jq.load_pivot_company_ids(conn, [u.id for u in users]))
    return {f.user.id: f.scope_set(obsolete_company_ids) for f in facts}


def load_employer_batch(
    conn: Connection,
    user_ids: Sequence[int],
    obsolete_company_ids: frozenset[int],
    previous_company_ids: Iterable[int] = (),
) -> EmployerBatchFacts:
    """Facts of each employer, plus the liveness, outlets and owners of every company they touch:
    the users with their links, then the companies with their people (for a JIT's few ids, two
    statements).

    ``previous_company_ids`` are the companies where the platform still has their memberships:
    an owner who moved away leaves such a company, and its owner must be resolved again too.
    Owners are resolved over all of a company's candidates in JodGig, not only the batch's.
    """
    found = jq.load_users_with_links(conn, user_ids, EMPLOYER_ROLES)
    users, pivots, links = found.users, found.pivot_company_ids, found.linked_outlet_ids
    current_ids = _company_ids(users, pivots)
    touched = jq.load_companies_with_outlets_and_hq_managers(
        conn, current_ids | set(previous_company_ids), {u.id for u in users}
    )
    scope_facts = _facts(users, pivots, touched.companies)
    previous = tuple(company for cid, company in sorted(touched.companies.items()) if cid not in current_ids)
    live_ids = live_company_ids(touched.companies.values(), obsolete_company_ids)
    live = {cid: touched.companies[cid] for cid in sorted(live_ids)}
    # Outlets and managers are read for every touched company, live or not: only the live ones'
    # count. A link to any other outlet can never become an assignment, because assignments need
    # a live outlet of the employer's own company.
    outlets = {outlet.id: outlet for outlet in touched.outlets if outlet.company_id in live_ids}
    facts = tuple(
        EmployerFacts(
            f.user,
            f.company,
            f.pivot_companies,
            tuple(outlets[oid] for oid in links.get(f.user.id, ()) if oid in outlets),
            f.pivot_company_ids,
            tuple(links.get(f.user.id, ())),
        )
        for f in scope_facts
    )
    scope_sets = {f.user.id: f.scope_set(obsolete_company_ids) for f in scope_facts}
    managers = [*(f.user for f in scope_facts), *(m for m in touched.hq_managers if m.company_id in live_ids)]
    companies = company_facts(live, outlets.values(), managers, obsolete_company_ids, previous, scope_sets)
    return EmployerBatchFacts(facts, scope_sets, companies)


def resolve_owners(conn: Connection, live: dict, obsolete_company_ids: frozenset[int]) -> dict[int, int | None]:
    """Company id → resolved owner, for these live companies, over all their candidates in JodGig."""
    managers = jq.load_hq_managers_of_companies(conn, live)
    return dict(company_facts(live, (), managers, obsolete_company_ids).owners)
