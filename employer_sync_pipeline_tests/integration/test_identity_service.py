"""The shared identity upsert (SPEC §7) against PostgreSQL: mapping, guard, and the caller's transaction."""

from datetime import datetime, timedelta

import pytest

from employer_sync_pipeline.domain.errors import InvalidEmail
from employer_sync_pipeline.domain.timezone import TimezoneService
from employer_sync_pipeline.sync.identity import upsert_identities_user

from ..support.runs import identities
from ..unit.factories import user

SGT = TimezoneService()


def test_upserts_maps_for_the_kind_and_returns_the_identity(platform_db):
    with platform_db.engine.begin() as conn:
        identity = upsert_identities_user(conn, user(7, email=" A@B.co "), "talent", tz=SGT)
    stored = identities(platform_db.engine)[7]
    assert (identity.id, identity.kind, identity.status) == (stored["id"], "talent", "active")
    assert stored["email"] == "a@b.co"

    with platform_db.engine.begin() as conn:
        again = upsert_identities_user(conn, user(7, updated_at=datetime(2027, 1, 1)), "employer", tz=SGT)
    assert (again.id, again.kind) == (identity.id, "employer")


def test_the_guard_keeps_the_newer_row(platform_db):
    newer = user(7, first_name="Newer", updated_at=datetime(2027, 1, 1))
    with platform_db.engine.begin() as conn:
        upsert_identities_user(conn, newer, "employer", tz=SGT)
        kept = upsert_identities_user(
            conn, user(7, first_name="Older", updated_at=newer.updated_at - timedelta(days=1)), "employer", tz=SGT
        )
    assert kept.remote_updated_at == SGT.to_utc(newer.updated_at)
    assert identities(platform_db.engine)[7]["first_name"] == "Newer"


def test_the_caller_owns_the_transaction(platform_db):
    with platform_db.engine.connect() as conn:
        with conn.begin() as transaction:
            upsert_identities_user(conn, user(7), "employer", tz=SGT)
            transaction.rollback()
    assert identities(platform_db.engine) == {}


def test_a_bad_record_raises_its_record_error(platform_db):
    with platform_db.engine.begin() as conn, pytest.raises(InvalidEmail):
        upsert_identities_user(conn, user(7, email="nope"), "employer", tz=SGT)
