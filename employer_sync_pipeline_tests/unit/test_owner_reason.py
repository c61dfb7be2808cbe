from datetime import datetime

import pytest

from employer_sync_pipeline.domain.explanation_rules import explain_owner
from employer_sync_pipeline.domain.organisation import (
    OwnerReason,
    OwnerResolution,
    resolve_owner_per_company,
    resolve_owner_with_reason,
)

from .factories import company, user

OBSOLETE = frozenset({99})
EARLY, LATE = datetime(2020, 1, 1), datetime(2024, 1, 1)


@pytest.mark.parametrize(
    ("owner_user_id", "users", "expected"),
    [
        (2, [user(1, created_at=EARLY), user(2, created_at=LATE)],
         OwnerResolution(2, OwnerReason.OWNER_USER_ID, (1, 2))),
        (None, [user(1, created_at=LATE), user(2, created_at=EARLY)],
         OwnerResolution(2, OwnerReason.EARLIEST_HQ_MANAGER, (2, 1))),
        (3, [user(1, created_at=LATE), user(3, status=0, created_at=EARLY)],
         OwnerResolution(1, OwnerReason.EARLIEST_HQ_MANAGER, (1,))),
        (5, [user(5, created_at=EARLY), user(4, created_at=EARLY)],
         OwnerResolution(5, OwnerReason.OWNER_USER_ID, (4, 5))),
        (1, [user(1, role="OUTLET_MANAGER"), user(2, is_deleted=1)],
         OwnerResolution(None, OwnerReason.NO_CANDIDATE, ())),
    ],
    ids=["owner_user_id-is-a-candidate", "owner_user_id-null-earliest", "owner_user_id-disabled-earliest",
         "candidates-in-seniority-order-ties-by-id", "no-candidate"],
)
def test_resolution_with_reason(owner_user_id, users, expected):
    the_company = company(10, owner_user_id=owner_user_id)
    assert resolve_owner_with_reason(the_company, users, OBSOLETE) == expected
    assert resolve_owner_per_company(the_company, users, OBSOLETE) == expected.owner_user_id


@pytest.mark.parametrize(
    ("owner_user_id", "users", "detail"),
    [
        (2, [user(2)], "companies.owner_user_id 2 is a candidate (an HQ_MANAGER of the company in set G)"),
        (None, [user(2)], "the earliest-created HQ_MANAGER of the company in set G (ties to the lowest id); "
                          "companies.owner_user_id is NULL"),
        (7, [user(2)], "the earliest-created HQ_MANAGER of the company in set G (ties to the lowest id); "
                       "companies.owner_user_id 7 is not a candidate"),
        (7, [], "no HQ_MANAGER of the company is in set G: the organisation has no owner"),
    ],
    ids=["owner_user_id", "earliest-no-pointer", "earliest-pointer-not-a-candidate", "no-candidate"],
)
def test_owner_detail_says_why(owner_user_id, users, detail):
    the_company = company(10, owner_user_id=owner_user_id)
    explained = explain_owner(the_company, resolve_owner_with_reason(the_company, users, OBSOLETE))
    assert explained.detail == detail
