"""What a plan would change: the difference between the platform before and after its writes.

Changes are named per table (``inserted``, ``updated``, ``deactivated``, ``deleted``,
``promoted``, ``demoted``) and listed by JodGig id: the user for identities, memberships and
assignments, the company for organisations, the outlet for outlets.
"""

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

from .organisation import OWNER, role_difference

DEACTIVATED_STATUS = "deactivated"


@dataclass(frozen=True)
class PlatformState:
    """The synced tables keyed by JodGig ids; a keyed row's values are its status first, then the columns a sync writes."""

    identities: Mapping[int, tuple] = field(default_factory=dict)
    organisations: Mapping[int, tuple] = field(default_factory=dict)
    outlets: Mapping[int, tuple] = field(default_factory=dict)
    memberships: Mapping[tuple[int, int], str] = field(default_factory=dict)
    assignments: set[tuple[int, int]] = field(default_factory=set)


Changes = dict[str, dict[str, list[int]]]


def diff_states(before: PlatformState, after: PlatformState) -> Changes:
    """Table → change kind → the JodGig id of each changed row, sorted; tables and kinds without changes left out."""
    changes = {
        "identities_users": _keyed(before.identities, after.identities),
        "org_organisations": _keyed(before.organisations, after.organisations),
        "org_outlets": _keyed(before.outlets, after.outlets),
        "org_memberships": _memberships(before.memberships, after.memberships),
        "org_outlet_assignments": _assignments(before.assignments, after.assignments),
    }
    found = {table: {kind: sorted(ids) for kind, ids in kinds.items() if ids} for table, kinds in changes.items()}
    return {table: kinds for table, kinds in found.items() if kinds}


def _keyed(before: Mapping[Hashable, tuple], after: Mapping[Hashable, tuple]) -> dict[str, list]:
    kinds: dict[str, list] = {"inserted": [], "updated": [], "deactivated": []}
    for key, row in after.items():
        old = before.get(key)
        if old is None:
            kinds["inserted"].append(key)
        elif row[0] == DEACTIVATED_STATUS and old[0] != DEACTIVATED_STATUS:
            kinds["deactivated"].append(key)
        elif row != old:
            kinds["updated"].append(key)
    return kinds


def _memberships(before: Mapping[tuple[int, int], str], after: Mapping[tuple[int, int], str]) -> dict[str, list]:
    difference = role_difference(after, before)
    kinds: dict[str, list] = {
        "inserted": [user for _, user in difference.added],
        "deleted": [user for _, user in difference.deleted],
        "promoted": [],
        "demoted": [],
        "updated": [],
    }
    for (_, user), old, role in difference.changed:
        kinds["promoted" if role == OWNER else "demoted" if old == OWNER else "updated"].append(user)
    return kinds


def _assignments(before: set[tuple[int, int]], after: set[tuple[int, int]]) -> dict[str, list]:
    return {"inserted": [user for user, _ in after - before], "deleted": [user for user, _ in before - after]}


def change_counts(changes: Changes) -> dict[str, dict[str, int]]:
    """Table → change kind → how many rows (a user with two new memberships counts twice)."""
    return {table: {kind: len(ids) for kind, ids in kinds.items()} for table, kinds in changes.items()}


def change_examples(changes: Changes, count: int) -> dict[str, dict[str, list[int]]]:
    """Table → change kind → the first ``count`` distinct JodGig ids."""
    return {table: {kind: sorted(set(ids))[:count] for kind, ids in kinds.items()} for table, kinds in changes.items()}
