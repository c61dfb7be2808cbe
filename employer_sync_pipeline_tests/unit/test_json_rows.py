"""The rows of a PostgreSQL bulk write as one JSON parameter: what is encoded, and what is refused."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from employer_sync_pipeline.db.json_rows import rows_as_json
from employer_sync_pipeline.db.platform_tables import identities_users

AWARE = datetime(2026, 3, 1, 1, 2, 3, 456789, tzinfo=timezone.utc)


def _identity(user_id: int, first_name: str | None, updated_at: datetime | None) -> dict:
    return {"remote_gig_user_id": user_id, "first_name": first_name, "remote_updated_at": updated_at}


def test_rows_keep_their_values_and_datetimes_their_offset():
    rows = [_identity(9_000_000_000_000_000_000, "Zoë \"q\" \\ \n\t\x01 😀", AWARE),
            _identity(2, None, AWARE.astimezone(timezone(timedelta(hours=8)))), _identity(3, "", None)]  # fmt: skip
    decoded = json.loads(rows_as_json(identities_users, rows))
    assert [row["remote_gig_user_id"] for row in decoded] == [9_000_000_000_000_000_000, 2, 3]
    assert [row["first_name"] for row in decoded] == [rows[0]["first_name"], None, ""]
    assert [datetime.fromisoformat(row["remote_updated_at"]) for row in decoded[:2]] == [AWARE, AWARE]


def test_a_naive_datetime_is_refused():
    rows = [_identity(1, "A", AWARE), _identity(2, "B", datetime(2026, 3, 1))]
    with pytest.raises(ValueError, match="naive datetime .* given for the UTC column identities_users.remote_updated_at"):
        rows_as_json(identities_users, rows)


def test_a_value_with_no_json_form_is_refused():
    with pytest.raises(TypeError, match="no JSON form for the platform"):
        rows_as_json(identities_users, [_identity(1, object(), AWARE)])
