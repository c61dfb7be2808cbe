"""Convergence under churn (SPEC §3–§5): many incremental runs end where one full refresh does.

The demo data set (its deliberately bad e-mails repaired, so that every run succeeds and the
watermark advances) is synced once, then changed at random between at least 20 incremental
runs, the way JodGig changes: users renamed, disabled, deleted, moved between companies and
roles; companies disabled, soft-deleted, given another owner; outlets disabled; super-HQ pivots
added and removed (a pivot row has no ``deleted_at``, so removing one touches the user's row);
``outlet_user`` rows added and hard-deleted (half of the deletes with a new outlet for the same
manager, a reassignment). Every change carries JodGig's local ``now``.

The churned platform is then compared with a second, fresh platform that got one full refresh
of the same JodGig data. The only difference the spec allows (§3 "Outlet assignments", §4) is an
assignment whose ``outlet_user`` row was hard-deleted while nothing else about that employer
changed. A final full refresh of the churned platform removes that difference too.

Rows that only the churned platform has, because it synced a record while the record was in
scope, are history a fresh platform cannot have: identities are never deleted, only deactivated
(§3 "Out of scope"), and a fresh platform never writes a record that is out of scope. Those rows
are checked by their own rule (see :func:`_is_history`), not compared, and counted in the output.

The incremental runs use a lookback of 0 and batches of 25, so each run covers exactly the
changes made since the previous one, in several batches. Each run's ``records_selected`` is
checked against the SPEC §4 change definition, evaluated independently in SQL on JodGig.
"""

import random
import re
import time
from collections import Counter
from itertools import count

import sqlalchemy as sa

from employer_sync_pipeline.db import jodgig_tables as t
from employer_sync_pipeline.definitions import defs
from employer_sync_pipeline.demo.generator import DEMO_OBSOLETE_COMPANY_IDS, generate_demo_data
from employer_sync_pipeline.domain.scope import EMPLOYER_ROLES, HQ_MANAGER, OUTLET_MANAGER, SUPER_HQ_EXTERNAL
from employer_sync_pipeline.domain.timezone import TimezoneService

from ..support.demo_repair import repair_rejected_emails
from ..support.platform_state import comparable_state
from ..support import servers
from ..support.runs import run_employer_sync, sync_logs

SEED = 20260411
INCREMENTAL_RUNS = 24
CHANGES_PER_ROUND = (6, 14)
INCREMENTAL_BATCH_SIZE = 25
MANAGERS = (HQ_MANAGER, OUTLET_MANAGER)

# Kind of change → relative weight.
CHANGE_KINDS = {
    "user_rename": 3,
    "user_disable_enable": 2,
    "user_delete_flag": 1,
    "user_change_company": 2,
    "user_change_role": 2,
    "company_disable_enable": 1,
    "company_soft_delete": 1,
    "company_change_owner": 2,
    "outlet_disable_enable": 2,
    "pivot_insert": 1,
    "pivot_delete": 1,
    "outlet_user_insert": 3,
    "outlet_user_hard_delete": 3,
}


def _jodgig_company_facts(writer: sa.Engine, obsolete: frozenset[int]) -> tuple[set[int], set[int]]:
    """(live company ids, company ids some employer points at by ``company_id`` or a pivot)."""
    c, u, piv = t.companies, t.users, t.super_hq_external_companies
    with writer.connect() as conn:
        live = {
            cid
            for cid, status, deleted_at in conn.execute(sa.select(c.c.id, c.c.status, c.c.deleted_at))
            if status == 1 and deleted_at is None and cid not in obsolete
        }
        pointed = set(
            conn.execute(
                sa.select(u.c.company_id).where(u.c.role.in_(EMPLOYER_ROLES), u.c.company_id.is_not(None))
            ).scalars()
        )
        pointed |= set(conn.execute(sa.select(piv.c.company_id)).scalars())
    return live, pointed


