import pytest

from employer_sync_pipeline.domain.scope import ScopeSet, classify_employer, count_scope_sets

from .factories import T0, company, user

OBSOLETE = frozenset({99})
LIVE = company(10)


@pytest.mark.parametrize(
    ("the_user", "the_company", "pivots", "expected"),
    [
        (user(is_deleted=1), LIVE, (), ScopeSet.A),
        (user(is_deleted=1, role="SUPER_HQ_EXTERNAL", company_id=None), None, (LIVE,), ScopeSet.A),
        (user(role="SUPER_HQ_EXTERNAL", company_id=None), None, (LIVE,), ScopeSet.S),
        (user(role="SUPER_HQ_EXTERNAL", company_id=None), None, (company(11, status=0), LIVE), ScopeSet.S),
        (user(role="SUPER_HQ_EXTERNAL", company_id=None, status=0), None, (LIVE,), ScopeSet.S_INVALID),
        (user(role="SUPER_HQ_EXTERNAL", company_id=None), None, (), ScopeSet.S_INVALID),
        (user(role="SUPER_HQ_EXTERNAL", company_id=None), None, (None, company(99)), ScopeSet.S_INVALID),
        (user(role="SUPER_HQ_EXTERNAL", company_id=None), None, (company(11, deleted_at=T0),), ScopeSet.S_INVALID),
        (user(company_id=None), None, (), ScopeSet.B),
        (user(company_id=12345), None, (), ScopeSet.B),
        (user(company_id=99), company(99), (), ScopeSet.C),
        (user(company_id=99, status=0), company(99, status=0, deleted_at=T0), (), ScopeSet.C),
        (user(), company(10, deleted_at=T0), (), ScopeSet.D),
        (user(), company(10, status=0), (), ScopeSet.E),
        (user(status=0), company(10, status=0), (), ScopeSet.E),
        (user(status=0), LIVE, (), ScopeSet.F),
        (user(), LIVE, (), ScopeSet.G),
        (user(role="OUTLET_MANAGER"), LIVE, (), ScopeSet.G),
    ],
    ids=["A", "A-before-S", "S-valid", "S-one-live-pivot", "S-disabled-user", "S-no-pivots",
         "S-missing-or-obsolete-pivots", "S-deleted-pivot", "B-null", "B-dangling", "C", "C-before-D-and-E",
         "D", "E", "E-before-F", "F", "G-hq", "G-outlet-manager"],
)
def test_classify_employer_takes_the_first_matching_set(the_user, the_company, pivots, expected):
    assert classify_employer(the_user, the_company, pivots, OBSOLETE) is expected


def test_in_scope_sets_are_g_and_valid_s():
    assert {s for s in ScopeSet if s.in_scope} == {ScopeSet.G, ScopeSet.S}


def test_scope_counts_count_invalid_super_hq_in_s_and_separately():
    counts = count_scope_sets([ScopeSet.S, ScopeSet.S_INVALID, ScopeSet.G])
    assert (counts["S"], counts["S_invalid"], counts["G"], counts["D"]) == (2, 1, 1, 0)
