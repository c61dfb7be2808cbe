from datetime import datetime, timezone

import pytest

from employer_sync_pipeline.domain.errors import InvalidEmail, InvalidTimestamp, ValueTooLong
from employer_sync_pipeline.domain.mapping import map_identity, normalise_email, normalise_phone
from employer_sync_pipeline.domain.timezone import TimezoneService

from .factories import user

SGT = TimezoneService("Asia/Singapore")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Ada.Tan@Example.COM ", "ada.tan@example.com"),
        ("a@b.co", "a@b.co"),
        ("no-at-sign.example.com", None),
        ("two@@example.com", None),
        ("a@b@c.com", None),
        ("spaces in@example.com", None),
        ("ada@localhost", None),
        ("", None),
        (None, None),
    ],
    ids=["trim-and-lower", "minimal", "no-at", "double-at", "two-ats", "inner-space", "no-dot-in-domain",
         "empty", "null"],
)
def test_normalise_email(raw, expected):
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("9123 4567", "+6591234567"),
        ("+65 9123-4567", "+6591234567"),
        ("6591234567", "+6591234567"),
        ("(65) 8123.4567", "+6581234567"),
        ("61234567", "+6561234567"),
        ("31234567", "+6531234567"),
        ("71234567", None),
        ("+65 7123 4567", None),
        ("912345678", None),
        ("+44 20 7946 0958", None),
        ("12345", None),
        ("abc", None),
        ("", None),
        (None, None),
    ],
    ids=["spaces", "plus-65-dash", "65-prefix", "parens-dots", "landline-6", "starts-3", "starts-7",
         "prefixed-starts-7", "nine-digits", "foreign", "short", "letters", "empty", "null"],
)
def test_normalise_phone(raw, expected):
    assert normalise_phone(raw) == expected


def test_map_identity_trims_names_and_converts_times_to_utc():
    row = map_identity(user(first_name="  Ada ", last_name="   ", updated_at=None,
                            created_at=datetime(2026, 3, 1, 8, 0)), "employer", SGT)
    assert (row.first_name, row.last_name, row.kind) == ("Ada", None, "employer")
    assert row.remote_created_at == row.remote_updated_at == datetime(2026, 3, 1, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"email": "bad"}, InvalidEmail),
        ({"email": None}, InvalidEmail),
        ({"first_name": "x" * 101}, ValueTooLong),
        ({"last_name": " " + "y" * 101 + " "}, ValueTooLong),
        ({"created_at": "0000-00-00 00:00:00"}, InvalidTimestamp),
        ({"email": "İİ" + "a" * 241 + "@example.com"}, ValueTooLong),
    ],
    ids=["invalid-email", "null-email", "long-first-name", "long-last-name", "zero-date",
         "email-longer-than-255-once-lower-cased"],
)
def test_map_identity_rejects_bad_records_without_echoing_values(values, error):
    with pytest.raises(error) as raised:
        map_identity(user(id=7, **values), "employer", SGT)
    assert raised.value.user_id == 7
    assert "bad" not in raised.value.message and "xxx" not in raised.value.message


def test_a_name_of_exactly_100_characters_is_kept():
    assert map_identity(user(first_name="x" * 100), "employer", SGT).first_name == "x" * 100
