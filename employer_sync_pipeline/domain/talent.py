"""Talents (SPEC §7): in scope when not deleted and enabled; no organisations."""

from dataclasses import dataclass
from enum import Enum

from .mapping import IdentityRow, map_identity
from .records import JodgigUser
from .timezone import TimezoneService

TALENT_KIND = "talent"


class TalentSet(str, Enum):
    ACTIVE = "T"
    DELETED = "T_deleted"
    DISABLED = "T_disabled"

    @property
    def in_scope(self) -> bool:
        return self is TalentSet.ACTIVE

    @property
    def counted_in(self) -> tuple[str, ...]:
        """The ``scope_counts`` keys this talent counts in."""
        return (self.value,)


def classify_talent(user: JodgigUser) -> TalentSet:
    if user.is_deleted == 1:
        return TalentSet.DELETED
    if user.status != 1:
        return TalentSet.DISABLED
    return TalentSet.ACTIVE


def empty_talent_counts() -> dict[str, int]:
    return {talent_set.value: 0 for talent_set in TalentSet}


@dataclass(frozen=True, slots=True)
class TalentPlan:
    """The desired identity of one talent. ``identity`` is None out of scope."""

    user_id: int
    scope_set: TalentSet
    identity: IdentityRow | None


def plan_talent(user: JodgigUser, scope_set: TalentSet, tz: TimezoneService) -> TalentPlan:
    """Map one talent of ``scope_set`` (as classified once); raises a RecordError if it cannot be synced."""
    identity = map_identity(user, TALENT_KIND, tz) if scope_set.in_scope else None
    return TalentPlan(user.id, scope_set, identity)
