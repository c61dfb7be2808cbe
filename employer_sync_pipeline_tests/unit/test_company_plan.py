"""The company plan (SPEC §3.2–3.3): liveness, organisations, outlets and owners, without a database."""

from datetime import datetime

import pytest

from employer_sync_pipeline.domain.company_plan import (
    CompanyFacts,
    company_facts,
    live_company_ids,
    plan_companies,
)
from employer_sync_pipeline.domain.employer_plan import EmployerFacts, plan_employer, plan_employer_chunk
from employer_sync_pipeline.domain.organisation import ADMIN, MANAGER, OWNER, Membership, OwnerReason, OwnerResolution
from employer_sync_pipeline.domain.timezone import TimezoneService

from .factories import company, outlet, user

OBSOLETE = frozenset({99})
TZ = TimezoneService()


@pytest.mark.parametrize(
    ("the_company", "live"),
    [
        (company(10), True),
        (company(10, status=0), False),
        (company(10, deleted_at=datetime(2025, 1, 1)), False),
        (company(99), False),
    ],
    ids=["live", "disabled", "soft-deleted", "obsolete"],
)
def test_liveness_is_decided_once_per_company(the_company, live):
    assert live_company_ids([the_company], OBSOLETE) == (frozenset({the_company.id}) if live else frozenset())


def resolved(owners: dict[int, int | None]) -> dict[int, OwnerResolution]:
    """Resolutions with these owners; why does not matter to the company plan."""
    return {cid: OwnerResolution(uid, OwnerReason.OWNER_USER_ID if uid else OwnerReason.NO_CANDIDATE, (uid,) if uid else ())
            for cid, uid in owners.items()}


def test_company_facts_group_outlets_and_resolve_owners_of_live_companies():
    companies = {10: company(10, owner_user_id=2), 11: company(11)}
    managers = [user(1, created_at=datetime(2020, 1, 1)), user(2, created_at=datetime(2021, 1, 1)),
                user(3, company_id=11, status=0)]
    facts = company_facts(companies, [outlet(100), outlet(101, company_id=11)], managers, OBSOLETE)
    assert facts.live_ids == {10, 11}
    assert facts.owners == {10: 2, 11: None}
    assert facts.outlets_by_company == {10: (outlet(100),), 11: (outlet(101, company_id=11),)}


def _plan(the_user, own_company=None, pivots=(), links=(), facts: CompanyFacts | None = None):
    employer = EmployerFacts(the_user, own_company, tuple(pivots), tuple(links))
    return plan_employer(employer, employer.scope_set(OBSOLETE), facts, TZ)


def test_members_companies_are_upserted_with_live_outlets_and_dead_outlets_deactivated():
    live, dead = outlet(100), outlet(101, status=0)
    facts = CompanyFacts(frozenset({10}), {10: (live, dead)}, resolved({10: 1}))
    plan = plan_companies([_plan(user(1), company(10), links=[live], facts=facts)], facts)
    assert plan.organisations == (company(10),)
    assert (plan.live_outlets, plan.deactivated_outlet_ids) == ((live,), (101,))
    assert plan.owners == {10: 1}
    assert plan.deactivated_company_ids == frozenset()


def test_a_company_no_longer_live_is_deactivated_and_gets_no_owner():
    facts = CompanyFacts(frozenset())
    plan = plan_companies([_plan(user(1), company(10, status=0), facts=facts)], facts)
    assert plan.organisations == ()
    assert plan.deactivated_company_ids == {10}
    assert plan.owners == {}


def test_a_previous_company_has_its_owner_re_resolved_without_being_upserted():
    """An owner who moved to company 11 leaves 10: its owner is resolved again, members or not."""
    facts = CompanyFacts(frozenset({10, 11}), {}, resolved({10: 5, 11: 1}), previous_companies=(company(10),))
    plan = plan_companies([_plan(user(1, company_id=11), company(11), facts=facts)], facts)
    assert plan.organisations == (company(11),)
    assert plan.member_company_ids == {11}
    assert plan.owners == {10: 5, 11: 1}


def test_a_super_hq_is_admin_of_live_pivot_companies_only():
    facts = CompanyFacts(frozenset({10}), {}, resolved({10: 7}))
    super_hq = user(1, role="SUPER_HQ_EXTERNAL", company_id=None)
    employer = _plan(super_hq, pivots=[company(10), company(11, status=0), None], facts=facts)
    assert employer.memberships == (Membership(10, ADMIN),)
    plan = plan_companies([employer], facts)
    assert plan.member_company_ids == {10}
    assert plan.deactivated_company_ids == {11}


def test_roles_follow_the_owner_the_batch_resolved():
    facts = CompanyFacts(frozenset({10}), {}, resolved({10: 2}))
    hq_owner, hq_other = _plan(user(2), company(10), facts=facts), _plan(user(3), company(10), facts=facts)
    manager = _plan(user(4, role="OUTLET_MANAGER"), company(10), facts=facts)
    assert [p.memberships for p in (hq_owner, hq_other, manager)] == [
        (Membership(10, OWNER),), (Membership(10, ADMIN),), (Membership(10, MANAGER),)]


def test_out_of_scope_plans_touch_their_companies_but_are_members_of_none():
    facts = CompanyFacts(frozenset({10}), {10: (outlet(100),)}, resolved({10: None}))
    plan = plan_companies([_plan(user(1, status=0), company(10), facts=facts)], facts)
    assert plan.organisations == () and plan.live_outlets == ()
    assert plan.owners == {10: None}


def test_each_half_of_a_chunk_gets_its_share_of_the_company_plan_without_deciding_again():
    """Isolation writes halves apart: each carries exactly the companies its own plans touch."""
    facts = CompanyFacts(
        frozenset({10, 11, 12}),
        {10: (outlet(100), outlet(101, status=0)), 11: (outlet(110, company_id=11),)},
        resolved({10: 1, 11: 2, 12: None}),
        previous_companies=(company(12),),
    )
    first = _plan(user(1), company(10), facts=facts)
    second = _plan(user(2, company_id=11), company(11), facts=facts)
    chunk = plan_employer_chunk([first, second], facts)
    assert chunk.companies.member_company_ids == {10, 11}

    left, right = chunk.halves()
    assert (left.plans, right.plans) == ((first,), (second,))
    assert left.companies.organisations == (company(10),)
    assert (left.companies.live_outlets, left.companies.deactivated_outlet_ids) == ((outlet(100),), (101,))
    assert right.companies.organisations == (company(11),)
    assert right.companies.live_outlets == (outlet(110, company_id=11),)
    assert right.companies.dead_outlets == ()
    # A previous company belongs to the whole chunk: both halves re-resolve its owner.
    assert left.companies.owners == {10: 1, 12: None}
    assert right.companies.owners == {11: 2, 12: None}
    assert left.companies == plan_employer_chunk([first], facts).companies
    assert right.companies == plan_employer_chunk([second], facts).companies
