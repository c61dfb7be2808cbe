"""PostgreSQL's bulk path (rows as one JSON parameter) writes exactly what SQLite's multi-row VALUES writes."""

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from employer_sync_pipeline.db import identities, memberships, organisations
from employer_sync_pipeline.db.engines import create_platform_engine
from employer_sync_pipeline.db.platform_tables import (
    metadata,
    identities_users,
    org_memberships,
    org_organisations,
    org_outlet_assignments,
    org_outlets,
)
from employer_sync_pipeline.domain.mapping import IdentityRow
from employer_sync_pipeline.domain.records import Company, Outlet
from employer_sync_pipeline.settings import Settings

T0 = datetime(2026, 3, 1, 1, 0, tzinfo=timezone.utc)
#: Text JSON must escape, and text it must keep: tabs, newlines, backslashes, quotes, control and
#: separator characters, accents and 4-byte UTF-8, and what looks like JSON or COPY's NULL.
AWKWARD = ["tab\there", "line\nbreak\r", "back\\slash \\N \\u0041", "emoji 😀 and 'quotes' \"too\"", "",
           "\x01\x1f\u2028\u2029 Zoë 张伟", '{"json": [1, null]}', "null"]
DUMPED = (identities_users, org_organisations, org_outlets, org_memberships, org_outlet_assignments)


def _identity(user_id: int, first_name: str | None, updated_at: datetime) -> IdentityRow:
    return IdentityRow(user_id, "employer", f"u{user_id}@example.com", first_name, None, None, T0, updated_at)


def _identities(engine) -> dict[int, tuple]:
    i = identities_users
    query = sa.select(i.c.remote_gig_user_id, i.c.id, i.c.first_name, i.c.last_name, i.c.remote_updated_at,
                      i.c.updated_at, i.c.status)  # fmt: skip
    with engine.connect() as conn:
        return {row[0]: tuple(row[1:]) for row in conn.execute(query)}


def _first_batch() -> list[IdentityRow]:
    names = [*AWKWARD, None]
    return [_identity(n, names[(n - 1) % len(names)], T0) for n in range(1, 301)]


def test_insert_update_guard_and_no_op(platform_db):
    with platform_db.engine.begin() as conn:
        ids, written = identities.upsert_identities(conn, _first_batch())
    stored = _identities(platform_db.engine)
    assert written == 300 and {uid: stored[uid][0] for uid in ids} == ids
    assert [stored[n][1] for n in range(1, len(AWKWARD) + 2)] == [*AWKWARD, None]

    later = [_identity(n, "Newer", T0 + timedelta(hours=1)) for n in range(1, 151)]
    older = [_identity(n, "Older", T0 - timedelta(hours=1)) for n in range(151, 301)]
    with platform_db.engine.begin() as conn:
        again, written = identities.upsert_identities(conn, later + older)
    after = _identities(platform_db.engine)
    assert written == 150 and again == ids
    assert {after[n][1] for n in range(1, 151)} == {"Newer"}
    assert all(after[n] == stored[n] for n in range(151, 301)), "the guard keeps the newer rows, updated_at too"

    with platform_db.engine.begin() as conn:
        _, written = identities.upsert_identities(conn, later + older)
    assert written == 0 and _identities(platform_db.engine) == after


def test_postgresql_and_sqlite_leave_identical_tables(platform_db, tmp_path):
    """The same writes to five tables on each platform: every column equal but the timestamps of the write."""
    sqlite = create_platform_engine(f"sqlite:///{tmp_path / 'platform.sqlite3'}", Settings.from_env({}).limits)
    metadata.create_all(sqlite)
    tables = {}
    for name, engine in (("postgresql", platform_db.engine), ("sqlite", sqlite)):
        with engine.begin() as conn:
            _write_a_batch(conn)
        tables[name] = _dump(engine)
    sqlite.dispose()
    assert tables["postgresql"] == tables["sqlite"]
    assert [len(tables["postgresql"][t.name]) for t in DUMPED] == [300, 200, 400, 300, 300]


def _write_a_batch(conn) -> None:
    identities.upsert_identities(conn, _first_batch())
    companies = [Company(c, f"Co {AWKWARD[c % len(AWKWARD)]}", None if c % 2 else "", 1, None, None)
                 for c in range(1, 201)]
    org_ids, _ = organisations.upsert_organisations(conn, companies)
    outlets = [Outlet(o, 1 + o % 200, f"Outlet {o}", AWKWARD[o % len(AWKWARD)], 1, None) for o in range(1, 401)]
    outlet_ids, _ = organisations.upsert_outlets(conn, outlets, org_ids)
    identity_ids = list(identities.find_identity_ids(conn, range(1, 301)).values())
    memberships.upsert_memberships(
        conn, [(org_ids[1 + n % 200], identity_id, "admin") for n, identity_id in enumerate(identity_ids)]
    )
    existing = memberships.existing_memberships(conn, identity_ids)
    memberships.insert_assignments(conn, {(m.id, outlet_ids[1 + n % 400]) for n, m in enumerate(existing)})


def _dump(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            table.name: sorted(
                tuple(row) for row in conn.execute(
                    sa.select(*(c for c in table.columns if c.name not in ("created_at", "updated_at"))))
            )
            for table in DUMPED
        }


@pytest.mark.parametrize("rows", [1, 199], ids=["one row", "a chunk"])
def test_a_value_too_long_is_a_data_error_of_the_write(platform_db, rows):
    """Isolation fails exactly such a record: the write must be rejected, never the value cut."""
    too_long = Company(1, "Co", "U" * 21, 1, None, None)
    with pytest.raises(sa.exc.DataError), platform_db.engine.begin() as conn:
        organisations.upsert_organisations(conn, [too_long, *(Company(c, "Co", None, 1, None, None) for c in range(2, rows + 1))])


def test_the_upsert_also_returns_the_ids_it_is_asked_to_look_up_in_the_same_statement(platform_db, tmp_path):
    sqlite = create_platform_engine(f"sqlite:///{tmp_path / 'platform.sqlite3'}", Settings.from_env({}).limits)
    metadata.create_all(sqlite)
    for engine in (platform_db.engine, sqlite):
        with engine.begin() as conn:
            existing, _ = identities.upsert_identities(conn, [_identity(1, "One", T0), _identity(2, "Two", T0)])
        statements = []
        sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        with engine.begin() as conn:
            ids, written = identities.upsert_identities(conn, [_identity(3, "Three", T0)], look_up=[1, 404])
        assert written == 1 and ids == {1: existing[1], 3: ids[3]}
        if engine.dialect.name == "postgresql":
            assert len(statements) == 1
        with engine.begin() as conn:
            assert identities.upsert_identities(conn, [], look_up=[2]) == ({2: existing[2]}, 0)
    sqlite.dispose()
