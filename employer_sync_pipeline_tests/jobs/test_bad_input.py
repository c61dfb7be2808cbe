"""employer_sync_job on MariaDB → PostgreSQL against dirty JodGig data (SPEC §2–§3, docs/how-it-works.md "Mapping").

One table-driven catalogue: each class of dirty data is built by a small helper next to a batch of
ordinary good employers of the same company, and says what the sync must do with the dirty record:
map it (with the stored values that matter), skip it (with its set), or fail it (with its error
class). Every case also checks that the good neighbours are synced untouched by the dirt.

Then SQL injection: hostile strings in every free-text column the sync reads are stored verbatim.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from employer_sync_pipeline.db import jodgig_tables as t
from employer_sync_pipeline.db import platform_tables as p
from employer_sync_pipeline.domain.timezone import TimezoneService

from ..support.jodgig_factory import JodgigFactory
from ..support.runs import assignments, identities, memberships, rows, run_employer_sync, sync_logs

ZERO_DATE = "0000-00-00 00:00:00"
SGT_8AM_2_MARCH = datetime(2026, 3, 2, 8, 0)
UTC_MIDNIGHT_2_MARCH = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)
MISSING_COMPANY = 990_001
MISSING_OUTLET = 990_002


# --- the good neighbours -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Neighbours:
    """An ordinary live company with an HQ manager (the owner), an outlet manager and a super-HQ user."""

    company: int
    outlet: int
    hq: int
    manager: int
    super_hq: int

    @property
    def users(self) -> tuple[int, int, int]:
        return (self.hq, self.manager, self.super_hq)


#: The neighbours' own sets, in every batch.
NEIGHBOUR_SETS = {"G": 2, "S": 1}


def good_neighbours(jodgig: JodgigFactory) -> Neighbours:
    company = jodgig.company()
    outlet = jodgig.outlet(company)
    hq = jodgig.user("HQ_MANAGER", company)  # the earliest HQ manager: the owner
    manager = jodgig.user("OUTLET_MANAGER", company)
    jodgig.outlet_user(outlet, manager)
    super_hq = jodgig.user("SUPER_HQ_EXTERNAL")
    jodgig.pivot(super_hq, company)
    return Neighbours(company, outlet, hq, manager, super_hq)


def assert_good_neighbours_synced(engine, world: Neighbours, log: dict, owner: int) -> None:
    synced = identities(engine)
    for user in world.users:
        assert (synced[user]["kind"], synced[user]["status"]) == ("employer", "active"), user
        assert synced[user]["email"] == f"user{user}@example.com"
    roles = memberships(engine)
    assert roles[(world.company, world.manager)] == "manager"
    assert roles[(world.company, world.super_hq)] == "admin"
    assert roles[(world.company, world.hq)] == ("owner" if owner == world.hq else "admin")
    assert [u for (c, u), role in roles.items() if c == world.company and role == "owner"] == [owner]
    assert (world.manager, world.outlet) in assignments(engine)
    assert not {f["remote_gig_user_id"] for f in log["fail_log"]} & set(world.users)


# --- what a dirty record should become -------------------------------------------------------------------


@dataclass(frozen=True)
class Mapped:
    """Synced: an active employer identity with these stored values, memberships and assignments."""

    user: int
    stored: Mapping[str, object] = field(default_factory=dict)
    memberships: Mapping[int, str] = field(default_factory=dict)  # JodGig company id → role
    outlets: frozenset[int] | None = None  # JodGig outlet ids it is assigned to; None: not checked


@dataclass(frozen=True)
class Skipped:
    """Out of scope: no identity, no membership, not in the fail log."""

    user: int


@dataclass(frozen=True)
class Failed:
    """Fails alone with this error class: in the fail log, nothing written."""

    user: int
    error: str


@dataclass
class Case:
    outcomes: tuple[Mapped | Skipped | Failed, ...]
    #: Non-zero ``scope_counts`` of the (last) run, neighbours included.
    scope: Mapping[str, int]
    #: The owner of the neighbours' company; None: the neighbours' HQ manager.
    owner: int | None = None
    run: Callable[[], object] = run_employer_sync


def sets(**extra: int) -> dict[str, int]:
    """The neighbours' sets plus the dirty records'."""
    counts = dict(NEIGHBOUR_SETS)
    for key, count in extra.items():
        counts[key] = counts.get(key, 0) + count
    return counts


def run_then(action: Callable[[], object], **second_run) -> Callable[[], None]:
    """Two runs: the first, then ``action`` on JodGig, then a second one."""

    def run() -> None:
        run_employer_sync()
        action()
        run_employer_sync(**second_run)

    return run


def widen_users_column(jodgig: JodgigFactory, column: str) -> None:
    """JodGig's DDL caps names at VARCHAR(100), so a longer name needs a JodGig whose column has drifted."""
    with jodgig.writer.begin() as conn:
        conn.exec_driver_sql(f"ALTER TABLE users MODIFY {column} VARCHAR(200) NULL")


