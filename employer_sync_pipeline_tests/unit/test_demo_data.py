"""The demo JodGig data set (SPEC §9): exact set counts, determinism and dirt."""

from collections import Counter
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from employer_sync_pipeline.db import jodgig_tables, platform_tables
from employer_sync_pipeline.db.engines import create_jodgig_engine, create_platform_engine, sqlite_url
from employer_sync_pipeline.db.jodgig_queries import load_companies, select_changed_employers
from employer_sync_pipeline.demo.generator import DEMO_OBSOLETE_COMPANY_IDS, DEMO_SCOPE_COUNTS, generate_demo_data
from employer_sync_pipeline.domain.errors import RecordError
from employer_sync_pipeline.domain.mapping import map_identity, normalise_email
from employer_sync_pipeline.domain.records import JodgigUser
from employer_sync_pipeline.domain.scope import EMPLOYER_ROLES, TALENT, ScopeSet, count_scope_sets
from employer_sync_pipeline.domain.timezone import TimezoneService
from employer_sync_pipeline.domain.window import SyncMode, SyncWindow
from employer_sync_pipeline.sync.databases import ensure_embedded_jodgig
from employer_sync_pipeline.sync.employer_facts import load_employer_scope_facts
from employer_sync_pipeline.sync.failure_reporting import NoReporter
from employer_sync_pipeline.sync.run_steps import RunStart, select_in_scope
from employer_sync_pipeline.sync.sync_definitions import EMPLOYER_SYNC
from employer_sync_pipeline.sync.source_rules import Databases, SourceRules
from employer_sync_pipeline.settings import Settings

_FAR_FUTURE = datetime(2100, 1, 1)


def _demo_engine(scale: int = 1, seed: int = 20260310) -> sa.Engine:
    engine = sa.create_engine("sqlite://")
    jodgig_tables.metadata.create_all(engine)
    with engine.begin() as connection:
        generate_demo_data(connection, scale=scale, seed=seed)
    return engine


def _classify_every_employer(engine: sa.Engine) -> list[tuple[JodgigUser, ScopeSet]]:
    """Every employer with its set, read back through the sync's own loaders."""
    with engine.connect() as connection:
        ids = list(select_changed_employers(connection, None, _FAR_FUTURE))
        facts = load_employer_scope_facts(connection, ids)
    return [(f.user, f.scope_set(DEMO_OBSOLETE_COMPANY_IDS)) for f in facts]


def _users_in(classified: list[tuple[JodgigUser, ScopeSet]], scope_set: ScopeSet) -> list[JodgigUser]:
    return [user for user, user_set in classified if user_set is scope_set]