def _is_history(table: str, row: tuple, fresh_keys: dict[str, set], live: set[int], pointed: set[int]) -> bool:
    """May a row that only the churned platform has be there (a record synced while it was in scope)?

    - an identity: only deactivated (identities are never deleted; active ones must match);
    - an organisation: deactivated, or its company is live (left without in-scope members), or
      no employer points at its company any more (no run can see it). An organisation of a
      non-live company that some employer points at was seen by the run that saw that employer
      or the company change, and must be deactivated (SPEC §3 "Out of scope");
    - an outlet: deactivated, or its organisation is itself history (no member company is
      touched, so its outlets are not).
    Memberships and assignments have no history: they are deleted when an employer leaves scope.
    """
    if table == "identities":
        return row[6] == "deactivated"
    if table == "organisations":
        company_id, status = row[0], row[3]
        return status == "deactivated" or company_id in live or company_id not in pointed
    if table == "outlets":
        return row[4] == "deactivated" or row[1] not in fresh_keys["organisations"]
    return False


def compare_states(
    churned: dict[str, set[tuple]],
    fresh: dict[str, set[tuple]],
    jodgig_facts: tuple[set[int], set[int]],
    allowed_extra_assignments: frozenset[tuple[int, int]] = frozenset(),
) -> tuple[list[str], Counter, set[tuple[int, int]]]:
    """(differences, history rows per table, allowed extra assignments the churned side kept)."""
    live, pointed = jodgig_facts
    differences: list[str] = []
    history: Counter = Counter()
    fresh_keys = {name: {row[0] for row in fresh[name]} for name in ("identities", "organisations", "outlets")}
    for table in ("identities", "organisations", "outlets"):
        mine = {row[0]: row for row in churned[table]}
        theirs = {row[0]: row for row in fresh[table]}
        for key in sorted(mine.keys() | theirs.keys()):
            ours, expected = mine.get(key), theirs.get(key)
            if ours == expected:
                continue
            if expected is None and _is_history(table, ours, fresh_keys, live, pointed):
                history[table] += 1
                continue
            differences.append(f"{table} {key}: churned {ours} != full refresh {expected}")
    for row in sorted(churned["memberships"] ^ fresh["memberships"]):
        side = "only churned" if row in churned["memberships"] else "only full refresh"
        differences.append(f"membership (company, user, role) {row}: {side}")
    extra = churned["assignments"] - fresh["assignments"]
    for row in sorted(fresh["assignments"] - churned["assignments"]):
        differences.append(f"assignment (user, outlet) {row}: only full refresh")
    for row in sorted(extra - allowed_extra_assignments):
        differences.append(f"assignment (user, outlet) {row}: only churned, and not a hard delete the spec allows")
    return differences, history, extra & allowed_extra_assignments


# --------------------------------------------------------------------------- #
# JodGig: repair, churn, and the SPEC §4 change definition
# --------------------------------------------------------------------------- #


def changed_employer_ids(writer: sa.Engine, since) -> set[int]:
    """Employers with a SPEC §4 change source at or after ``since`` (JodGig local time).

    Written independently of the sync's own query, straight from the spec's list.
    """
    roles = ", ".join(f"'{role}'" for role in EMPLOYER_ROLES)
    sql = f"""
        SELECT u.id FROM users u
        WHERE u.role IN ({roles}) AND (
            COALESCE(u.updated_at, u.created_at) >= :since
            OR EXISTS (SELECT 1 FROM companies c WHERE c.id = u.company_id AND c.updated_at >= :since)
            OR EXISTS (SELECT 1 FROM outlets o WHERE o.company_id = u.company_id AND o.updated_at >= :since)
            OR EXISTS (SELECT 1 FROM outlet_user ou WHERE ou.user_id = u.id AND ou.updated_at >= :since)
            OR (u.role = '{SUPER_HQ_EXTERNAL}' AND EXISTS (
                SELECT 1 FROM super_hq_external_companies s LEFT JOIN companies pc ON pc.id = s.company_id
                WHERE s.user_id = u.id AND (s.updated_at >= :since OR pc.updated_at >= :since)))
        )
    """
    with writer.connect() as conn:
        return set(conn.execute(sa.text(sql), {"since": since}).scalars())