def insert_zero_date_user(jodgig: JodgigFactory, company: int, **values) -> int:
    """A user whose zero-date columns go in with a permissive sql_mode, as legacy MySQL allowed."""
    with jodgig.writer.connect() as conn:
        conn.exec_driver_sql("SET SESSION sql_mode = ''")
        user_id = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(t.users.c.id), 0))).scalar_one()) + 500
        row = {"id": user_id, "role": "HQ_MANAGER", "email": f"user{user_id}@example.com", "first_name": "Zed",
               "last_name": "Ro", "mobile": "9123 4567", "company_id": company, "status": 1, "is_deleted": 0,
               "created_at": SGT_8AM_2_MARCH, "updated_at": SGT_8AM_2_MARCH} | values
        conn.execute(sa.insert(t.users).values(**row))
        conn.commit()
    with jodgig.writer.connect() as conn:
        stored = conn.execute(sa.select(t.users.c.created_at, t.users.c.updated_at).where(t.users.c.id == user_id))
        assert ZERO_DATE in {str(value) for value in stored.one()}, "MariaDB did not keep the zero date"
    return user_id


# --- the catalogue: one helper per class of dirty data --------------------------------------------------


def invalid_email(jodgig, world):
    user = jodgig.user("OUTLET_MANAGER", world.company, email="two@@example.com")
    return Case((Failed(user, "InvalidEmail"),), sets(G=1))


def null_email(jodgig, world):
    user = jodgig.user("OUTLET_MANAGER", world.company, email=None)
    return Case((Failed(user, "InvalidEmail"),), sets(G=1))


def control_character_email(jodgig, world):
    user = jodgig.user("OUTLET_MANAGER", world.company, email="a\x01b@example.com")
    return Case((Failed(user, "InvalidEmail"),), sets(G=1))


def duplicate_email_in_one_batch(jodgig, world):
    kept = jodgig.user("OUTLET_MANAGER", world.company, email=" Dup@Example.COM ")
    rejected = jodgig.user("OUTLET_MANAGER", world.company, email="dup@example.com")
    return Case(
        (Mapped(kept, {"email": "dup@example.com"}, {world.company: "manager"}), Failed(rejected, "DuplicateEmail")),
        sets(G=2),
    )


def duplicate_email_across_batches(jodgig, world):
    # Batches of one, ids ordered by company: the first (lower id) is committed before the second is seen.
    kept = jodgig.user("OUTLET_MANAGER", world.company, email="dup@example.com")
    rejected = jodgig.user("OUTLET_MANAGER", world.company, email="  DUP@example.com")
    return Case(
        (Mapped(kept, {"email": "dup@example.com"}, {world.company: "manager"}), Failed(rejected, "DuplicateEmail")),
        sets(G=2),
        run=lambda: run_employer_sync(batch_size=1),
    )


def duplicate_email_across_runs(jodgig, world):
    # The one already synced keeps the e-mail even though the newcomer has the lower id.
    kept = jodgig.user("OUTLET_MANAGER", world.company, id=902, email="dup@example.com")

    def newcomer() -> None:
        jodgig.user("OUTLET_MANAGER", world.company, id=901, email="Dup@Example.com", updated_at=jodgig.local_now())

    return Case(
        (Mapped(kept, {"email": "dup@example.com"}, {world.company: "manager"}), Failed(901, "DuplicateEmail")),
        {"G": 1},  # the incremental second run selects only the newcomer
        run=run_then(newcomer),
    )


