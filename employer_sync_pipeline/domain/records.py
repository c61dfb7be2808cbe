"""Plain records of JodGig rows, as the domain sees them.

Datetimes here are JodGig local wall-clock time with no zone, exactly as stored.
"""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class JodgigUser:
    id: int
    role: str
    email: str | None
    first_name: str | None
    last_name: str | None
    mobile: str | None
    company_id: int | None
    status: int
    is_deleted: int
    created_at: datetime
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class ScopeUser:
    """The columns of a user that decide its set and owner candidacy: cheap to read."""

    id: int
    role: str
    company_id: int | None
    status: int
    is_deleted: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Company:
    id: int
    name: str
    uen: str | None
    status: int
    owner_user_id: int | None
    deleted_at: datetime | None


@dataclass(frozen=True, slots=True)
class Outlet:
    id: int
    company_id: int
    name: str
    address: str | None
    status: int
    deleted_at: datetime | None

    @property
    def is_live(self) -> bool:
        return self.status == 1 and self.deleted_at is None
