from datetime import datetime

import pytest

from employer_sync_pipeline.domain.organisation import (
    role_difference,
    ADMIN,
    MANAGER,
    OWNER,
    Membership,
    OwnerChanges,
    owner_changes,
    plan_memberships,
    plan_outlet_assignments,
    resolve_owner_per_company,
)
from employer_sync_pipeline.domain.scope import ScopeSet

from .factories import company, outlet, user

OBSOLETE = frozenset({99})
EARLY, LATE = datetime(2020, 1, 1), datetime(2024, 1, 1)


@pytest.mark.parametrize(
    ("owner_user_id", "users", "expected"),
    [
        (2, [user(1, created_at=EARLY), user(2, created_at=LATE)], 2),
        (2, [user(1, created_at=LATE), user(2, created_at=EARLY, status=0)], 1),
        (3, [user(1, created_at=LATE), user(2, created_at=EARLY), user(3, company_id=11)], 2),
        (None, [user(1, created_at=LATE), user(2, created_at=EARLY)], 2),
        (None, [user(5, created_at=EARLY), user(4, created_at=EARLY)], 4),
        (1, [user(1, role="OUTLET_MANAGER"), user(2, created_at=LATE)], 2),
        (1, [user(1, is_deleted=1), user(2, status=0)], None),
        (None, [], None),
    ],
    ids=["owner_user_id-is-a-candidate", "owner_user_id-disabled", "owner_user_id-other-company",
         "owner_user_id-null-earliest-wins", "created_at-tie-lowest-id", "owner_user_id-not-hq",
         "no-eligible-candidates", "no-candidates"],
)
def test_resolve_owner_per_company(owner_user_id, users, expected):
    assert resolve_owner_per_company(company(10, owner_user_id=owner_user_id), users, OBSOLETE) == expected


@pytest.mark.parametrize(
    ("the_user", "scope_set", "companies", "owner", "expected"),
    [
        (user(1), ScopeSet.G, [company(10)], 1, (Membership(10, OWNER),)),
        (user(1), ScopeSet.G, [company(10)], 2, (Membership(10, ADMIN),)),
        (user(1), ScopeSet.G, [company(10)], None, (Membership(10, ADMIN),)),
        (user(1, role="OUTLET_MANAGER"), ScopeSet.G, [company(10)], 1, (Membership(10, MANAGER),)),
        (user(1, role="SUPER_HQ_EXTERNAL", company_id=None), ScopeSet.S, [company(10), company(11)], 1,
         (Membership(10, ADMIN), Membership(11, ADMIN))),
        (user(1), ScopeSet.F, [company(10)], 1, ()),
    ],
    ids=["resolved-owner", "other-hq-is-admin", "no-owner-hq-is-admin", "outlet-manager",
         "super-hq-admin-everywhere-never-owner", "out-of-scope-none"],
)
def test_plan_memberships(the_user, scope_set, companies, owner, expected):
    owners = {c.id: owner for c in companies}
    assert plan_memberships(the_user, scope_set, companies, owners) == expected


def test_assignments_keep_only_live_outlets_of_the_users_own_company():
    linked = [outlet(100), outlet(101, status=0), outlet(102, deleted_at=EARLY), outlet(103, company_id=11)]
    assert plan_outlet_assignments(user(1), ScopeSet.G, linked) == {100}


@pytest.mark.parametrize(
    ("the_user", "scope_set"),
    [(user(1, role="SUPER_HQ_EXTERNAL", company_id=None), ScopeSet.S), (user(1, status=0), ScopeSet.F)],
    ids=["super-hq", "out-of-scope"],
)
def test_no_assignments_for_super_hq_or_out_of_scope(the_user, scope_set):
    assert plan_outlet_assignments(the_user, scope_set, [outlet(100)]) == frozenset()


def test_role_difference_says_what_to_add_delete_and_re_role_whatever_the_key():
    wanted = {(1, 10): "owner", (1, 11): "admin", (2, 10): "manager"}
    existing = {(1, 10): "admin", (1, 12): "admin", (2, 10): "manager"}
    difference = role_difference(wanted, existing)
    assert difference.added == ((1, 11),)
    assert difference.deleted == ((1, 12),)
    assert difference.changed == (((1, 10), "admin", "owner"),)
    assert difference.to_write == ((1, 11), (1, 10))
    assert role_difference(existing, existing).to_write == ()


def test_no_owner_statement_when_every_resolved_owner_is_the_owner_already():
    changes = owner_changes({1: 10, 2: None}, {1: 10}, written_owners=[])
    assert changes == OwnerChanges(demote=False, promote=False)


def test_an_owner_who_is_not_the_resolved_one_is_demoted_and_the_resolved_one_promoted():
    assert owner_changes({1: 10}, {1: 11}, written_owners=[]) == OwnerChanges(demote=True, promote=True)


def test_an_organisation_without_a_resolved_owner_loses_its_owner():
    assert owner_changes({1: None}, {1: 11}, written_owners=[]) == OwnerChanges(demote=True, promote=False)


def test_a_resolved_owner_the_upsert_writes_as_owner_needs_no_promotion():
    assert owner_changes({1: 10}, {}, written_owners=[(1, 10)]).promote is False


def test_a_write_that_makes_an_owner_demotes_first_whatever_it_read():
    """An owner committed by another transaction since the read is demoted, not left to the index."""
    assert owner_changes({1: 10}, {}, written_owners=[(1, 10)]).demote is True
    assert owner_changes({1: 10}, {}, written_owners=[]) == OwnerChanges(demote=True, promote=True)


def test_owners_of_organisations_the_write_does_not_resolve_are_left_alone():
    assert owner_changes({1: 10}, {1: 10, 2: 20}, written_owners=[]) == OwnerChanges(demote=False, promote=False)
