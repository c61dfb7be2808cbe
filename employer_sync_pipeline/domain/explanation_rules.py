"""The pure parts of an explanation: rule texts, reasons and the wanted-versus-platform differences.

Nothing here re-decides a set, an owner or a plan: those come from ``scope``, ``organisation``
and ``employer_plan``; this only says in words why they came out as they did.
"""

from collections.abc import Collection, Iterable, Mapping, Sequence

from .explanation import (
    AssignmentComparison,
    CompanyFacts,
    Guard,
    MembershipComparison,
    OutletLink,
    OwnerExplanation,
    PlatformAssignment,
    PlatformIdentity,
    PlatformMembership,
    RoleChange,
    UserFacts,
)
from .mapping import IdentityRow
from .organisation import Membership, OwnerReason, OwnerResolution, role_difference
from .records import Company, JodgigUser, Outlet
from .scope import HQ_MANAGER, OUTLET_MANAGER, ScopeSet
from .talent import TalentSet

#: The rule of each set, numbered in the order SPEC §2 checks them (first match wins).
EMPLOYER_RULES: Mapping[ScopeSet, str] = {
    ScopeSet.A: "1 A: users.is_deleted = 1",
    ScopeSet.S: "2 S: role SUPER_HQ_EXTERNAL, users.status = 1 and a pivot points at a live company",
    ScopeSet.S_INVALID: (
        "2 S_invalid: role SUPER_HQ_EXTERNAL, but users.status = 0 or no pivot points at a live company"
    ),
    ScopeSet.B: "3 B: company_id is NULL, or no companies row has that id",
    ScopeSet.C: "4 C: company_id is on the obsolete list",
    ScopeSet.D: "5 D: the company's deleted_at IS NOT NULL",
    ScopeSet.E: "6 E: the company's status = 0",
    ScopeSet.F: "7 F: users.status = 0 (the company is live)",
    ScopeSet.G: "8 G: user enabled, company live",
}
TALENT_RULES: Mapping[TalentSet, str] = {
    TalentSet.DELETED: "1 T_deleted: users.is_deleted = 1",
    TalentSet.DISABLED: "2 T_disabled: users.status is not 1",
    TalentSet.ACTIVE: "3 T: is_deleted = 0 and status = 1",
}

# What the next sync would count this user as, with the sync log's names.
SYNCED, DEACTIVATED, SKIPPED, FAILED = "synced", "deactivated", "skipped", "failed"

# What it would do to the identity row.
INSERT, UPDATE, UNCHANGED, GUARDED = "insert", "update", "unchanged", "kept: the platform row is newer (guard)"
DEACTIVATE, NO_CHANGE = "deactivate", "no change"
_IDENTITY_COLUMNS = tuple(name for name in IdentityRow.__slots__ if name != "remote_gig_user_id")


def user_facts(user: JodgigUser) -> UserFacts:
    return UserFacts(
        user.id, user.role, user.status, user.is_deleted, user.company_id, user.email, user.first_name,
        user.last_name, user.mobile, user.created_at, user.updated_at,
    )  # fmt: skip


def company_facts(
    company_id: int, company: Company | None, obsolete_company_ids: frozenset[int], live_ids: Collection[int]
) -> CompanyFacts:
    """What explain shows of a company; ``live_ids`` as the batch decided them."""
    if company is None:
        return CompanyFacts(company_id, False, None, None, None, company_id in obsolete_company_ids, False, None)
    return CompanyFacts(
        company_id, True, company.name, company.status, company.deleted_at, company_id in obsolete_company_ids,
        company_id in live_ids, company.owner_user_id,
    )  # fmt: skip


def explain_owner(company: Company, resolution: OwnerResolution) -> OwnerExplanation:
    return OwnerExplanation(
        company.id, resolution.owner_user_id, resolution.reason, _owner_detail(company, resolution),
        resolution.candidate_ids,
    )  # fmt: skip


def _owner_detail(company: Company, resolution: OwnerResolution) -> str:
    if resolution.reason is OwnerReason.NO_CANDIDATE:
        return "no HQ_MANAGER of the company is in set G: the organisation has no owner"
    if resolution.reason is OwnerReason.OWNER_USER_ID:
        return (
            f"companies.owner_user_id {company.owner_user_id} is a candidate (an HQ_MANAGER of the company in set G)"
        )
    pointer = (
        "companies.owner_user_id is NULL"
        if company.owner_user_id is None
        else f"companies.owner_user_id {company.owner_user_id} is not a candidate"
    )
    return f"the earliest-created HQ_MANAGER of the company in set G (ties to the lowest id); {pointer}"


