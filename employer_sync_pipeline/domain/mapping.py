"""Mapping a JodGig user to an ``identities_users`` row (SPEC §3.1).

Each normaliser is a pure function; :func:`map_identity` composes them and
raises a :class:`~.errors.RecordError` for a record that cannot be synced.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from .errors import InvalidEmail, InvalidTimestamp, ValueTooLong
from .records import JodgigUser
from .timezone import TimezoneService

NAME_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 255
_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+")
_PHONE_PUNCTUATION = re.compile(r"[\s\-.()]")
_SG_PREFIX = re.compile(r"\+?65(?=\d{8}$)")
_SG_NUMBER = re.compile(r"[3689]\d{7}")


@dataclass(frozen=True, slots=True)
class IdentityRow:
    """The mapped columns of one ``identities_users`` row (status set by the writer)."""

    remote_gig_user_id: int
    kind: str
    email: str
    first_name: str | None
    last_name: str | None
    phone_number: str | None
    remote_created_at: datetime
    remote_updated_at: datetime


def normalise_email(raw: str | None) -> str | None:
    """Trimmed, lower-cased e-mail, or None when it is not ``local@domain.tld``."""
    if raw is None:
        return None
    email = raw.strip().lower()
    return email if _EMAIL.fullmatch(email) else None


def normalise_phone(raw: str | None) -> str | None:
    """A Singapore number as E.164 (``+65XXXXXXXX``), or None for anything else."""
    if raw is None:
        return None
    digits = _SG_PREFIX.sub("", _PHONE_PUNCTUATION.sub("", raw), count=1)
    return f"+65{digits}" if _SG_NUMBER.fullmatch(digits) else None


def storable_text(raw: str | None) -> str | None:
    """Text without NUL characters, which PostgreSQL cannot store (MySQL can)."""
    return raw.replace("\x00", "") if raw is not None else None


def clean_name(raw: str | None) -> str | None:
    """Trimmed name without NUL characters; empty becomes None. Length is checked by the caller."""
    if raw is None:
        return None
    name = storable_text(raw).strip()
    return name or None


def map_identity(user: JodgigUser, kind: str, tz: TimezoneService) -> IdentityRow:
    """The identity row for ``user``, or a RecordError saying what to fix."""
    email = normalise_email(user.email)
    if email is None:
        raise InvalidEmail(user.id)
    # Lower-casing can lengthen a string ('İ' becomes two code points).
    if len(email) > EMAIL_MAX_LENGTH:
        raise ValueTooLong(user.id, "email", EMAIL_MAX_LENGTH)
    first_name = _bounded_name(user, "first_name")
    last_name = _bounded_name(user, "last_name")
    created_at = _to_utc(user, "created_at", tz)
    updated_at = _to_utc(user, "updated_at", tz) if is_timestamp(user.updated_at) else created_at
    return IdentityRow(
        remote_gig_user_id=user.id,
        kind=kind,
        email=email,
        first_name=first_name,
        last_name=last_name,
        phone_number=normalise_phone(user.mobile),
        remote_created_at=created_at,
        remote_updated_at=updated_at,
    )


def _bounded_name(user: JodgigUser, field: str) -> str | None:
    name = clean_name(getattr(user, field))
    if name is not None and len(name) > NAME_MAX_LENGTH:
        raise ValueTooLong(user.id, field, NAME_MAX_LENGTH)
    return name


def is_timestamp(value) -> bool:
    """False for NULL and for MySQL's zero date, which the driver returns as a string."""
    return isinstance(value, datetime)


def _to_utc(user: JodgigUser, field: str, tz: TimezoneService) -> datetime:
    value = getattr(user, field)
    if not is_timestamp(value):
        raise InvalidTimestamp(user.id, field)
    return tz.to_utc(value)
