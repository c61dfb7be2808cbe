"""Why one JodGig user is, or is not, what it is in the platform (SPEC §10 "Explain"): the result type.

Built from the same facts and plans the sync uses; it decides nothing itself. JodGig datetimes are
JodGig local time as stored; platform datetimes are UTC.
"""

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from .mapping import IdentityRow
from .masking import mask_email, mask_name, mask_phone
from .organisation import Membership, OwnerReason


@dataclass(frozen=True, slots=True)
class UserFacts:
    """The ``users`` row as the sync reads it."""

    user_id: int
    role: str
    status: int
    is_deleted: int
    company_id: int | None
    email: str | None
    first_name: str | None
    last_name: str | None
    mobile: str | None
    created_at: datetime | str
    updated_at: datetime | str | None


@dataclass(frozen=True, slots=True)
class CompanyFacts:
    """A company a user points at, and the facts that make it live or not."""

    company_id: int
    exists: bool
    name: str | None
    status: int | None
    deleted_at: datetime | str | None
    obsolete: bool
    live: bool
    owner_user_id: int | None


@dataclass(frozen=True, slots=True)
class OutletLink:
    """One ``outlet_user`` row of the user, and whether the sync turns it into an assignment."""

    outlet_id: int
    outlet_exists: bool
    company_id: int | None
    live: bool | None
    wanted: bool
    note: str


@dataclass(frozen=True, slots=True)
class OwnerExplanation:
    """A company's resolved owner and why; ``candidate_ids`` in seniority order."""

    company_id: int
    owner_user_id: int | None
    reason: OwnerReason
    detail: str
    candidate_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PlatformMembership:
    company_id: int
    role: str
    organisation_status: str


@dataclass(frozen=True, slots=True)
class RoleChange:
    company_id: int
    platform_role: str
    wanted_role: str


@dataclass(frozen=True, slots=True)
class MembershipComparison:
    """``wanted`` is None when the sync writes nothing for the user (it fails, or is unknown)."""

    wanted: tuple[Membership, ...] | None
    platform: tuple[PlatformMembership, ...]
    to_add: tuple[Membership, ...]
    to_delete: tuple[int, ...]
    role_changes: tuple[RoleChange, ...]


@dataclass(frozen=True, slots=True)
class PlatformAssignment:
    outlet_id: int
    company_id: int
    outlet_status: str


@dataclass(frozen=True, slots=True)
class AssignmentComparison:
    """JodGig outlet ids; ``wanted`` is None when the sync writes nothing for the user."""

    wanted: tuple[int, ...] | None
    platform: tuple[PlatformAssignment, ...]
    to_add: tuple[int, ...]
    to_delete: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PlatformIdentity(IdentityRow):
    """The ``identities_users`` row of the user: the mapped columns, and the platform's own."""

    id: int
    status: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Guard:
    """Whether the guard keeps the platform row: it is newer than the incoming mapped one."""

    skips_update: bool
    platform_remote_updated_at: datetime | None
    incoming_remote_updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class RecordErrorView:
    """The error the sync would record for this user now."""

    error: str
    message: str


@dataclass(frozen=True, slots=True)
class LoggedFailure:
    """One ``gig_sync_logs`` fail-log entry of the user."""

    sync_log_id: int
    run_id: str | None
    sync_mode: str
    finished_at: datetime
    error: str
    message: str
    #: This failure's streak: the runs in a row it has failed in, up to this one, since the first.
    failed_runs: int
    first_failed_at: datetime
    first_failed_run_id: str | None


@dataclass(frozen=True, slots=True)
class Explanation:
    """Everything that decides what the sync does with one user, and what it would do now."""

    kind: str
    user_id: int
    facts: UserFacts | None
    company: CompanyFacts | None
    pivots: tuple[CompanyFacts, ...]
    outlet_links: tuple[OutletLink, ...]
    scope_set: str | None
    rule: str
    outcome: str
    error: RecordErrorView | None
    owners: tuple[OwnerExplanation, ...]
    memberships: MembershipComparison
    assignments: AssignmentComparison
    identity: PlatformIdentity | None
    incoming_identity: IdentityRow | None
    guard: Guard
    identity_change: str
    failures: tuple[LoggedFailure, ...]

    def masked(self) -> "Explanation":
        """The same explanation with e-mails, names and phones masked."""
        return dataclasses.replace(
            self,
            facts=_mask(self.facts, phone_field="mobile"),
            identity=_mask(self.identity, phone_field="phone_number"),
            incoming_identity=_mask(self.incoming_identity, phone_field="phone_number"),
        )

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict: datetimes as ISO 8601 text, enums as their values."""
        return _jsonable(dataclasses.asdict(self))


def _mask(row, phone_field: str):
    if row is None:
        return None
    return dataclasses.replace(
        row,
        email=mask_email(row.email),
        first_name=mask_name(row.first_name),
        last_name=mask_name(row.last_name),
        **{phone_field: mask_phone(getattr(row, phone_field))},
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return value
