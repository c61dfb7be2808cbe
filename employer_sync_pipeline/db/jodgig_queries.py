"""Read-only queries against JodGig. Times in and out are JodGig local (naive)."""

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache, partial

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from ..domain.batching import batched
from ..domain.records import Company, JodgigUser, Outlet, ScopeUser
from ..domain.scope import EMPLOYER_ROLES, HQ_MANAGER, TALENT, canonical_role
from .id_lists import FEW_IDS, execute_with_ids, ids_form, one_of
from .jodgig_tables import companies, outlet_user, outlets, super_hq_external_companies, users
from .tagged_union import TaggedUnion, tagged_union

_IN_LIST_CHUNK = 5000
_USER_COLUMNS = [users.c[name] for name in JodgigUser.__slots__]
_SCOPE_USER_COLUMNS = [users.c[name] for name in ScopeUser.__slots__]
_COMPANY_COLUMNS = [companies.c[name] for name in Company.__slots__]
_OUTLET_COLUMNS = [outlets.c[name] for name in Outlet.__slots__]


class utc_now(FunctionElement):
    """The database server's clock, in UTC."""

    type = sa.DateTime()
    inherit_cache = True


@compiles(utc_now, "mysql")
def _utc_now_mysql(element, compiler, **kw):
    return "UTC_TIMESTAMP(6)"


@compiles(utc_now, "sqlite")
def _utc_now_sqlite(element, compiler, **kw):
    return "strftime('%Y-%m-%d %H:%M:%f', 'now')"


@compiles(utc_now, "postgresql")
def _utc_now_postgresql(element, compiler, **kw):
    return "(now() AT TIME ZONE 'UTC')"


def source_clock_utc(conn: Connection) -> datetime:
    """JodGig's own clock: the upper bound of an incremental window (SPEC §4)."""
    return conn.execute(sa.select(utc_now())).scalar_one().replace(tzinfo=timezone.utc)


def select_changed_employers(
    conn: Connection, lower: datetime | None, upper: datetime, also_ids: Collection[int] = ()
) -> dict[int, str | None]:
    """Employers changed in ``[lower, upper)`` by any SPEC §4 change source, and those of
    ``also_ids`` that are employers: id → raw e-mail, in batching order.

    Every branch starts from an ``updated_at`` index or the primary key. ``lower`` None selects
    every employer (a full refresh).
    """
    if lower is None:
        return _all_with_role(conn, EMPLOYER_ROLES)
    sources = [*_changed_users(EMPLOYER_ROLES, lower, upper), *_changed_employer_relations(lower, upper)]
    return _ordered_union(conn, [*sources, *_these_users(also_ids)], EMPLOYER_ROLES)


def all_employer_ids(conn: Connection) -> list[int]:
    return list(_all_with_role(conn, EMPLOYER_ROLES))


def all_talent_ids(conn: Connection) -> list[int]:
    return list(_all_with_role(conn, (TALENT,)))


def select_changed_talents(
    conn: Connection, lower: datetime | None, upper: datetime, also_ids: Collection[int] = ()
) -> dict[int, str | None]:
    """Talents whose ``users`` row changed in ``[lower, upper)``, and those of ``also_ids`` that
    are talents: id → raw e-mail; every talent when ``lower`` is None."""
    if lower is None:
        return _all_with_role(conn, (TALENT,))
    return _ordered_union(conn, [*_changed_users((TALENT,), lower, upper), *_these_users(also_ids)], (TALENT,))


# Ordered by company, so that a batch touches few companies: fewer organisations, outlets and
# owner candidates to load and write per batch.
_BY_COMPANY = (users.c.company_id, users.c.id)


def _all_with_role(conn: Connection, roles: tuple[str, ...]) -> dict[int, str | None]:
    query = sa.select(users.c.id, users.c.email).where(users.c.role.in_(roles)).order_by(*_BY_COMPANY)
    return _streamed(conn, query)


