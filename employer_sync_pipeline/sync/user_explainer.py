"""Explaining one user (SPEC §10 "Explain"): the batch's own loaders and plans beside the platform's rows.

Read-only on both sides: JodGig through its read-only engine, the platform through read-only
connections. Nothing here decides anything the sync does not decide the same way: sets, owners
and plans come from the functions the batch calls.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Connection, Engine

from ..db import jodgig_queries as jq
from ..db.identities import identity_of_user
from ..db.memberships import assignments_of_user, memberships_of_user
from ..db.read_only import read_only_connection
from ..db.memberships import membership_company_ids
from ..db.sync_log import failures_of_user
from ..domain import explanation_rules as rules_text
from ..domain.employer_plan import EMPLOYER as EMPLOYER_KIND
from ..domain.employer_plan import EmployerFacts, plan_employer
from ..domain.errors import RecordError
from ..domain.explanation import (
    Explanation,
    LoggedFailure,
    PlatformAssignment,
    PlatformIdentity,
    PlatformMembership,
    RecordErrorView,
)
from ..domain.mapping import IdentityRow
from ..domain.organisation import Membership
from ..domain.records import Outlet
from ..domain.scope import EMPLOYER_ROLES, TALENT
from ..domain.talent import TALENT_KIND, classify_talent, plan_talent
from .employer_facts import EmployerBatchFacts, load_employer_batch
from .identity import settle_emails
from .source_rules import Databases, SourceRules
from .sync_definitions import EMPLOYER_SYNC, TALENT_SYNC

#: Sync-log failures shown per user, newest first.
FAILURES_SHOWN = 20


@dataclass(frozen=True)
class _PlatformState:
    identity: PlatformIdentity | None
    memberships: list[PlatformMembership]
    assignments: list[PlatformAssignment]
    failures: list[LoggedFailure]


@dataclass(frozen=True)
class _Planned:
    """What planning said: the identity it mapped, what it wants written, or the error it records."""

    incoming: IdentityRow | None
    memberships: Sequence[Membership] | None
    outlet_ids: frozenset[int] | None
    error: RecordErrorView | None


def explain_employer(dbs: Databases, user_id: int, show_pii: bool = False) -> Explanation:
    """Why employer ``user_id`` is what it is in the platform, and what the next sync would do to it."""
    source, platform, rules = dbs.source, dbs.platform, dbs.rules
    with read_only_connection(platform) as conn:
        state = _platform_state(conn, user_id, EMPLOYER_SYNC.origin_table)
        previous = membership_company_ids(conn, [user_id])
    with source.connect() as conn:
        batch = load_employer_batch(conn, [user_id], rules.obsolete_company_ids, previous)
        if not batch.facts:
            return _unknown(EMPLOYER_KIND, user_id, state, _not_found(conn, user_id, "employer", (TALENT,)), show_pii)
        explanation = _explain_loaded_employer(conn, platform, batch, rules, state)
    return explanation if show_pii else explanation.masked()


def _explain_loaded_employer(
    conn: Connection, platform: Engine, batch: EmployerBatchFacts, rules: SourceRules, state: _PlatformState
) -> Explanation:
    facts, obsolete, live = batch.facts[0], rules.obsolete_company_ids, batch.companies.live_ids
    user, scope_set = facts.user, batch.scope_sets[facts.user.id]
    try:
        plan = plan_employer(facts, scope_set, batch.companies, rules.timezone)
        planned = _checked(platform, plan, plan.memberships, plan.outlet_ids)
    except RecordError as error:
        planned = _failed(None, error.error, error.message)
    companies = {c.id: c for f in batch.facts for c in f.related_companies()}
    companies.update({c.id: c for c in batch.companies.previous_companies})
    return _assemble(
        EMPLOYER_KIND, user.id, state, planned, scope_set.value, rules_text.EMPLOYER_RULES[scope_set],
        scope_set.in_scope,
        facts=rules_text.user_facts(user),
        company=rules_text.company_facts(user.company_id, facts.company, obsolete, live) if user.company_id else None,
        pivots=tuple(
            rules_text.company_facts(cid, companies.get(cid), obsolete, live)
            for cid in sorted(set(facts.pivot_company_ids))
        ),
        outlet_links=rules_text.explain_outlet_links(
            user, scope_set, facts.linked_outlet_ids, _linked_outlets(conn, facts), planned.outlet_ids
        ),
        owners=tuple(
            rules_text.explain_owner(companies[cid], resolution)
            for cid, resolution in sorted(batch.companies.resolutions.items())
        ),
    )  # fmt: skip


def _linked_outlets(conn: Connection, facts: EmployerFacts) -> dict[int, Outlet]:
    """The outlets of the user's links: the batch loaded those that can become assignments; explain
    also shows the others (another company's, or dead)."""
    loaded = {outlet.id: outlet for outlet in facts.linked_outlets}
    return loaded | jq.load_outlets(conn, set(facts.linked_outlet_ids) - loaded.keys())


def explain_talent(dbs: Databases, user_id: int, show_pii: bool = False) -> Explanation:
    """Why talent ``user_id`` is what it is in the platform, and what the next sync would do to it."""
    source, platform, rules = dbs.source, dbs.platform, dbs.rules
    with read_only_connection(platform) as conn:
        state = _platform_state(conn, user_id, TALENT_SYNC.origin_table)
    with source.connect() as conn:
        found = jq.load_users(conn, [user_id], (TALENT,))
        if not found:
            return _unknown(TALENT_KIND, user_id, state, _not_found(conn, user_id, "talent", EMPLOYER_ROLES), show_pii)
    user = found[0]
    talent_set = classify_talent(user)
    try:
        plan = plan_talent(user, talent_set, rules.timezone)
        planned = _checked(platform, plan, (), frozenset())
    except RecordError as error:
        planned = _failed(None, error.error, error.message)
    explanation = _assemble(
        TALENT_KIND, user.id, state, planned, talent_set.value, rules_text.TALENT_RULES[talent_set],
        talent_set.in_scope, facts=rules_text.user_facts(user),
    )  # fmt: skip
    return explanation if show_pii else explanation.masked()


def _checked(platform: Engine, plan, memberships: Sequence[Membership], outlet_ids: frozenset[int]) -> _Planned:
    """The plan, unless the e-mail check the batch runs before writing would fail it."""
    if plan.identity is not None:
        with read_only_connection(platform) as conn:
            duplicates = settle_emails(conn, [plan]).failures
        if duplicates:
            return _failed(plan.identity, duplicates[0].error, duplicates[0].message)
    return _Planned(plan.identity, memberships, outlet_ids, None)


def _failed(incoming: IdentityRow | None, error: str, message: str) -> _Planned:
    """A record the sync would fail: it writes nothing for it."""
    return _Planned(incoming, None, None, RecordErrorView(error, message))


def _platform_state(conn: Connection, user_id: int, origin_table: str) -> _PlatformState:
    return _PlatformState(
        identity_of_user(conn, user_id),
        memberships_of_user(conn, user_id),
        assignments_of_user(conn, user_id),
        failures_of_user(conn, origin_table, user_id, FAILURES_SHOWN),
    )


def _not_found(conn: Connection, user_id: int, kind: str, other_roles: Sequence[str]) -> str:
    other = jq.load_users(conn, [user_id], other_roles)
    if other:
        flag = "--talent" if other[0].role == TALENT else "--employer"
        return f"user {user_id} is a {other[0].role}; explain it with {flag} {user_id}"
    return f"JodGig has no {kind} with id {user_id}"


def _unknown(kind: str, user_id: int, state: _PlatformState, rule: str, show_pii: bool) -> Explanation:
    """The sync skips an id it cannot select: it writes nothing for it."""
    explanation = _assemble(kind, user_id, state, _Planned(None, None, None, None), None, rule, False, known=False)
    return explanation if show_pii else explanation.masked()


def _assemble(
    kind: str,
    user_id: int,
    state: _PlatformState,
    planned: _Planned,
    scope_set: str | None,
    rule: str,
    in_scope: bool,
    facts=None,
    company=None,
    pivots=(),
    outlet_links=(),
    owners=(),
    known: bool = True,
) -> Explanation:
    fails = planned.error is not None
    if known:
        outcome = rules_text.outcome_of(in_scope, fails, state.identity)
        change = rules_text.identity_change(state.identity, planned.incoming, in_scope, fails)
    else:
        outcome, change = rules_text.SKIPPED, rules_text.NO_CHANGE
    return Explanation(
        kind=kind,
        user_id=user_id,
        facts=facts,
        company=company,
        pivots=pivots,
        outlet_links=outlet_links,
        scope_set=scope_set,
        rule=rule,
        outcome=outcome,
        error=planned.error,
        owners=owners,
        memberships=rules_text.compare_memberships(planned.memberships, state.memberships),
        assignments=rules_text.compare_assignments(planned.outlet_ids, state.assignments),
        identity=state.identity,
        incoming_identity=planned.incoming,
        guard=rules_text.guard_of(state.identity, planned.incoming),
        identity_change=change,
        failures=tuple(state.failures),
    )