def duplicate_email_across_runs_full_refresh(jodgig, world):
    # As above, but the second run is a full refresh that sees both: the holder still keeps it.
    kept = jodgig.user("OUTLET_MANAGER", world.company, id=902, email="dup@example.com")

    def newcomer() -> None:
        jodgig.user("OUTLET_MANAGER", world.company, id=901, email="Dup@Example.com")

    return Case(
        (Mapped(kept, {"email": "dup@example.com"}, {world.company: "manager"}), Failed(901, "DuplicateEmail")),
        sets(G=2),
        run=run_then(newcomer, full_refresh=True),
    )


def first_name_too_long(jodgig, world):
    widen_users_column(jodgig, "first_name")
    user = jodgig.user("OUTLET_MANAGER", world.company, first_name="x" * 101)
    return Case((Failed(user, "ValueTooLong"),), sets(G=1))


def last_name_too_long(jodgig, world):
    widen_users_column(jodgig, "last_name")
    user = jodgig.user("OUTLET_MANAGER", world.company, last_name="  " + "y" * 101 + "  ")
    return Case((Failed(user, "ValueTooLong"),), sets(G=1))


def email_too_long_once_lower_cased(jodgig, world):
    email = "İİ" + "a" * 241 + "@example.com"  # 255 characters in JodGig; 'İ'.lower() is two code points
    assert len(email) == 255
    user = jodgig.user("OUTLET_MANAGER", world.company, email=email)
    return Case((Failed(user, "ValueTooLong"),), sets(G=1))


def whitespace_only_names(jodgig, world):
    user = jodgig.user("OUTLET_MANAGER", world.company, first_name="   ", last_name="\t \t")
    return Case((Mapped(user, {"first_name": None, "last_name": None}, {world.company: "manager"}),), sets(G=1))


def emoji_in_names(jodgig, world):
    user = jodgig.user("OUTLET_MANAGER", world.company, first_name="Ada 🚀", last_name="Tan 👩🏽‍💻")
    return Case((Mapped(user, {"first_name": "Ada 🚀", "last_name": "Tan 👩🏽‍💻"}, {world.company: "manager"}),),
                sets(G=1))


def nul_character_in_name(jodgig, world):
    user = jodgig.user("OUTLET_MANAGER", world.company, first_name="Ad\x00a", last_name="\x00Tan\x00")
    return Case((Mapped(user, {"first_name": "Ada", "last_name": "Tan"}, {world.company: "manager"}),), sets(G=1))


def sql_metacharacters_in_names(jodgig, world):
    first, last = "Robert'); DROP TABLE identities_users;--", "%_\\"
    user = jodgig.user("OUTLET_MANAGER", world.company, first_name=first, last_name=last)
    return Case((Mapped(user, {"first_name": first, "last_name": last}, {world.company: "manager"}),), sets(G=1))


def null_updated_at(jodgig, world):
    user = jodgig.user("OUTLET_MANAGER", world.company, created_at=SGT_8AM_2_MARCH, updated_at=None)
    stored = {"remote_created_at": UTC_MIDNIGHT_2_MARCH, "remote_updated_at": UTC_MIDNIGHT_2_MARCH}
    return Case((Mapped(user, stored, {world.company: "manager"}),), sets(G=1))


def zero_date_updated_at(jodgig, world):
    user = insert_zero_date_user(jodgig, world.company, role="OUTLET_MANAGER", updated_at=ZERO_DATE)
    stored = {"remote_created_at": UTC_MIDNIGHT_2_MARCH, "remote_updated_at": UTC_MIDNIGHT_2_MARCH}
    return Case((Mapped(user, stored, {world.company: "manager"}),), sets(G=1))


def zero_date_created_at(jodgig, world):
    # An HQ manager: also an owner candidate, whose zero date must not disturb owner resolution.
    user = insert_zero_date_user(jodgig, world.company, role="HQ_MANAGER", created_at=ZERO_DATE)
    return Case((Failed(user, "InvalidTimestamp"),), sets(G=1))


