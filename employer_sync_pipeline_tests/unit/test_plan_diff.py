"""What a plan reports: the difference of two platform states, by table and kind of change."""

from employer_sync_pipeline.domain.plan_diff import PlatformState, change_counts, change_examples, diff_states

BEFORE = PlatformState(
    identities={1: ("active", "Ada"), 2: ("active", "Bo"), 3: ("active", "Cy")},
    organisations={10: ("active", "Acme")},
    outlets={100: ("active", 10, "Main St")},
    memberships={(10, 1): "owner", (10, 2): "admin", (10, 3): "manager"},
    assignments={(3, 100)},
)
AFTER = PlatformState(
    identities={1: ("active", "Ada"), 2: ("active", "Bea"), 3: ("deactivated", "Cy"), 4: ("active", "Di")},
    organisations={10: ("deactivated", "Acme"), 11: ("active", "Beta")},
    outlets={100: ("active", 10, "1 Main St")},
    memberships={(10, 1): "admin", (10, 2): "owner", (11, 4): "manager", (11, 2): "admin"},
    assignments={(4, 100)},
)


def test_each_change_is_named_by_kind_with_its_jodgig_ids():
    assert diff_states(BEFORE, AFTER) == {
        "identities_users": {"inserted": [4], "updated": [2], "deactivated": [3]},
        "org_organisations": {"inserted": [11], "deactivated": [10]},
        "org_outlets": {"updated": [100]},
        "org_memberships": {"inserted": [2, 4], "deleted": [3], "promoted": [2], "demoted": [1]},
        "org_outlet_assignments": {"inserted": [4], "deleted": [3]},
    }


def test_the_same_state_plans_no_change():
    assert diff_states(BEFORE, BEFORE) == {}


def test_counts_are_rows_and_examples_are_distinct_ids():
    changes = {"org_memberships": {"inserted": [7, 7, 8]}}
    assert change_counts(changes) == {"org_memberships": {"inserted": 3}}
    assert change_examples(changes, 1) == {"org_memberships": {"inserted": [7]}}
