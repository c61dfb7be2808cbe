"""Which employers who just logged in need a JIT sync (SPEC §6)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from ..db.jodgig_queries import employer_logins_since, source_clock_utc
from ..db.identities import find_identity_versions
from ..domain.mapping import is_timestamp
from .source_rules import Databases, SourceRules


@dataclass(frozen=True)
class Login:
    remote_gig_user_id: int
    last_login_at: datetime


@dataclass(frozen=True)
class LoginCursor:
    """Where the last look stopped: ``(last_login_at, id)`` in JodGig local time."""

    last_login_at: datetime
    user_id: int

    def serialise(self) -> str:
        return f"{self.last_login_at.isoformat()}|{self.user_id}"

    @classmethod
    def parse(cls, text: str) -> "LoginCursor":
        login, user_id = text.split("|")
        return cls(datetime.fromisoformat(login), int(user_id))


def start_cursor(source: Engine, rules: SourceRules) -> LoginCursor:
    """A first look starts at JodGig's clock: logins from before the sensor existed are the batch's."""
    with source.connect() as conn:
        return LoginCursor(rules.timezone.to_local(source_clock_utc(conn)), 0)


def logins_needing_sync(dbs: Databases, cursor: LoginCursor, limit: int) -> tuple[list[Login], LoginCursor]:
    """Employers who logged in after ``cursor`` and whose identity is missing or older than their row."""
    with dbs.source.connect() as conn:
        rows = employer_logins_since(conn, (cursor.last_login_at, cursor.user_id), limit)
    if not rows:
        return [], cursor
    with dbs.platform.connect() as conn:
        versions = find_identity_versions(conn, [user_id for user_id, _, _ in rows])
    stale = [
        Login(user_id, login)
        for user_id, login, changed_at in rows
        if user_id not in versions
        or (is_timestamp(changed_at) and versions[user_id] < dbs.rules.timezone.to_utc(changed_at))
    ]
    last_id, last_login, _ = rows[-1]
    return stale, LoginCursor(last_login, last_id)