def dangling_company_id(jodgig, world):
    user = jodgig.user("HQ_MANAGER", MISSING_COMPANY)
    return Case((Skipped(user),), sets(B=1))


def super_hq_pivot_to_missing_company_only(jodgig, world):
    user = jodgig.user("SUPER_HQ_EXTERNAL")
    jodgig.pivot(user, MISSING_COMPANY)
    return Case((Skipped(user),), sets(S=1, S_invalid=1))


def super_hq_pivot_to_missing_and_live_company(jodgig, world):
    user = jodgig.user("SUPER_HQ_EXTERNAL")
    jodgig.pivot(user, MISSING_COMPANY)
    jodgig.pivot(user, world.company)
    return Case((Mapped(user, {}, {world.company: "admin"}, frozenset()),), sets(S=1))


def outlet_user_to_missing_outlet(jodgig, world):
    user = jodgig.user("OUTLET_MANAGER", world.company)
    jodgig.outlet_user(world.outlet, user)
    jodgig.outlet_user(MISSING_OUTLET, user)
    return Case((Mapped(user, {}, {world.company: "manager"}, frozenset({world.outlet})),), sets(G=1))


def outlet_user_to_another_companys_outlet(jodgig, world):
    # The other company is live and in the batch, so its outlets are loaded too.
    other = jodgig.company()
    other_outlet = jodgig.outlet(other)
    other_hq = jodgig.user("HQ_MANAGER", other)
    jodgig.outlet_user(other_outlet, other_hq)
    user = jodgig.user("HQ_MANAGER", world.company)
    jodgig.outlet_user(world.outlet, user)
    jodgig.outlet_user(other_outlet, user)
    return Case(
        (
            Mapped(user, {}, {world.company: "admin"}, frozenset({world.outlet})),
            Mapped(other_hq, {}, {other: "owner"}, frozenset({other_outlet})),
        ),
        sets(G=2),
    )


def role_in_lower_case(jodgig, world):
    # Designated owner: it is an owner candidate like any HQ_MANAGER.
    user = jodgig.user("hq_manager", world.company)
    jodgig.update(t.companies, world.company, owner_user_id=user)
    return Case((Mapped(user, {}, {world.company: "owner"}),), sets(G=1), owner=user)


def role_with_trailing_whitespace(jodgig, world):
    user = jodgig.user("HQ_MANAGER  ", world.company)
    return Case((Mapped(user, {}, {world.company: "admin"}),), sets(G=1))


def role_with_leading_whitespace(jodgig, world):
    # An unknown role: never selected (not even counted), never an owner candidate, even if designated.
    user = jodgig.user(" HQ_MANAGER", world.company)
    jodgig.update(t.companies, world.company, owner_user_id=user)
    return Case((Skipped(user),), sets())


def mobile_with_letters(jodgig, world):
    user = jodgig.user("OUTLET_MANAGER", world.company, mobile="9123 45AB")
    return Case((Mapped(user, {"phone_number": None}, {world.company: "manager"}),), sets(G=1))


def foreign_mobile(jodgig, world):
    user = jodgig.user("OUTLET_MANAGER", world.company, mobile="+44 20 7946 0958")
    return Case((Mapped(user, {"phone_number": None}, {world.company: "manager"}),), sets(G=1))


def owner_user_id_of_another_company(jodgig, world):
    # owner_user_id names an (earlier) HQ manager of another company: not a candidate here.
    other = jodgig.company()
    stranger = jodgig.user("HQ_MANAGER", other, created_at=datetime(2019, 1, 1))
    jodgig.update(t.companies, world.company, owner_user_id=stranger)
    later_hq = jodgig.user("HQ_MANAGER", world.company)
    return Case(
        (Mapped(later_hq, {}, {world.company: "admin"}), Mapped(stranger, {}, {other: "owner"})),
        sets(G=2),
    )


