"""The reads that share a statement (``db/tagged_union.py``) return exactly what each table's own read returns."""

import dataclasses
from datetime import datetime

import pytest
import sqlalchemy as sa

from employer_sync_pipeline.db import id_lists
from employer_sync_pipeline.db import jodgig_queries as jq
from employer_sync_pipeline.db.engines import create_jodgig_engine
from employer_sync_pipeline.db.jodgig_tables import metadata
from employer_sync_pipeline.db.tagged_union import tagged_union
from employer_sync_pipeline.domain.scope import EMPLOYER_ROLES
from employer_sync_pipeline.settings import Settings
from employer_sync_pipeline_tests.support.jodgig_factory import JodgigFactory

DELETED = datetime(2026, 2, 1, 8, 30, 15, 250000)


def _jodgig_rows(jodgig: JodgigFactory) -> dict[str, list[int]]:
    """Two companies with outlets, managers of every kind, pivots and links; a deleted outlet, a
    user with NULLs, a talent with a link row (its links must not be returned)."""
    live, other, empty = jodgig.company(), jodgig.company(uen=None, status=0), jodgig.company(deleted_at=DELETED)
    outlets = [jodgig.outlet(live), jodgig.outlet(live, deleted_at=DELETED, address=None), jodgig.outlet(other)]
    hq = jodgig.user("HQ_MANAGER", live)
    bare = jodgig.user("HQ_MANAGER", other, email=None, first_name=None, mobile=None, updated_at=None)
    manager = jodgig.user("OUTLET_MANAGER", live)
    external = jodgig.user("SUPER_HQ_EXTERNAL", None)
    talent = jodgig.user("TALENT", None)
    for outlet in outlets[:2]:
        jodgig.outlet_user(outlet, manager)
    jodgig.outlet_user(outlets[2], talent)
    jodgig.pivot(external, live)
    jodgig.pivot(external, other)
    jodgig.pivot(talent, other)
    return {"users": [hq, bare, manager, external, talent, 999], "companies": [live, other, empty, 998],
            "except": [hq]}


def _typed(records) -> list[tuple]:
    """Each record or row as its (type name, value) pairs, sorted: ``Decimal(1) == 1``, so values
    alone would hide a column the union widened."""
    def pairs(record):
        is_record = dataclasses.is_dataclass(record)
        values = [getattr(record, f.name) for f in dataclasses.fields(record)] if is_record else record
        return tuple((type(value).__name__, value) for value in values)

    return sorted((pairs(record) for record in records), key=str)


def _sorted_lists(grouped: dict[int, list[int]]) -> dict[int, list[int]]:
    return {key: sorted(values) for key, values in grouped.items()}


def _same_as_separate_reads(conn, wanted) -> None:
    together = jq.load_users_with_links(conn, wanted["users"], EMPLOYER_ROLES)
    users = jq.load_users(conn, wanted["users"], EMPLOYER_ROLES)
    assert _typed(together.users) == _typed(users)
    employer_ids = [u.id for u in users]
    assert _sorted_lists(together.pivot_company_ids) == _sorted_lists(jq.load_pivot_company_ids(conn, employer_ids))
    all_outlets = jq.load_outlets(conn, range(1, 100)).values()
    assert _sorted_lists(together.linked_outlet_ids) == {
        wanted["users"][2]: sorted(o.id for o in all_outlets if o.company_id == wanted["companies"][0])}

    people = jq.load_companies_with_outlets_and_hq_managers(conn, wanted["companies"], wanted["except"])
    assert _typed(people.companies.values()) == _typed(jq.load_companies(conn, wanted["companies"]).values())
    assert _typed(people.outlets) == _typed(o for o in all_outlets if o.company_id in wanted["companies"])
    managers = jq.load_hq_managers_of_companies(conn, wanted["companies"])
    assert _typed(people.hq_managers) == _typed(m for m in managers if m.id not in wanted["except"])
    assert together.users and together.pivot_company_ids and people.outlets and people.hq_managers


def _union_same_as_parts(conn, wanted) -> None:
    """Each union's rows, split, are its parts' own rows: for as many ids as given, in their form."""
    users, companies, others = wanted["users"], wanted["companies"], wanted["except"]
    for union, parameters, count in [
        (jq._users_with_links_query(id_lists.ids_form(conn, len(users)), EMPLOYER_ROLES), {"ids": users}, len(users)),
        (jq._companies_with_people_query(id_lists.ids_form(conn, len(companies)), id_lists.ids_form(conn, len(others))),
         {"ids": companies, "others": others}, len(companies)),
    ]:  # fmt: skip
        shared, apart = union.rows(conn, parameters, together=True), union.rows(conn, parameters, together=False)
        assert [_typed(rows) for rows in shared] == [_typed(rows) for rows in apart]
        assert all(apart), union.statement


