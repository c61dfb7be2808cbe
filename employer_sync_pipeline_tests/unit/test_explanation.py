import json
from datetime import datetime, timedelta, timezone

import pytest

from employer_sync_pipeline.domain import explanation_rules as r
from employer_sync_pipeline.domain.employer_plan import EMPLOYER as EMPLOYER_KIND
from employer_sync_pipeline.domain.explanation import (
    Explanation,
    PlatformAssignment,
    PlatformIdentity,
    PlatformMembership,
    RoleChange,
)
from employer_sync_pipeline.domain.mapping import map_identity
from employer_sync_pipeline.domain.organisation import ADMIN, MANAGER, OWNER, Membership
from employer_sync_pipeline.domain.scope import ScopeSet
from employer_sync_pipeline.domain.timezone import TimezoneService

from .factories import outlet, user

TZ = TimezoneService()
INCOMING = map_identity(user(1, email="Jane.Doe@Example.com", mobile="9123 4567"), EMPLOYER_KIND, TZ)


def platform_identity(status="active", newer_by=timedelta(0), **values) -> PlatformIdentity:
    row = {name: getattr(INCOMING, name) for name in
           ("remote_gig_user_id", "kind", "email", "first_name", "last_name", "phone_number", "remote_created_at")}
    now = datetime(2026, 3, 2, tzinfo=timezone.utc)
    return PlatformIdentity(id=42, status=status, remote_updated_at=INCOMING.remote_updated_at + newer_by,
                            created_at=now, updated_at=now, **{**row, **values})  # fmt: skip


def test_memberships_to_add_delete_and_re_role():
    wanted = [Membership(10, OWNER), Membership(11, ADMIN)]
    platform = [PlatformMembership(12, MANAGER, "active"), PlatformMembership(10, ADMIN, "active")]
    compared = r.compare_memberships(wanted, platform)
    assert (compared.to_add, compared.to_delete, compared.role_changes) == (
        (Membership(11, ADMIN),), (12,), (RoleChange(10, ADMIN, OWNER),))


def test_a_failing_record_changes_no_membership_or_assignment():
    platform = [PlatformMembership(10, ADMIN, "active")]
    compared = r.compare_memberships(None, platform)
    assert (compared.wanted, compared.to_add, compared.to_delete, compared.role_changes) == (None, (), (), ())
    assignments = r.compare_assignments(None, [PlatformAssignment(100, 10, "active")])
    assert (assignments.to_add, assignments.to_delete) == ((), ())


def test_assignments_to_add_and_delete():
    platform = [PlatformAssignment(101, 10, "active"), PlatformAssignment(102, 10, "active")]
    compared = r.compare_assignments({100, 101}, platform)
    assert (compared.wanted, compared.to_add, compared.to_delete) == ((100, 101), (100,), (102,))


@pytest.mark.parametrize(
    ("platform", "in_scope", "fails", "change", "outcome", "guard_skips"),
    [
        (None, True, False, r.INSERT, r.SYNCED, False),
        (platform_identity(), True, False, r.UNCHANGED, r.SYNCED, False),
        (platform_identity(first_name="Old"), True, False, r.UPDATE, r.SYNCED, False),
        (platform_identity(status="deactivated"), True, False, r.UPDATE, r.SYNCED, False),
        (platform_identity(first_name="Old", newer_by=timedelta(seconds=1)), True, False, r.GUARDED, r.SYNCED, True),
        (platform_identity(), False, False, r.DEACTIVATE, r.DEACTIVATED, False),
        (platform_identity(status="deactivated"), False, False, r.NO_CHANGE, r.SKIPPED, False),
        (None, False, False, r.NO_CHANGE, r.SKIPPED, False),
        (platform_identity(), True, True, r.NO_CHANGE, r.FAILED, False),
    ],
    ids=["new", "same-values", "changed-values", "reactivated", "platform-newer-guard-keeps-it",
         "leaves-scope", "already-deactivated", "never-synced-out-of-scope", "record-fails"],
)
def test_identity_change_outcome_and_guard(platform, in_scope, fails, change, outcome, guard_skips):
    incoming = INCOMING if in_scope else None
    assert r.identity_change(platform, incoming, in_scope, fails) == change
    assert r.outcome_of(in_scope, fails, platform) == outcome
    assert r.guard_of(platform, incoming).skips_update is guard_skips


@pytest.mark.parametrize(
    ("the_user", "scope_set", "linked", "note"),
    [
        (user(1), ScopeSet.G, outlet(100), "assigned"),
        (user(1), ScopeSet.G, outlet(100, company_id=11), "ignored: an outlet of another company (11)"),
        (user(1), ScopeSet.G, outlet(100, status=0), "ignored: the outlet is not live (status 0 or deleted)"),
        (user(1), ScopeSet.G, None, "ignored: no such outlet"),
        (user(1, status=0), ScopeSet.F, outlet(100), "ignored: the employer is out of scope"),
        (user(1, role="SUPER_HQ_EXTERNAL"), ScopeSet.S, outlet(100),
         "ignored: a SUPER_HQ_EXTERNAL has no outlet assignments"),
    ],
    ids=["own-live-outlet", "other-company", "not-live", "missing", "out-of-scope", "super-hq"],
)
def test_outlet_link_notes(the_user, scope_set, linked, note):
    outlets = {100: linked} if linked else {}
    wanted = frozenset({100}) if note == "assigned" else frozenset()
    [link] = r.explain_outlet_links(the_user, scope_set, [100], outlets, wanted)
    assert (link.wanted, link.note) == (note == "assigned", note)


def test_every_set_has_a_rule_in_spec_order():
    assert set(r.EMPLOYER_RULES) == set(ScopeSet)
    assert [rule.split()[0] for rule in r.EMPLOYER_RULES.values()] == ["1", "2", "2", "3", "4", "5", "6", "7", "8"]
    assert r.EMPLOYER_RULES[ScopeSet.C] == "4 C: company_id is on the obsolete list"


def _explanation() -> Explanation:
    jane = user(1, email="Jane.Doe@Example.com", first_name="Jane", last_name="Doe", mobile="9123 4567")
    return Explanation(
        kind=EMPLOYER_KIND, user_id=1, facts=r.user_facts(jane), company=None, pivots=(), outlet_links=(),
        scope_set="G", rule=r.EMPLOYER_RULES[ScopeSet.G], outcome=r.SYNCED, error=None, owners=(),
        memberships=r.compare_memberships([], []), assignments=r.compare_assignments(frozenset(), []),
        identity=platform_identity(), incoming_identity=INCOMING, guard=r.guard_of(platform_identity(), INCOMING),
        identity_change=r.UNCHANGED, failures=(),
    )  # fmt: skip


def test_masked_explanation_shows_no_email_name_or_phone():
    text = json.dumps(_explanation().masked().as_json())
    for secret in ("Jane", "Doe", "jane.doe", "Example", "4567", "9123"):
        assert secret not in text
    masked = _explanation().masked()
    assert (masked.facts.email, masked.identity.email, masked.incoming_identity.phone_number) == (
        "J***@E***.com", "j***@e***.com", "***67")


def test_unmasked_json_keeps_values_and_is_one_object():
    data = json.loads(json.dumps(_explanation().as_json()))
    assert data["facts"]["email"] == "Jane.Doe@Example.com"
    assert data["identity"]["remote_updated_at"] == INCOMING.remote_updated_at.isoformat()
    assert data["scope_set"] == "G" and data["guard"]["skips_update"] is False