CATALOGUE: dict[str, Callable[[JodgigFactory, Neighbours], Case]] = {
    "invalid-email": invalid_email,
    "null-email": null_email,
    "control-character-in-email": control_character_email,
    "duplicate-email-in-one-batch": duplicate_email_in_one_batch,
    "duplicate-email-across-batches": duplicate_email_across_batches,
    "duplicate-email-across-runs": duplicate_email_across_runs,
    "duplicate-email-across-runs-full-refresh": duplicate_email_across_runs_full_refresh,
    "first-name-over-100": first_name_too_long,
    "last-name-over-100": last_name_too_long,
    "email-over-255-once-lower-cased": email_too_long_once_lower_cased,
    "whitespace-only-names": whitespace_only_names,
    "emoji-in-names": emoji_in_names,
    "nul-character-in-name": nul_character_in_name,
    "sql-metacharacters-in-names": sql_metacharacters_in_names,
    "null-updated-at": null_updated_at,
    "zero-date-updated-at": zero_date_updated_at,
    "zero-date-created-at": zero_date_created_at,
    "dangling-company-id": dangling_company_id,
    "super-hq-pivot-to-missing-company-only": super_hq_pivot_to_missing_company_only,
    "super-hq-pivot-to-missing-and-live-company": super_hq_pivot_to_missing_and_live_company,
    "outlet-user-to-missing-outlet": outlet_user_to_missing_outlet,
    "outlet-user-to-another-companys-outlet": outlet_user_to_another_companys_outlet,
    "role-in-lower-case": role_in_lower_case,
    "role-with-trailing-whitespace": role_with_trailing_whitespace,
    "role-with-leading-whitespace": role_with_leading_whitespace,
    "mobile-with-letters": mobile_with_letters,
    "foreign-mobile": foreign_mobile,
    "owner-user-id-of-another-company": owner_user_id_of_another_company,
}


@pytest.mark.parametrize("build", list(CATALOGUE.values()), ids=list(CATALOGUE))
def test_dirty_record_is_mapped_skipped_or_failed_alone(sync_env, jodgig, platform_db, build):
    world = good_neighbours(jodgig)
    case = build(jodgig, world)

    case.run()

    engine = platform_db.engine
    log = sync_logs(engine)[-1]
    assert_good_neighbours_synced(engine, world, log, case.owner or world.hq)
    assert {key: count for key, count in log["scope_counts"].items() if count} == case.scope
    synced, roles, assigned = identities(engine), memberships(engine), assignments(engine)
    failures = {f["remote_gig_user_id"]: f["error"] for f in log["fail_log"]}
    expected_failures = {o.user: o.error for o in case.outcomes if isinstance(o, Failed)}
    assert failures == expected_failures
    assert log["records_failed"] == len(expected_failures)
    assert log["is_successful"] is not expected_failures
    for outcome in case.outcomes:
        if isinstance(outcome, Mapped):
            identity = synced.get(outcome.user)
            assert identity is not None, f"user {outcome.user} was not synced"
            assert (identity["kind"], identity["status"]) == ("employer", "active")
            assert {column: identity[column] for column in outcome.stored} == dict(outcome.stored)
            assert {c: role for (c, u), role in roles.items() if u == outcome.user} == dict(outcome.memberships)
            if outcome.outlets is not None:
                assert {o for u, o in assigned if u == outcome.user} == outcome.outlets
        else:
            assert outcome.user not in synced
            assert not [key for key in roles if key[1] == outcome.user]


# --- beyond the catalogue: a zero-date updated_at and the incremental change selection -----------------


def test_incremental_run_selects_a_new_user_whose_updated_at_is_a_zero_date(sync_env, jodgig, platform_db):
    """The mapping reads a zero-date ``updated_at`` as ``created_at``; the change selection should too."""
    world = good_neighbours(jodgig)
    run_employer_sync()

    created_at = jodgig.local_now()
    user = insert_zero_date_user(jodgig, world.company, role="OUTLET_MANAGER", created_at=created_at,
                                 updated_at=ZERO_DATE)
    run_employer_sync()

    second = sync_logs(platform_db.engine)[-1]
    assert second["sync_mode"] == "incremental"
    assert second["watermark_from"] <= TimezoneService().to_utc(created_at) <= second["watermark_to"]
    assert (second["records_selected"], second["records_synced"]) == (1, 1)
    assert identities(platform_db.engine)[user]["status"] == "active"