def _statements(conn, load, *arguments) -> int:
    """How many statements ``load`` sends."""
    sent = []

    def count(*_):
        sent.append(1)

    sa.event.listen(conn, "before_cursor_execute", count)
    try:
        load(conn, *arguments)
    finally:
        sa.event.remove(conn, "before_cursor_execute", count)
    return len(sent)


#: (id padding, whether the server takes JSON_TABLE): a few ids, then many in either form.
CASES = {"few ids": (0, True), "many ids, JSON_TABLE": (40, True), "many ids, IN list": (40, False)}


@pytest.mark.parametrize("case", list(CASES))
def test_mariadb_reads_together_what_it_reads_apart(jodgig_db, monkeypatch, case):
    """A few ids share a statement; many go in one statement per table. Both return the same."""
    padding, json_table = CASES[case]
    wanted = _jodgig_rows(JodgigFactory(jodgig_db.writer))
    wanted = {key: [*ids, *range(10_000, 10_000 + padding)] for key, ids in wanted.items()}
    few = padding == 0
    if not json_table:
        monkeypatch.setattr(id_lists, "has_json_table", lambda conn: False)
    reader = create_jodgig_engine(jodgig_db.reader_url, Settings.from_env({}).limits)
    try:
        with reader.connect() as conn:
            assert (id_lists.ids_form(conn, len(wanted["users"])) == id_lists.JSON_FORM) is (json_table and not few)
            _same_as_separate_reads(conn, wanted)
            _union_same_as_parts(conn, wanted)
            assert _statements(conn, jq.load_users_with_links, wanted["users"], EMPLOYER_ROLES) == (1 if few else 3)
            assert _statements(conn, jq.load_companies_with_outlets_and_hq_managers, wanted["companies"], []) == (
                1 if few else 3)
    finally:
        reader.dispose()


def test_a_few_companies_of_many_users_go_one_statement_per_table(jodgig_db):
    """A chunk ordered by company touches few companies with many outlets and managers."""
    wanted = _jodgig_rows(JodgigFactory(jodgig_db.writer))
    many_users = [*wanted["except"], *range(10_000, 10_040)]
    reader = create_jodgig_engine(jodgig_db.reader_url, Settings.from_env({}).limits)
    try:
        with reader.connect() as conn:
            load = jq.load_companies_with_outlets_and_hq_managers
            assert _statements(conn, load, wanted["companies"], many_users) == 3
            assert _typed(load(conn, wanted["companies"], many_users).hq_managers) == _typed(
                load(conn, wanted["companies"], wanted["except"]).hq_managers)
    finally:
        reader.dispose()


def test_sqlite_reads_together_what_it_reads_apart(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'jodgig.sqlite3'}")
    metadata.create_all(engine)
    try:
        wanted = _jodgig_rows(JodgigFactory(engine))
        with engine.connect() as conn:
            _same_as_separate_reads(conn, wanted)
            _union_same_as_parts(conn, wanted)
            people = jq.load_companies_with_outlets_and_hq_managers(conn, wanted["companies"], ())
        assert {c.deleted_at for c in people.companies.values()} == {None, DELETED}
    finally:
        engine.dispose()


def test_a_tagged_union_splits_rows_back_into_each_selects_rows():
    values = sa.table("t", sa.column("a", sa.Integer), sa.column("b", sa.String), sa.column("c", sa.DateTime))
    union = tagged_union(sa.select(values.c.a), sa.select(values.c.b, values.c.c))
    assert union.slices == (slice(1, 2), slice(2, 4))
    rows = [(1, None, "x", DELETED), (0, 7, None, None), (1, None, "y", None)]
    assert union.split(rows) == [[(7,)], [("x", DELETED), ("y", None)]]
    assert len(union.statement.selected_columns) == 4


@pytest.mark.parametrize("column_type", [sa.Boolean(), sa.Float(), sa.Enum("a", "b", name="ab")])
def test_a_column_mysql_cannot_cast_to_is_refused(column_type):
    values = sa.table("t", sa.column("a", sa.Integer), sa.column("b", column_type))
    with pytest.raises(TypeError, match="MySQL cannot cast to its type"):
        tagged_union(sa.select(values.c.a), sa.select(values.c.b))