def _all_rows(engine: sa.Engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {
            table.name: connection.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            for table in jodgig_tables.metadata.sorted_tables
        }


@pytest.fixture(scope="module")
def demo() -> sa.Engine:
    return _demo_engine()


@pytest.fixture(scope="module")
def classified(demo: sa.Engine) -> list[tuple[JodgigUser, ScopeSet]]:
    return _classify_every_employer(demo)


def test_a_full_sync_counts_exactly_the_production_audit(tmp_path):
    """Each record is classified once, by its batch: the run's counts are the batches' counts."""
    demo = create_jodgig_engine(sqlite_url(ensure_embedded_jodgig(tmp_path)), Settings.from_env().limits)
    platform = create_platform_engine(sqlite_url(tmp_path / "platform.sqlite"), Settings.from_env().limits)
    platform_tables.metadata.create_all(platform)
    rules = SourceRules(DEMO_OBSOLETE_COMPANY_IDS, TimezoneService())
    everything = SyncWindow(SyncMode.FULL_REFRESH, None, datetime.now(timezone.utc))
    dbs = Databases(demo, platform, rules)
    selection = select_in_scope(EMPLOYER_SYNC, dbs, RunStart(everything, datetime.now(timezone.utc)))
    result = EMPLOYER_SYNC.sync_batch(dbs, selection.user_ids, NoReporter())
    assert result.scope_counts == DEMO_SCOPE_COUNTS
    assert result.selected == len(selection.user_ids) == sum(DEMO_SCOPE_COUNTS.values()) - DEMO_SCOPE_COUNTS["S_invalid"]


def test_summary_counts_the_rows_written():
    engine = sa.create_engine("sqlite://")
    jodgig_tables.metadata.create_all(engine)
    with engine.begin() as connection:
        summary = generate_demo_data(connection)
    rows = _all_rows(engine)
    roles = Counter(user.role for user in rows["users"])
    assert summary.companies == len(rows["companies"])
    assert summary.outlets == len(rows["outlets"])
    assert summary.employers == sum(roles[role] for role in EMPLOYER_ROLES)
    assert summary.talents == roles[TALENT] == 3000
    assert summary.super_hq_pivots == len(rows["super_hq_external_companies"])
    assert summary.outlet_users == len(rows["outlet_user"])
    assert summary.scope_counts == DEMO_SCOPE_COUNTS


def test_same_seed_gives_identical_rows_in_every_table(demo):
    assert _all_rows(_demo_engine()) == _all_rows(demo)


def test_another_seed_gives_other_rows_but_the_same_counts(demo):
    other = _demo_engine(seed=1)
    assert _all_rows(other)["users"] != _all_rows(demo)["users"]
    assert count_scope_sets(user_set for _, user_set in _classify_every_employer(other)) == DEMO_SCOPE_COUNTS


def test_scale_two_doubles_every_set_count_but_keeps_the_eleven_obsolete_companies():
    classified = _classify_every_employer(_demo_engine(scale=2))
    counts = count_scope_sets(user_set for _, user_set in classified)
    assert counts == {letter: 2 * count for letter, count in DEMO_SCOPE_COUNTS.items()}
    assert {user.company_id for user in _users_in(classified, ScopeSet.C)} == DEMO_OBSOLETE_COMPANY_IDS


def test_the_eleven_obsolete_companies_exist_and_look_live(demo):
    companies = jodgig_tables.companies
    with demo.connect() as connection:
        rows = connection.execute(sa.select(companies).where(companies.c.id.in_(DEMO_OBSOLETE_COMPANY_IDS))).all()
    assert len(rows) == len(DEMO_OBSOLETE_COMPANY_IDS) == 11
    assert all(row.status == 1 and row.deleted_at is None for row in rows)


def test_set_g_has_exactly_three_invalid_emails(classified):
    invalid = [user for user in _users_in(classified, ScopeSet.G) if normalise_email(user.email) is None]
    assert len(invalid) == 3


def test_set_g_has_exactly_two_duplicate_email_pairs_after_normalisation(classified):
    emails = Counter(normalise_email(user.email) for user in _users_in(classified, ScopeSet.G))
    emails.pop(None)
    assert sorted(count for count in emails.values() if count > 1) == [2, 2]


def test_invalid_emails_are_the_only_mapping_failures_in_scope(classified):
    in_scope = [user for user, user_set in classified if user_set.in_scope]
    failures = []
    for user in in_scope:
        try:
            map_identity(user, "employer", TimezoneService())
        except RecordError as error:
            failures.append(error.error)
    assert failures == ["InvalidEmail"] * 3


def test_emails_are_unique_apart_from_the_duplicate_pairs(demo):
    with demo.connect() as connection:
        emails = connection.execute(sa.select(jodgig_tables.users.c.email)).scalars().all()
    counts = Counter(normalise_email(email) for email in emails if normalise_email(email) is not None)
    assert sum(count - 1 for count in counts.values()) == 2
    assert any(email != email.strip().lower() for email in emails if email is not None)


def test_some_outlet_user_rows_point_at_another_companys_outlet(demo):
    outlet_user, outlets, users = jodgig_tables.outlet_user, jodgig_tables.outlets, jodgig_tables.users
    query = (
        sa.select(sa.func.count())
        .select_from(outlet_user.join(outlets, outlets.c.id == outlet_user.c.outlet_id))
        .join(users, users.c.id == outlet_user.c.user_id)
        .where(outlets.c.company_id != users.c.company_id)
    )
    with demo.connect() as connection:
        assert connection.execute(query).scalar_one() >= 1


def test_some_users_have_no_updated_at(demo):
    users = jodgig_tables.users
    with demo.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).where(users.c.updated_at.is_(None))).scalar_one() >= 1


def test_the_b_employer_has_a_dangling_company_id(classified, demo):
    (user,) = _users_in(classified, ScopeSet.B)
    assert user.company_id is not None
    with demo.connect() as connection:
        assert load_companies(connection, [user.company_id]) == {}


def test_talents_exist_and_are_mostly_enabled(demo):
    users = jodgig_tables.users
    with demo.connect() as connection:
        talents = connection.execute(sa.select(users).where(users.c.role == TALENT)).all()
    assert len(talents) == 3000
    assert all(talent.company_id is None for talent in talents)
    assert sum(talent.status == 1 and talent.is_deleted == 0 for talent in talents) > 0.9 * len(talents)
