"""Loading what JodGig says about a batch of employers: one query per table."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from ..db import jodgig_queries as jq
from ..domain.employer_plan import EmployerFacts
from ..domain.organisation import resolve_owner_per_company
from ..domain.scope import EMPLOYER_ROLES, ScopeSet, is_company_live
from .employer_writes import CompanyContext


@dataclass(frozen=True)
class EmployerBatchFacts:
    facts: tuple[EmployerFacts, ...]
    context: CompanyContext


def load_employer_scope_facts(conn: Connection, user_ids: Iterable[int]) -> list[EmployerFacts]:
    """Users with their companies and pivots: enough to classify them."""
    return _with_companies(conn, jq.load_users(conn, user_ids, EMPLOYER_ROLES))


def _with_companies(conn: Connection, users: Sequence) -> list[EmployerFacts]:
    pivots = jq.load_pivot_company_ids(conn, [u.id for u in users])
    company_ids = {u.company_id for u in users if u.company_id is not None}
    company_ids.update(cid for ids in pivots.values() for cid in ids)
    companies = jq.load_companies(conn, company_ids)
    return [
        EmployerFacts(
            user=user,
            company=companies.get(user.company_id) if user.company_id is not None else None,
            pivot_companies=tuple(companies.get(cid) for cid in pivots.get(user.id, ())),
            linked_outlets=(),
        )
        for user in sorted(users, key=lambda u: u.id)
    ]


def classify_employers(
    conn: Connection, user_ids: Sequence[int], obsolete_company_ids: frozenset[int]
) -> dict[int, ScopeSet]:
    """User id → set, for employers that exist; reads only the columns that decide the set."""
    facts = _with_companies(conn, jq.load_scope_users(conn, user_ids, EMPLOYER_ROLES))
    return {f.user.id: f.scope_set(obsolete_company_ids) for f in facts}


def load_employer_batch(
    conn: Connection,
    user_ids: Sequence[int],
    obsolete_company_ids: frozenset[int],
    previous_company_ids: Iterable[int] = (),
) -> EmployerBatchFacts:
    """Facts of each employer, plus the outlets and owners of every live company they touch.

    ``previous_company_ids`` are the companies where the platform still has their memberships:
    an owner who moved away leaves such a company, and its owner must be resolved again too.
    Owners are resolved over all of a company's candidates in JodGig, not only the batch's.
    """
    scope_facts = load_employer_scope_facts(conn, user_ids)
    links = jq.load_outlet_links(conn, [f.user.id for f in scope_facts])
    current = {c.id: c for f in scope_facts for c in f.related_companies()}
    previous = jq.load_companies(conn, set(previous_company_ids) - current.keys())
    live = {cid: c for cid, c in {**current, **previous}.items() if is_company_live(c, obsolete_company_ids)}
    outlets = {outlet.id: outlet for outlet in jq.load_outlets_of_companies(conn, live)}
    outlets_by_company: dict[int, list] = {}
    for outlet in outlets.values():
        outlets_by_company.setdefault(outlet.company_id, []).append(outlet)
    # Only outlets of live touched companies are loaded: a link to any other outlet can never
    # become an assignment, because assignments need a live outlet of the employer's own company.
    facts = tuple(
        EmployerFacts(
            f.user,
            f.company,
            f.pivot_companies,
            tuple(outlets[oid] for oid in links.get(f.user.id, ()) if oid in outlets),
        )
        for f in scope_facts
    )
    owners = resolve_owners(conn, live, obsolete_company_ids)
    context = CompanyContext(outlets_by_company, owners, obsolete_company_ids, tuple(previous.values()))
    return EmployerBatchFacts(facts, context)


def resolve_owners(conn: Connection, live: dict, obsolete_company_ids: frozenset[int]) -> dict[int, int | None]:
    """Company id → resolved owner, for these live companies, over all their candidates in JodGig."""
    managers_by_company: dict[int, list] = {}
    for manager in jq.load_hq_managers_of_companies(conn, live):
        managers_by_company.setdefault(manager.company_id, []).append(manager)
    return {
        cid: resolve_owner_per_company(company, managers_by_company.get(cid, ()), obsolete_company_ids)
        for cid, company in live.items()
    }
