"""Loading what JodGig says about a batch of employers: set-based reads, a table (or two of the same shape) each."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from ..db import jodgig_queries as jq
from ..domain.company_plan import CompanyFacts, company_facts, live_company_ids
from ..domain.employer_plan import EmployerFacts
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
    company_ids = {u.company_id for u in users if u.company_id is not None}
    company_ids.update(cid for ids in pivots.values() for cid in ids)
    companies = jq.load_companies(conn, company_ids)
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
    """Facts of each employer, plus the liveness, outlets and owners of every company they touch.

    ``previous_company_ids`` are the companies where the platform still has their memberships:
    an owner who moved away leaves such a company, and its owner must be resolved again too.
    Owners are resolved over all of a company's candidates in JodGig, not only the batch's.
    """
    users = jq.load_users(conn, user_ids, EMPLOYER_ROLES)
    pivots, links = jq.load_pivots_and_outlet_links(conn, [u.id for u in users])
    scope_facts = _with_companies(conn, users, pivots)
    current = {c.id: c for f in scope_facts for c in f.related_companies()}
    previous = jq.load_companies(conn, set(previous_company_ids) - current.keys())
    touched = {**current, **previous}
    live_ids = live_company_ids(touched.values(), obsolete_company_ids)
    live = {cid: touched[cid] for cid in sorted(live_ids)}
    outlets = {outlet.id: outlet for outlet in jq.load_outlets_of_companies(conn, live)}
    # Only outlets of live touched companies are loaded: a link to any other outlet can never
    # become an assignment, because assignments need a live outlet of the employer's own company.
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
    batch_users = [f.user for f in scope_facts]
    managers = [*batch_users, *jq.load_hq_managers_of_companies(conn, live, {u.id for u in batch_users})]
    companies = company_facts(
        live, outlets.values(), managers, obsolete_company_ids, tuple(previous.values()), scope_sets
    )
    return EmployerBatchFacts(facts, scope_sets, companies)


def resolve_owners(conn: Connection, live: dict, obsolete_company_ids: frozenset[int]) -> dict[int, int | None]:
    """Company id → resolved owner, for these live companies, over all their candidates in JodGig."""
    managers = jq.load_hq_managers_of_companies(conn, live)
    return dict(company_facts(live, (), managers, obsolete_company_ids).owners)