def explain_outlet_links(
    user: JodgigUser,
    scope_set: ScopeSet,
    linked_outlet_ids: Iterable[int],
    outlets: Mapping[int, Outlet],
    wanted: Collection[int] | None,
) -> tuple[OutletLink, ...]:
    """Each ``outlet_user`` row, and why it is or is not among the ``wanted`` assignments."""
    links = []
    for outlet_id in sorted(set(linked_outlet_ids)):
        outlet = outlets.get(outlet_id)
        is_wanted = wanted is not None and outlet_id in wanted
        note = "assigned" if is_wanted else _ignored_because(user, scope_set, outlet, wanted is None)
        links.append(
            OutletLink(
                outlet_id, outlet is not None, outlet.company_id if outlet else None,
                outlet.is_live if outlet else None, is_wanted, note,
            )
        )  # fmt: skip
    return tuple(links)


def _ignored_because(user: JodgigUser, scope_set: ScopeSet, outlet: Outlet | None, record_fails: bool) -> str:
    if record_fails:
        return "not written: the record fails"
    if not scope_set.in_scope:
        return "ignored: the employer is out of scope"
    if user.role not in (HQ_MANAGER, OUTLET_MANAGER):
        return f"ignored: a {user.role} has no outlet assignments"
    if outlet is None:
        return "ignored: no such outlet"
    if outlet.company_id != user.company_id:
        return f"ignored: an outlet of another company ({outlet.company_id})"
    return "ignored: the outlet is not live (status 0 or deleted)"


def compare_memberships(
    wanted: Sequence[Membership] | None, platform: Sequence[PlatformMembership]
) -> MembershipComparison:
    """What the sync would add, delete and re-role; nothing when it writes nothing (``wanted`` None)."""
    platform = tuple(sorted(platform, key=lambda m: m.company_id))
    if wanted is None:
        return MembershipComparison(None, platform, (), (), ())
    wanted = tuple(sorted(wanted, key=lambda m: m.company_id))
    difference = role_difference({m.company_id: m.role for m in wanted}, {m.company_id: m.role for m in platform})
    return MembershipComparison(
        wanted=wanted,
        platform=platform,
        to_add=tuple(m for m in wanted if m.company_id in difference.added),
        to_delete=difference.deleted,
        role_changes=tuple(RoleChange(*change) for change in difference.changed),
    )


def compare_assignments(
    wanted: Collection[int] | None, platform: Sequence[PlatformAssignment]
) -> AssignmentComparison:
    platform = tuple(sorted(platform, key=lambda a: a.outlet_id))
    if wanted is None:
        return AssignmentComparison(None, platform, (), ())
    current = {a.outlet_id for a in platform}
    return AssignmentComparison(
        wanted=tuple(sorted(wanted)),
        platform=platform,
        to_add=tuple(sorted(set(wanted) - current)),
        to_delete=tuple(sorted(current - set(wanted))),
    )


def guard_of(platform: PlatformIdentity | None, incoming: IdentityRow | None) -> Guard:
    """The SPEC §3.1 guard: a platform row newer than the incoming one is not overwritten."""
    platform_at = platform.remote_updated_at if platform else None
    incoming_at = incoming.remote_updated_at if incoming else None
    skips = platform_at is not None and incoming_at is not None and platform_at > incoming_at
    return Guard(skips, platform_at, incoming_at)


def identity_change(
    platform: PlatformIdentity | None, incoming: IdentityRow | None, in_scope: bool, record_fails: bool
) -> str:
    """What the sync would do to the identity row."""
    if record_fails:
        return NO_CHANGE
    if not in_scope:
        return DEACTIVATE if platform is not None and platform.status == "active" else NO_CHANGE
    if platform is None:
        return INSERT
    if guard_of(platform, incoming).skips_update:
        return GUARDED
    same = platform.status == "active" and all(
        getattr(platform, name) == getattr(incoming, name) for name in _IDENTITY_COLUMNS
    )
    return UNCHANGED if same else UPDATE


def outcome_of(in_scope: bool, record_fails: bool, platform: PlatformIdentity | None) -> str:
    """How the next sync would count the user: the sync log's record names."""
    if record_fails:
        return FAILED
    if in_scope:
        return SYNCED
    return DEACTIVATED if platform is not None and platform.status == "active" else SKIPPED
