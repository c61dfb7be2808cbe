import pytest

from employer_sync_pipeline.domain.masking import mask_email, mask_name, mask_phone


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("jane.doe@example.com", "j***@e***.com"),
        ("Ops@Kopi.co.sg", "O***@K***.sg"),
        (" M.Lee@Kopi.Test ", "M***@K***.Test"),
        ("user1-no-at-sign.example.com", "u***"),
        ("user@localhost", "u***@l***"),
        ("@example.com", "@e***.com"),
        ("", ""),
        (None, None),
    ],
    ids=["plain", "subdomains-keep-tld-only", "surrounding-spaces", "no-at-sign", "no-dot-in-domain", "empty-local", "empty", "null"],
)
def test_mask_email(value, expected):
    assert mask_email(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Ada", "A***"), ("  Tan Wei Ming ", "T***"), ("😀x", "😀***"), ("   ", "   "), (None, None)],
    ids=["name", "trimmed-first-letter", "emoji", "blank-stays-blank", "null"],
)
def test_mask_name(value, expected):
    assert mask_name(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("+6591234567", "***67"), ("9123 4567", "***67"), ("12", "***"), ("call me", "***"), (None, None)],
    ids=["e164", "raw-mobile", "too-short-shows-nothing", "no-digits", "null"],
)
def test_mask_phone(value, expected):
    assert mask_phone(value) == expected


@pytest.mark.parametrize(
    "value", ["jane.doe@example.com", "Ada Lovelace", "+6591234567"], ids=["email", "name", "phone"]
)
def test_masks_never_contain_the_value(value):
    assert value not in {mask_email(value), mask_name(value), mask_phone(value)}