class Churn:
    """Random JodGig changes through the writer, every one stamped with the round's local ``now``."""

    def __init__(self, writer: sa.Engine, rng: random.Random, obsolete: frozenset[int]):
        self.writer = writer
        self.rng = rng
        self.obsolete = obsolete
        self.counts: Counter = Counter()
        self.hard_deleted: set[tuple[int, int]] = set()  # (user, outlet), every one ever
        # Hard-deleted (user, outlet) pairs whose employer nothing else changed about since:
        # an incremental run cannot see those (SPEC §4); the value is the round of the delete.
        self.unseen_hard_deletes: dict[tuple[int, int], int] = {}
        self._names = count(1)
        self.journal: list[str] = []  # what changed, for failure messages

    def round(self, number: int, now, changes: int) -> set[int]:
        """Apply ``changes`` random changes at ``now``; returns the employers they changed (SPEC §4)."""
        kinds, weights = list(CHANGE_KINDS), list(CHANGE_KINDS.values())
        with self.writer.begin() as conn:
            for _ in range(changes):
                kind = self.rng.choices(kinds, weights)[0]
                if detail := getattr(self, f"_{kind}")(conn, now, number):
                    self.counts[kind] += 1
                    self.journal.append(f"round {number}: {detail}")
        changed = changed_employer_ids(self.writer, now)
        self.unseen_hard_deletes = {
            pair: rnd for pair, rnd in self.unseen_hard_deletes.items() if pair[0] not in changed
        }
        return changed

    # What there is to change

    def _employers(self, conn, roles=EMPLOYER_ROLES) -> list:
        u = t.users
        query = sa.select(u.c.id, u.c.role, u.c.company_id, u.c.status, u.c.is_deleted).where(u.c.role.in_(roles))
        return conn.execute(query.order_by(u.c.id)).all()

    def _companies(self, conn) -> list:
        c = t.companies
        return conn.execute(sa.select(c.c.id, c.c.status, c.c.deleted_at, c.c.owner_user_id).order_by(c.c.id)).all()

    def _staffed_companies(self, conn) -> list:
        """Companies some manager belongs to: changing those reaches employers."""
        staffed = {row.company_id for row in self._employers(conn, MANAGERS)}
        return [c for c in self._companies(conn) if c.id in staffed]

    def _is_live(self, company) -> bool:
        return company.status == 1 and company.deleted_at is None and company.id not in self.obsolete

    def _touch_user(self, conn, user_id: int, now, **values) -> None:
        u = t.users
        conn.execute(sa.update(u).where(u.c.id == user_id).values(updated_at=now, **values))

    # Users

    def _user_rename(self, conn, now, number) -> str | None:
        user = self.rng.choice(self._employers(conn))
        n = next(self._names)
        names = self.rng.choice([{"first_name": f"Churnfirst{n}"}, {"last_name": f"Churnlast{n}"},
                                 {"first_name": f"Churnfirst{n}", "last_name": f"Churnlast{n}"}])
        self._touch_user(conn, user.id, now, **names)
        return f"user {user.id} renamed"

    def _user_disable_enable(self, conn, now, number) -> str | None:
        user = self.rng.choice(self._employers(conn))
        self._touch_user(conn, user.id, now, status=1 - user.status)
        return f"user {user.id} status {user.status} -> {1 - user.status}"

    def _user_delete_flag(self, conn, now, number) -> str | None:
        employers = self._employers(conn)
        deleted = [e for e in employers if e.is_deleted]
        flag = 0 if deleted and self.rng.random() < 0.3 else 1
        user = self.rng.choice(deleted if flag == 0 else [e for e in employers if not e.is_deleted])
        self._touch_user(conn, user.id, now, is_deleted=flag)
        return f"user {user.id} is_deleted -> {flag}"

    def _user_change_company(self, conn, now, number) -> str | None:
        """Any manager; two times in five a company's designated owner (owners move too)."""
        managers = self._employers(conn, MANAGERS)
        owners = {c.owner_user_id for c in self._companies(conn)}
        designated = [m for m in managers if m.role == HQ_MANAGER and m.id in owners]
        user = self.rng.choice(designated if designated and self.rng.random() < 0.4 else managers)
        companies = self._companies(conn)
        pool = [c for c in companies if self._is_live(c)] if self.rng.random() < 0.8 else companies
        target = self.rng.choice([c for c in pool if c.id != user.company_id])
        self._touch_user(conn, user.id, now, company_id=target.id)
        return f"{user.role} {user.id} company {user.company_id} -> {target.id}"

    def _user_change_role(self, conn, now, number) -> str | None:
        user = self.rng.choice(self._employers(conn, MANAGERS))
        role = OUTLET_MANAGER if user.role == HQ_MANAGER else HQ_MANAGER
        self._touch_user(conn, user.id, now, role=role)
        return f"user {user.id} of company {user.company_id} role {user.role} -> {role}"

    # Companies and outlets

    def _company_disable_enable(self, conn, now, number) -> str | None:
        company = self.rng.choice(self._staffed_companies(conn))
        c = t.companies
        conn.execute(sa.update(c).where(c.c.id == company.id).values(status=1 - company.status, updated_at=now))
        return f"company {company.id} status {company.status} -> {1 - company.status}"

    def _company_soft_delete(self, conn, now, number) -> str | None:
        candidates = [c for c in self._staffed_companies(conn) if c.deleted_at is None]
        if not candidates:
            return None
        company = self.rng.choice(candidates)
        c = t.companies
        conn.execute(sa.update(c).where(c.c.id == company.id).values(deleted_at=now, updated_at=now))
        return f"company {company.id} soft-deleted"

    def _company_change_owner(self, conn, now, number) -> str | None:
        company = self.rng.choice(self._staffed_companies(conn))
        employers = self._employers(conn)
        hqs = [e.id for e in employers if e.company_id == company.id and e.role == HQ_MANAGER]
        options = [o for o in [*hqs, None, self.rng.choice(employers).id] if o != company.owner_user_id]
        owner = self.rng.choice(options)
        c = t.companies
        conn.execute(sa.update(c).where(c.c.id == company.id).values(owner_user_id=owner, updated_at=now))
        return f"company {company.id} owner_user_id {company.owner_user_id} -> {owner}"

    def _outlet_disable_enable(self, conn, now, number) -> str | None:
        staffed = {c.id for c in self._staffed_companies(conn)}
        o = t.outlets
        outlets = [row for row in conn.execute(sa.select(o.c.id, o.c.company_id, o.c.status).order_by(o.c.id))
                   if row.company_id in staffed]
        outlet = self.rng.choice(outlets)
        conn.execute(sa.update(o).where(o.c.id == outlet.id).values(status=1 - outlet.status, updated_at=now))
        return f"outlet {outlet.id} of company {outlet.company_id} status {outlet.status} -> {1 - outlet.status}"

    # Super-HQ pivots

    def _pivot_insert(self, conn, now, number) -> str | None:
        piv = t.super_hq_external_companies
        user = self.rng.choice(self._employers(conn, (SUPER_HQ_EXTERNAL,)))
        taken = set(conn.execute(sa.select(piv.c.company_id).where(piv.c.user_id == user.id)).scalars())
        companies = self._companies(conn)
        pool = [c for c in companies if self._is_live(c)] if self.rng.random() < 0.8 else companies
        pool = [c for c in pool if c.id not in taken]
        if not pool:
            return None
        company = self.rng.choice(pool)
        conn.execute(sa.insert(piv).values(user_id=user.id, company_id=company.id, created_at=now, updated_at=now))
        return f"pivot ({user.id}, {company.id}) inserted"

    def _pivot_delete(self, conn, now, number) -> str | None:
        """A pivot row has no ``deleted_at``: removing one is a delete, and JodGig touches the user."""
        piv = t.super_hq_external_companies
        pivots = conn.execute(
            sa.select(piv.c.user_id, piv.c.company_id).order_by(piv.c.user_id, piv.c.company_id)
        ).all()
        if not pivots:
            return None
        user_id, company_id = self.rng.choice(pivots)
        conn.execute(sa.delete(piv).where(piv.c.user_id == user_id, piv.c.company_id == company_id))
        self._touch_user(conn, user_id, now)
        return f"pivot ({user_id}, {company_id}) deleted, user touched"

    # Outlet links

    def _outlet_user_insert(self, conn, now, number) -> str | None:
        ou, o = t.outlet_user, t.outlets
        user = self.rng.choice([e for e in self._employers(conn, MANAGERS) if e.company_id is not None])
        linked = set(conn.execute(sa.select(ou.c.outlet_id).where(ou.c.user_id == user.id)).scalars())
        outlets = conn.execute(sa.select(o.c.id, o.c.company_id).order_by(o.c.id)).all()
        own = [row.id for row in outlets if row.company_id == user.company_id and row.id not in linked]
        pool = own if own and self.rng.random() < 0.85 else [row.id for row in outlets if row.id not in linked]
        outlet_id = self.rng.choice(pool)
        conn.execute(sa.insert(ou).values(outlet_id=outlet_id, user_id=user.id, created_at=now, updated_at=now))
        self.unseen_hard_deletes.pop((user.id, outlet_id), None)
        return f"outlet_user (user {user.id}, outlet {outlet_id}) inserted"

    def _outlet_user_hard_delete(self, conn, now, number) -> str | None:
        """A hard delete: no ``updated_at`` can show it (SPEC §4).

        Half of them are a reassignment: the manager gets another outlet in the same
        transaction, a new row that does show, so the next run must drop the old assignment.
        """
        ou, o = t.outlet_user, t.outlets
        links = conn.execute(sa.select(ou.c.user_id, ou.c.outlet_id).order_by(ou.c.user_id, ou.c.outlet_id)).all()
        user_id, outlet_id = self.rng.choice(links)
        conn.execute(sa.delete(ou).where(ou.c.user_id == user_id, ou.c.outlet_id == outlet_id))
        self.hard_deleted.add((user_id, outlet_id))
        self.unseen_hard_deletes[(user_id, outlet_id)] = number
        detail = f"outlet_user (user {user_id}, outlet {outlet_id}) hard-deleted"
        if self.rng.random() < 0.5:
            company_id = conn.execute(sa.select(t.users.c.company_id).where(t.users.c.id == user_id)).scalar_one()
            linked = set(conn.execute(sa.select(ou.c.outlet_id).where(ou.c.user_id == user_id)).scalars())
            free = [oid for oid in conn.execute(sa.select(o.c.id).where(o.c.company_id == company_id).order_by(o.c.id))
                    .scalars() if oid not in linked | {outlet_id}]
            if free:
                new_outlet = self.rng.choice(free)
                conn.execute(
                    sa.insert(ou).values(outlet_id=new_outlet, user_id=user_id, created_at=now, updated_at=now)
                )
                self.counts["outlet_user_insert"] += 1
                detail += f", reassigned to outlet {new_outlet} (inserted)"
        return detail