def _ordered_union(conn: Connection, sources: list[sa.Select], roles: tuple[str, ...]) -> dict[int, str | None]:
    changed = sa.union(*sources).subquery()
    query = (
        sa.select(users.c.id, users.c.email)
        .join(changed, changed.c.id == users.c.id)
        .where(users.c.role.in_(roles))
        .order_by(*_BY_COMPANY)
    )
    return _streamed(conn, query)


def _streamed(conn: Connection, query: sa.Select) -> dict[int, str | None]:
    """id → e-mail, rows streamed from the server: a full refresh never holds every row twice."""
    rows = conn.execution_options(stream_results=True, yield_per=5000).execute(query)
    return {user_id: email for user_id, email in rows}


def _these_users(ids: Collection[int]) -> list[sa.Select]:
    """The users of ``ids``, by primary key (the retry set of SPEC §4)."""
    return [sa.select(users.c.id).where(users.c.id.in_(chunk)) for chunk in _chunks(ids)]


def _in_window(column: sa.ColumnElement, lower: datetime, upper: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(column >= lower, column < upper)


#: MySQL's zero date sorts before this; the mapping treats it like NULL, and so does selection.
_NO_REAL_DATE_BEFORE = datetime(1000, 1, 1)


def _changed_users(roles: tuple[str, ...], lower: datetime, upper: datetime) -> list[sa.Select]:
    """The users rows themselves, by ``updated_at``, or ``created_at`` where that is NULL or zero."""
    with_role = users.c.role.in_(roles)
    no_updated_at = sa.or_(users.c.updated_at.is_(None), users.c.updated_at < _NO_REAL_DATE_BEFORE)
    return [
        sa.select(users.c.id.label("id")).where(with_role, _in_window(users.c.updated_at, lower, upper)),
        sa.select(users.c.id).where(with_role, no_updated_at, _in_window(users.c.created_at, lower, upper)),
    ]


def _changed_employer_relations(lower: datetime, upper: datetime) -> list[sa.Select]:
    """Employers whose company, company outlets, outlet links or super-HQ pivots changed."""
    employers = users.c.role.in_(EMPLOYER_ROLES)
    changed_companies = sa.select(companies.c.id).where(_in_window(companies.c.updated_at, lower, upper))
    changed_outlet_companies = sa.select(outlets.c.company_id).where(
        _in_window(outlets.c.updated_at, lower, upper)
    )
    return [
        sa.select(users.c.id).where(employers, users.c.company_id.in_(changed_companies)),
        sa.select(users.c.id).where(employers, users.c.company_id.in_(changed_outlet_companies)),
        sa.select(outlet_user.c.user_id)
        .join(users, users.c.id == outlet_user.c.user_id)
        .where(employers, _in_window(outlet_user.c.updated_at, lower, upper)),
        sa.select(super_hq_external_companies.c.user_id).where(
            _in_window(super_hq_external_companies.c.updated_at, lower, upper)
        ),
        sa.select(super_hq_external_companies.c.user_id).where(
            super_hq_external_companies.c.company_id.in_(changed_companies)
        ),
    ]


def _user(record_type, row):
    """A user record with its role in canonical form; the database compared it the same way."""
    user_id, role, *rest = row
    return record_type(user_id, canonical_role(role), *rest)


def load_users(conn: Connection, ids: Iterable[int], roles: Iterable[str]) -> list[JodgigUser]:
    """The users with these ids whose role is one of ``roles``."""
    query = partial(_users_query, roles=tuple(roles), scope_only=False)
    return [_user(JodgigUser, row) for row in _by_chunk(conn, query, ids)]


def user_exists(conn: Connection, user_id: int) -> bool:
    """Whether JodGig has a ``users`` row with this id, whatever its role."""
    return conn.execute(sa.select(users.c.id).where(users.c.id == user_id)).first() is not None


def load_scope_users(conn: Connection, ids: Iterable[int], roles: Iterable[str]) -> list[ScopeUser]:
    """Like :func:`load_users`, only the columns classification needs."""
    query = partial(_users_query, roles=tuple(roles), scope_only=True)
    return [_user(ScopeUser, row) for row in _by_chunk(conn, query, ids)]


def load_companies(conn: Connection, ids: Iterable[int]) -> dict[int, Company]:
    query = partial(_rows_with_one_of, key=companies.c.id, columns=tuple(_COMPANY_COLUMNS))
    return {row.id: Company(*row) for row in _by_chunk(conn, query, ids)}


def load_pivot_company_ids(conn: Connection, user_ids: Iterable[int]) -> dict[int, list[int]]:
    """Super-HQ user id → the company ids of its pivot rows."""
    shec = super_hq_external_companies
    query = partial(_rows_with_one_of, key=shec.c.user_id, columns=(shec.c.user_id, shec.c.company_id))
    grouped: dict[int, list[int]] = {}
    _group_into(grouped, _by_chunk(conn, query, user_ids))
    return grouped


@dataclass(frozen=True)
class UsersWithLinks:
    """Users, and their rows of both link tables (the outlets of ``outlet_user`` may not exist)."""

    users: list[JodgigUser]
    pivot_company_ids: dict[int, list[int]]
    linked_outlet_ids: dict[int, list[int]]


def load_users_with_links(conn: Connection, ids: Iterable[int], roles: Iterable[str]) -> UsersWithLinks:
    """The users with these ids and one of ``roles``, with their super-HQ pivots and outlet links:
    for a few ids in one statement (``tagged_union.py``)."""
    found = UsersWithLinks([], {}, {})
    roles = tuple(roles)
    for chunk in _chunks(ids):
        union = _users_with_links_query(ids_form(conn, len(chunk)), roles)
        users_rows, pivots, links = union.rows(conn, {"ids": chunk}, together=len(chunk) < FEW_IDS)
        found.users.extend(_user(JodgigUser, row) for row in users_rows)
        _group_into(found.pivot_company_ids, pivots)
        _group_into(found.linked_outlet_ids, links)
    # Link rows are read by id, before the role is known: only the users found keep theirs.
    user_ids = {user.id for user in found.users}
    for links in (found.pivot_company_ids, found.linked_outlet_ids):
        for user_id in links.keys() - user_ids:
            del links[user_id]
    return found


@dataclass(frozen=True)
class CompaniesWithPeople:
    """Companies, every outlet of theirs, and every ``HQ_MANAGER`` of theirs but the excepted."""

    companies: dict[int, Company]
    outlets: list[Outlet]
    hq_managers: list[ScopeUser]


def load_companies_with_outlets_and_hq_managers(
    conn: Connection, company_ids: Iterable[int], except_user_ids: Collection[int]
) -> CompaniesWithPeople:
    """The companies, their outlets and their HQ managers (owner candidates before scoping): for a
    few companies of a few users in one statement (``tagged_union.py``). A batch passes its own
    users as ``except_user_ids``: it has read them already, and most of a company's managers are in
    the same batch."""
    found = CompaniesWithPeople({}, [], [])
    others = sorted(except_user_ids)
    # A chunk ordered by company touches few companies with many outlets and managers: the
    # statement is shared only when the users are few too.
    few_users = len(others) < FEW_IDS
    for chunk in _chunks(company_ids):
        union = _companies_with_people_query(ids_form(conn, len(chunk)), ids_form(conn, len(others)))
        company_rows, outlet_rows, manager_rows = union.rows(
            conn, {"ids": chunk, "others": others}, together=few_users and len(chunk) < FEW_IDS
        )
        found.companies.update((row[0], Company(*row)) for row in company_rows)
        found.outlets.extend(Outlet(*row) for row in outlet_rows)
        found.hq_managers.extend(_user(ScopeUser, row) for row in manager_rows)
    return found


def load_outlets(conn: Connection, ids: Iterable[int]) -> dict[int, Outlet]:
    """The outlets with these ids, of whatever company."""
    query = partial(_rows_with_one_of, key=outlets.c.id, columns=tuple(_OUTLET_COLUMNS))
    return {row.id: Outlet(*row) for row in _by_chunk(conn, query, ids)}


def load_hq_managers_of_companies(conn: Connection, company_ids: Iterable[int]) -> list[ScopeUser]:
    """Every ``HQ_MANAGER`` of the companies: owner candidates before scoping."""
    return [_user(ScopeUser, row) for row in _by_chunk(conn, _hq_managers_query, company_ids)]


@lru_cache(maxsize=None)
def _users_query(form: str, roles: tuple[str, ...], scope_only: bool) -> sa.Select:
    columns = _SCOPE_USER_COLUMNS if scope_only else _USER_COLUMNS
    return sa.select(*columns).where(one_of(form, users.c.id, "ids"), users.c.role.in_(roles))


@lru_cache(maxsize=None)
def _rows_with_one_of(form: str, key: sa.Column, columns: tuple[sa.Column, ...]) -> sa.Select:
    """``columns`` of the rows whose ``key`` is one of the ids bound as ``ids``."""
    return sa.select(*columns).where(one_of(form, key, "ids"))


@lru_cache(maxsize=None)
def _users_with_links_query(form: str, roles: tuple[str, ...]) -> TaggedUnion:
    shec = super_hq_external_companies
    return tagged_union(
        _users_query(form, roles, scope_only=False),
        sa.select(shec.c.user_id, shec.c.company_id).where(one_of(form, shec.c.user_id, "ids")),
        sa.select(outlet_user.c.user_id, outlet_user.c.outlet_id).where(one_of(form, outlet_user.c.user_id, "ids")),
    )


@lru_cache(maxsize=None)
def _companies_with_people_query(form: str, others_form: str) -> TaggedUnion:
    return tagged_union(
        _rows_with_one_of(form, companies.c.id, tuple(_COMPANY_COLUMNS)),
        _rows_with_one_of(form, outlets.c.company_id, tuple(_OUTLET_COLUMNS)),
        _hq_managers_query(form).where(~one_of(others_form, users.c.id, "others")),
    )


@lru_cache(maxsize=None)
def _hq_managers_query(form: str) -> sa.Select:
    return sa.select(*_SCOPE_USER_COLUMNS).where(one_of(form, users.c.company_id, "ids"), users.c.role == HQ_MANAGER)


def _by_chunk(conn: Connection, query_in_form: Callable[[str], sa.Select], ids: Iterable[int]) -> Iterator[sa.Row]:
    """The rows of ``query_in_form(form)`` with the ids bound as ``ids``, a chunk at a time, each
    chunk in the form that costs the server least for its size."""
    for chunk in _chunks(ids):
        yield from execute_with_ids(conn, query_in_form, chunk)


def _group_into(grouped: dict[int, list[int]], pairs: Iterable[tuple[int, int]]) -> None:
    for key, other in pairs:
        grouped.setdefault(key, []).append(other)


def employer_logins_since(
    conn: Connection, after: tuple[datetime, int] | None, limit: int
) -> list[tuple[int, datetime, datetime]]:
    """(id, last_login_at, changed_at) of employers who logged in after the ``(last_login_at, id)`` key.

    Walks ``idx_users_last_login_at`` in order; ``changed_at`` is ``updated_at``,
    or ``created_at`` where that is NULL.
    """
    changed_at = sa.func.coalesce(users.c.updated_at, users.c.created_at)
    query = sa.select(users.c.id, users.c.last_login_at, changed_at).where(
        users.c.role.in_(EMPLOYER_ROLES), users.c.last_login_at.is_not(None)
    )
    if after is not None:
        login, user_id = after
        query = query.where(
            users.c.last_login_at >= login,
            sa.or_(users.c.last_login_at > login, users.c.id > user_id),
        )
    query = query.order_by(users.c.last_login_at, users.c.id).limit(limit)
    return [tuple(row) for row in conn.execute(query)]


def _chunks(ids: Iterable[int]) -> Iterator[tuple[int, ...]]:
    return batched(sorted(set(ids)), _IN_LIST_CHUNK)