# --- SQL injection ----------------------------------------------------------------------------------------

HOSTILE = [
    "'; DROP TABLE users; --",
    '" OR 1=1 --',
    "Robert'); DELETE FROM org_memberships;--",
    "%s %(x)s ? :name $1",
    "C:\\new\\table \\' \\\" \\\\ \\0 \\%",
]
#: Lower-case, no whitespace, one @: still valid e-mails once trimmed and lower-cased.
HOSTILE_EMAIL_LOCAL_PARTS = [
    "';drop_table_users;--",
    '"or"1"="1"--',
    "robert');delete_from_org_memberships;--",
    "%s%(x)s?:name$1",
    "c:\\new\\\\'\\\"",
]
#: companies.uen is VARCHAR(20).
HOSTILE_UENS = ["'; DROP TABLE users;", '" OR 1=1 --', "');DELETE FROM x;--", "%s %(x)s ?", "\\'\\\"\\\\%_\\0"]


def test_hostile_strings_are_stored_verbatim_and_every_table_survives(sync_env, jodgig, platform_db):
    assert all(len(uen) <= 20 for uen in HOSTILE_UENS)
    companies, outlets, users = {}, {}, {}
    super_hq = jodgig.user("SUPER_HQ_EXTERNAL", first_name=HOSTILE[2], last_name=HOSTILE[0], mobile=HOSTILE[1])
    for text, local_part, uen in zip(HOSTILE, HOSTILE_EMAIL_LOCAL_PARTS, HOSTILE_UENS, strict=True):
        company = jodgig.company(name=text, uen=uen)
        companies[company] = (text, uen)
        outlet = jodgig.outlet(company, name=text, address=f"{text}\n{text}")
        outlets[outlet] = (company, text, f"{text}\n{text}")
        hq = jodgig.user("HQ_MANAGER", company, email=f"{local_part}@example.com", first_name=text,
                         last_name=text[::-1].strip(), mobile=text[:32])
        users[hq] = (f"{local_part}@example.com", text, text[::-1].strip())
        manager = jodgig.user("OUTLET_MANAGER", company, first_name=text, last_name=text, mobile=text[:32])
        users[manager] = (f"user{manager}@example.com", text, text)
        jodgig.outlet_user(outlet, manager)
        jodgig.pivot(super_hq, company)

    run_employer_sync()

    engine = platform_db.engine
    [log] = sync_logs(engine)
    assert (log["is_successful"], log["fail_log"], log["records_synced"]) == (True, [], 11)
    synced = identities(engine)
    assert {u: (i["email"], i["first_name"], i["last_name"]) for u, i in synced.items() if u != super_hq} == users
    assert (synced[super_hq]["first_name"], synced[super_hq]["last_name"]) == (HOSTILE[2], HOSTILE[0])
    assert all(identity["phone_number"] is None and identity["status"] == "active" for identity in synced.values())
    orgs = {o["remote_gig_company_id"]: o for o in rows(engine, p.org_organisations)}
    assert {cid: (o["name"], o["uen"]) for cid, o in orgs.items()} == companies
    org_company = {o["id"]: cid for cid, o in orgs.items()}
    assert {
        o["remote_gig_outlet_id"]: (org_company[o["organisation_id"]], o["name"], o["address"])
        for o in rows(engine, p.org_outlets)
    } == outlets
    roles = memberships(engine)
    assert sorted(roles.values()) == ["admin"] * 5 + ["manager"] * 5 + ["owner"] * 5

    with engine.connect() as conn:
        platform_counts = {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in p.metadata.sorted_tables
        }
    assert platform_counts == {
        "identities_users": 11, "org_organisations": 5, "org_outlets": 5, "org_memberships": 15,
        "org_outlet_assignments": 5, "gig_sync_logs": 1,
    }
    with jodgig.writer.connect() as conn:
        jodgig_counts = {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in t.metadata.sorted_tables
        }
    assert jodgig_counts == {"companies": 5, "outlets": 5, "users": 11, "super_hq_external_companies": 5,
                             "outlet_user": 5}