# --------------------------------------------------------------------------- #
# The test
# --------------------------------------------------------------------------- #


def _round_now(jodgig, tz: TimezoneService, last_upper_utc):
    """JodGig local now, whole seconds, not before the last run's upper bound.

    With a lookback of 0 the next window starts exactly at that bound (inclusive): a change
    stamped earlier (DATETIME keeps whole seconds) would fall in the window already synced.
    """
    floor = tz.to_local(last_upper_utc)
    while (now := jodgig.local_now().replace(microsecond=0)) < floor:
        time.sleep(0.05)
    return now


def _explain(differences: list[str], journal: list[str]) -> str:
    """The first differences, with the changes that mention any id they name."""
    shown = differences[:40]
    ids = {number for line in shown for number in re.findall(r"\d+", line.split(":")[0])}
    related = [line for line in journal if ids & set(re.findall(r"\d+", line.split(":", 1)[1]))]
    return "\n".join([f"{len(differences)} differences:", *shown, "changes that name these ids:", *related[:80]])


def _full_refresh(full_refresh_batch_size: int) -> None:
    run_config = {"ops": {"compute_watermark": {"config": {"full_refresh": True}},
                          "fan_out_batches": {"config": {"full_refresh_batch_size": full_refresh_batch_size}}}}
    assert defs.get_job_def("employer_sync_job").execute_in_process(run_config=run_config).success


