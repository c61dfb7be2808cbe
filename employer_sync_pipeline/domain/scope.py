"""The seven-set partition of JodGig employers (SPEC §2)."""

from collections.abc import Iterable
from enum import Enum

from .records import Company, JodgigUser, ScopeUser

HQ_MANAGER = "HQ_MANAGER"
OUTLET_MANAGER = "OUTLET_MANAGER"
SUPER_HQ_EXTERNAL = "SUPER_HQ_EXTERNAL"
TALENT = "TALENT"
JOD_ADMIN = "JOD_ADMIN"
EMPLOYER_ROLES = (HQ_MANAGER, OUTLET_MANAGER, SUPER_HQ_EXTERNAL)


def canonical_role(raw: str) -> str:
    """``users.role`` compared as MySQL does: case-insensitive, trailing spaces ignored.

    Leading whitespace is not ignored by MySQL either, so such a role stays unknown.
    """
    return raw.rstrip().upper()


class ScopeSet(str, Enum):
    """An employer's set. ``S_invalid`` is the part of S that is skipped."""

    A = "A"
    S = "S"
    S_INVALID = "S_invalid"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"
    G = "G"

    @property
    def in_scope(self) -> bool:
        return self in (ScopeSet.G, ScopeSet.S)

    @property
    def letter(self) -> str:
        """The partition letter: both valid and invalid super-HQ users are in S."""
        return "S" if self is ScopeSet.S_INVALID else self.value

    @property
    def counted_in(self) -> tuple[str, ...]:
        """The ``scope_counts`` keys this employer counts in: ``S_invalid`` in S and on its own."""
        return ("S", "S_invalid") if self is ScopeSet.S_INVALID else (self.value,)


def is_company_live(company: Company | None, obsolete_company_ids: frozenset[int]) -> bool:
    return (
        company is not None
        and company.status == 1
        and company.deleted_at is None
        and company.id not in obsolete_company_ids
    )


def classify_employer(
    user: JodgigUser | ScopeUser,
    company: Company | None,
    pivot_companies: Iterable[Company | None],
    obsolete_company_ids: frozenset[int],
) -> ScopeSet:
    """The first matching set, checked in SPEC §2 order.

    ``company`` is the row ``user.company_id`` points at (None if missing);
    ``pivot_companies`` are the rows the user's super-HQ pivots point at.
    """
    if user.is_deleted == 1:
        return ScopeSet.A
    if user.role == SUPER_HQ_EXTERNAL:
        has_live_pivot = any(is_company_live(c, obsolete_company_ids) for c in pivot_companies)
        return ScopeSet.S if user.status == 1 and has_live_pivot else ScopeSet.S_INVALID
    if user.company_id is None or company is None:
        return ScopeSet.B
    if company.id in obsolete_company_ids:
        return ScopeSet.C
    if company.deleted_at is not None:
        return ScopeSet.D
    if company.status == 0:
        return ScopeSet.E
    if user.status == 0:
        return ScopeSet.F
    return ScopeSet.G


def empty_scope_counts() -> dict[str, int]:
    """Every set letter, plus ``S_invalid`` (a subset of S), at zero."""
    return {key: 0 for key in ("G", "S", "S_invalid", "A", "B", "C", "D", "E", "F")}


def count_scope_sets(sets: Iterable[ScopeSet]) -> dict[str, int]:
    """Set letter → employers, with ``S_invalid`` counted inside S and on its own."""
    counts = empty_scope_counts()
    for scope_set in sets:
        for key in scope_set.counted_in:
            counts[key] += 1
    return counts
