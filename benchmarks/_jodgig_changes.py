"""Changes to the benchmark's JodGig data through the writer: the demo's dirt, the 1% changes, the EXPLAIN."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from employer_sync_pipeline.db import jodgig_queries as jq
from employer_sync_pipeline.db.jodgig_tables import companies, outlet_user, outlets, users
from employer_sync_pipeline.domain.scope import EMPLOYER_ROLES, HQ_MANAGER, OUTLET_MANAGER
from employer_sync_pipeline.domain.timezone import TimezoneService

CHANGE_FRACTION = 0.01


@dataclass(frozen=True)
class Changes:
    """What :func:`apply_changes` did, and how many distinct employers that changed."""

    renamed_employers: int
    deleted_outlet_links: int
    touched_companies: int
    employers_of_touched_companies: int
    inserted_outlet_links: int
    employers_changed: int

    def summary(self) -> str:
        return (
            f"{self.renamed_employers:,} employers renamed ({self.deleted_outlet_links:,} of their outlet links "
            f"deleted), {self.touched_companies:,} companies touched ({self.employers_of_touched_companies:,} "
            f"employers), {self.inserted_outlet_links:,} outlet links inserted: "
            f"{self.employers_changed:,} distinct employers changed"
        )


def apply_changes(writer: sa.Engine, employers: int, seed: int = 1) -> Changes:
    """Change ``CHANGE_FRACTION`` of the employers at JodGig's local now.

    Half through their users row (a new first name), about 30% through their companies'
    ``updated_at``, the rest through new ``outlet_user`` rows. Each renamed employer also loses
    an outlet link: a hard delete, which reaches the platform only because the user changed too.
    """
    rng = random.Random(seed)
    target = max(3, round(employers * CHANGE_FRACTION))
    by_user, by_company = target // 2, target * 3 // 10
    with writer.begin() as conn:
        now = TimezoneService().to_local(jq.source_clock_utc(conn)).replace(microsecond=0)
        staff = conn.execute(
            sa.select(users.c.id, users.c.role, companies.c.id.label("company_id"))
            .select_from(users.outerjoin(companies, companies.c.id == users.c.company_id))
            .where(users.c.role.in_(EMPLOYER_ROLES))
        ).all()
        links = {(row.user_id, row.outlet_id) for row in conn.execute(sa.select(outlet_user))}
        renamed = rng.sample([row.id for row in staff], by_user)
        conn.execute(sa.update(users).where(users.c.id.in_(renamed)).values(first_name="Renamed", updated_at=now))
        deleted = _delete_a_link_each(conn, renamed, links)
        touched, touched_staff = _touch_companies(conn, rng, staff, by_company, now)
        linked = _link_outlets(conn, rng, staff, links, target - by_user - by_company, now)
    changed = set(renamed) | touched_staff | set(linked)
    return Changes(len(renamed), deleted, len(touched), len(touched_staff), len(linked), len(changed))


def delete_outlet_links(writer: sa.Engine, count: int) -> int:
    """Hard-delete one ``outlet_user`` row each of the first ``count`` linked managers, touching no ``updated_at``."""
    with writer.begin() as conn:
        links = {(row.user_id, row.outlet_id) for row in conn.execute(sa.select(outlet_user))}
        return _delete_a_link_each(conn, sorted({user_id for user_id, _ in links})[:count], links)


def _delete_a_link_each(conn: sa.Connection, user_ids: list[int], links: set[tuple[int, int]]) -> int:
    """Hard-delete one ``outlet_user`` row of each of these users that has one."""
    wanted, pairs = set(user_ids), {}
    for user_id, outlet_id in links:
        if user_id in wanted:
            pairs.setdefault(user_id, outlet_id)
    if pairs:
        link = sa.tuple_(outlet_user.c.user_id, outlet_user.c.outlet_id)
        conn.execute(sa.delete(outlet_user).where(link.in_(list(pairs.items()))))
    return len(pairs)


def _touch_companies(conn, rng, staff, employers: int, now: datetime) -> tuple[list[int], set[int]]:
    """Touch whole companies, in random order, until they hold ``employers`` employers."""
    by_company: dict[int, list[int]] = {}
    for row in staff:
        if row.company_id is not None:
            by_company.setdefault(row.company_id, []).append(row.id)
    order = sorted(by_company)
    rng.shuffle(order)
    touched, touched_staff = [], set()
    for company_id in order:
        if len(touched_staff) >= employers:
            break
        touched.append(company_id)
        touched_staff.update(by_company[company_id])
    conn.execute(sa.update(companies).where(companies.c.id.in_(touched)).values(updated_at=now))
    return touched, touched_staff


def _link_outlets(conn, rng, staff, links: set[tuple[int, int]], count: int, now: datetime) -> list[int]:
    """Link ``count`` managers each to an outlet of their own company they were not at."""
    outlets_of: dict[int, list[int]] = {}
    for outlet_id, company_id in conn.execute(sa.select(outlets.c.id, outlets.c.company_id)):
        outlets_of.setdefault(company_id, []).append(outlet_id)
    candidates = [
        (row.id, free)
        for row in staff
        if row.role in (HQ_MANAGER, OUTLET_MANAGER)
        and (free := [o for o in outlets_of.get(row.company_id, ()) if (row.id, o) not in links])
    ]
    chosen = rng.sample(candidates, min(count, len(candidates)))
    rows = [{"user_id": u, "outlet_id": rng.choice(free), "created_at": now, "updated_at": now} for u, free in chosen]
    if rows:
        conn.execute(sa.insert(outlet_user), rows)
    return [row["user_id"] for row in rows]


def explain_incremental_selection(writer: sa.Engine) -> tuple[str, pd.DataFrame]:
    """The SQL ``select_changed_employers`` sends for the last hour, and MariaDB's plan for it.

    The statement is captured from the project's own function as it runs, so it stays the
    sync's query whatever its helpers become; its parameters are inlined for EXPLAIN only.
    """
    sent: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        sent.append(cursor.mogrify(statement, parameters))

    with writer.connect() as conn:
        upper = TimezoneService().to_local(jq.source_clock_utc(conn))
        sa.event.listen(conn, "before_cursor_execute", capture)
        jq.select_changed_employers(conn, upper - timedelta(hours=1), upper)
        sa.event.remove(conn, "before_cursor_execute", capture)
        (sql,) = sent
        plan = pd.DataFrame(conn.exec_driver_sql(f"EXPLAIN {sql}").mappings().all())
    return sql, plan.astype(object).where(plan.notna(), "")


# The measured processes