def test_incremental_runs_under_churn_converge_to_a_full_refresh(
    sync_env, jodgig, jodgig_db, platform_db, monkeypatch
):
    started = time.perf_counter()
    obsolete = DEMO_OBSOLETE_COMPANY_IDS
    monkeypatch.setenv("JODGIG_OBSOLETE_COMPANY_IDS", ",".join(map(str, sorted(obsolete))))
    with jodgig_db.writer.begin() as conn:
        generate_demo_data(conn, scale=1)
    with jodgig_db.writer.begin() as conn:
        repaired = repair_rejected_emails(conn)
    tz = TimezoneService()
    with jodgig_db.writer.connect() as conn:
        newest = max(conn.execute(sa.select(sa.func.max(table.c.updated_at))).scalar_one()
                     for table in (t.users, t.companies, t.outlets, t.outlet_user, t.super_hq_external_companies))
    assert newest < jodgig.local_now(), "the demo data has timestamps in the future of this machine's clock"

    run_employer_sync(batch_size=INCREMENTAL_BATCH_SIZE, lookback_minutes=0)
    [first] = sync_logs(platform_db.engine)
    assert first["sync_mode"] == "full_refresh" and first["is_successful"], first["fail_log"][:5]

    churn = Churn(jodgig_db.writer, random.Random(SEED), obsolete)
    selected_total = 0
    for number in range(1, INCREMENTAL_RUNS + 1):
        last_upper = sync_logs(platform_db.engine)[-1]["watermark_to"]
        now = _round_now(jodgig, tz, last_upper)
        changed = churn.round(number, now, churn.rng.randint(*CHANGES_PER_ROUND))
        run_employer_sync(batch_size=INCREMENTAL_BATCH_SIZE, lookback_minutes=0)
        log = sync_logs(platform_db.engine)[-1]
        assert log["sync_mode"] == "incremental", f"run {number}: {log['sync_mode']}"
        assert log["is_successful"], f"run {number} had failed records: {log['fail_log']}"
        assert log["watermark_from"] == last_upper
        assert log["records_selected"] == len(changed), (
            f"run {number} selected {log['records_selected']} employers; "
            f"SPEC §4 says {len(changed)} changed in its window"
        )
        selected_total += log["records_selected"]
    incremental_seconds = time.perf_counter() - started

    churned_state = comparable_state(platform_db.engine)
    fresh = servers.create_platform_database()
    try:
        monkeypatch.setenv("PLATFORM_DATABASE_URL", fresh.url)
        run_employer_sync(full_refresh=True)
        [fresh_log] = sync_logs(fresh.engine)
        assert fresh_log["is_successful"] and fresh_log["sync_mode"] == "full_refresh"
        fresh_state = comparable_state(fresh.engine)
        facts = _jodgig_company_facts(jodgig_db.writer, obsolete)

        allowed = frozenset(churn.unseen_hard_deletes)
        before, history_before, kept = compare_states(churned_state, fresh_state, facts, allowed)

        monkeypatch.setenv("PLATFORM_DATABASE_URL", platform_db.url)
        _full_refresh(full_refresh_batch_size=400)
        assert sync_logs(platform_db.engine)[-1]["is_successful"]
        after, history_after, _ = compare_states(comparable_state(platform_db.engine), fresh_state, facts)
        runs = len(sync_logs(platform_db.engine))
    finally:
        servers.drop_platform_database(fresh)

    changes = sum(churn.counts.values())
    print(
        f"\nconvergence under churn: {runs} runs on the churned platform: 1 full refresh, {INCREMENTAL_RUNS} incremental "
        f"runs, 1 final full refresh "
        f"(lookback 0, batch size {INCREMENTAL_BATCH_SIZE}), {selected_total} employers selected in total; "
        f"{repaired} e-mails repaired first\n"
        f"changes applied: {changes}: "
        + ", ".join(f"{kind} {churn.counts[kind]}" for kind in CHANGE_KINDS)
        + f"\nhard-deleted outlet_user rows: {len(churn.hard_deleted)}; {len(churn.hard_deleted) - len(allowed)} "
        f"later seen by an incremental window (the employer changed again, or the row came back), "
        f"{len(allowed)} never seen, of which {len(kept)} were still assignments on the churned platform "
        f"(the allowed difference)\n"
        f"platform sizes (fresh full refresh): "
        + ", ".join(f"{name} {len(rows)}" for name, rows in fresh_state.items())
        + f"\nhistory rows only on the churned platform (checked by rule, not compared): before the final full "
        f"refresh {dict(history_before)}, after it {dict(history_after)}\n"
        f"differences before the final full refresh (excluding the allowed ones): {len(before)}\n"
        f"differences after the final full refresh: {len(after)}\n"
        f"time: {incremental_seconds:.1f} s to the last incremental run, {time.perf_counter() - started:.1f} s in all"
    )
    assert runs == 1 + INCREMENTAL_RUNS + 1 and INCREMENTAL_RUNS >= 20
    assert len(CHANGE_KINDS) == len(churn.counts), f"every kind of change happened: {churn.counts}"
    assert changes >= 150
    assert kept and len(allowed) < len(churn.hard_deleted), "both kinds of hard delete were exercised"
    assert before == [], _explain(before, churn.journal)
    assert after == [], _explain(after, churn.journal)
