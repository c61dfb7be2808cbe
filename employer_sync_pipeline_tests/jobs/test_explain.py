"""Explain one user (SPEC §10) on MariaDB → PostgreSQL: the set and rule, owners, differences, guard, failures."""

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from employer_sync_pipeline.cli import main
from employer_sync_pipeline.db import jodgig_tables as t
from employer_sync_pipeline.db import platform_tables as p
from employer_sync_pipeline.db.jodgig_queries import all_employer_ids
from employer_sync_pipeline.domain.explanation import RoleChange
from employer_sync_pipeline.domain.organisation import Membership, OwnerReason
from employer_sync_pipeline.explain import explain_employer, explain_talent
from employer_sync_pipeline.settings import Settings
from employer_sync_pipeline.sync.databases import jodgig_engine_and_rules, platform_engine

from ..support.runs import run_employer_sync, run_talent_sync, snapshot, sync_logs


def employer_sync(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "employer-sync"), *args], env=os.environ.copy(),
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def unchanged_platform(platform_db):
    """Asserts, at the end of the test, that explain changed no platform row and no sync log."""
    before = {}
    yield lambda: before.update(state=(snapshot(platform_db.engine), sync_logs(platform_db.engine)))
    assert before, "take the platform's state before explaining"
    assert (snapshot(platform_db.engine), sync_logs(platform_db.engine)) == before["state"]


def test_every_employer_set_and_its_rule(sync_env, jodgig, platform_db, monkeypatch, unchanged_platform):
    live, obsolete = jodgig.company(), jodgig.company()
    monkeypatch.setenv("JODGIG_OBSOLETE_COMPANY_IDS", str(obsolete))
    valid_super_hq, invalid_super_hq = jodgig.user("SUPER_HQ_EXTERNAL"), jodgig.user("SUPER_HQ_EXTERNAL")
    jodgig.pivot(valid_super_hq, live)
    jodgig.pivot(invalid_super_hq, obsolete)
    users = {
        "A": jodgig.user("HQ_MANAGER", live, is_deleted=1),
        "S": valid_super_hq,
        "S_invalid": invalid_super_hq,
        "B": jodgig.user("HQ_MANAGER", 987654),
        "C": jodgig.user("HQ_MANAGER", obsolete),
        "D": jodgig.user("HQ_MANAGER", jodgig.company(deleted_at=datetime(2025, 1, 1))),
        "E": jodgig.user("OUTLET_MANAGER", jodgig.company(status=0)),
        "F": jodgig.user("HQ_MANAGER", live, status=0),
        "G": jodgig.user("HQ_MANAGER", live),
    }
    run_employer_sync()
    unchanged_platform()

    explained = {expected: explain_employer(user_id) for expected, user_id in users.items()}

    assert {k: (e.scope_set, e.rule.split(":")[0]) for k, e in explained.items()} == {
        "A": ("A", "1 A"), "S": ("S", "2 S"), "S_invalid": ("S_invalid", "2 S_invalid"), "B": ("B", "3 B"),
        "C": ("C", "4 C"), "D": ("D", "5 D"), "E": ("E", "6 E"), "F": ("F", "7 F"), "G": ("G", "8 G")}
    assert explained["C"].rule == "4 C: company_id is on the obsolete list"
    assert (explained["B"].company.exists, explained["C"].company.obsolete) == (False, True)
    assert (explained["D"].company.deleted_at, explained["E"].company.status) == (datetime(2025, 1, 1), 0)
    assert [(c.company_id, c.live, c.obsolete) for c in explained["S_invalid"].pivots] == [(obsolete, False, True)]
    assert explained["S"].memberships.wanted == (Membership(live, "admin"),)
    assert [(e.outcome, e.identity_change) for e in (explained["G"], explained["S"], explained["F"])] == [
        ("synced", "unchanged"), ("synced", "unchanged"), ("skipped", "no change")]


def test_unknown_ids_and_the_other_kind(sync_env, jodgig, platform_db):
    talent, employer = jodgig.user("TALENT"), jodgig.user("HQ_MANAGER", jodgig.company())
    assert explain_employer(talent).rule == f"user {talent} is a TALENT; explain it with --talent {talent}"
    assert "explain it with --employer" in explain_talent(employer).rule
    unknown = explain_employer(424242)
    assert (unknown.scope_set, unknown.rule, unknown.outcome) == (
        None, "JodGig has no employer with id 424242", "skipped")


def test_every_talent_set_and_its_rule(sync_env, jodgig, platform_db, unchanged_platform):
    users = {"T": jodgig.user("TALENT"), "T_deleted": jodgig.user("TALENT", is_deleted=1),
             "T_disabled": jodgig.user("TALENT", status=0)}
    run_talent_sync()
    jodgig.update(t.users, users["T"], status=0)
    unchanged_platform()

    explained = {expected: explain_talent(user_id) for expected, user_id in users.items()}

    assert {k: (e.scope_set, e.rule.split(":")[0]) for k, e in explained.items()} == {
        "T": ("T_disabled", "2 T_disabled"), "T_deleted": ("T_deleted", "1 T_deleted"),
        "T_disabled": ("T_disabled", "2 T_disabled")}
    assert (explained["T"].identity.status, explained["T"].identity_change, explained["T"].outcome) == (
        "active", "deactivate", "deactivated")
    jodgig.update(t.users, users["T"], status=1)
    enabled = explain_talent(users["T"])
    assert (enabled.scope_set, enabled.rule) == ("T", "3 T: is_deleted = 0 and status = 1")


def test_owner_hand_over_through_owner_user_id(sync_env, jodgig, platform_db, unchanged_platform):
    company = jodgig.company()
    first = jodgig.user("HQ_MANAGER", company, created_at=datetime(2020, 1, 1))
    second = jodgig.user("HQ_MANAGER", company, created_at=datetime(2021, 1, 1))
    run_employer_sync()
    assert explain_employer(first).owners[0].reason is OwnerReason.EARLIEST_HQ_MANAGER
    jodgig.update(t.companies, company, owner_user_id=second, updated_at=jodgig.local_now())
    unchanged_platform()

    new_owner, old_owner = explain_employer(second), explain_employer(first)

    [owner] = new_owner.owners
    assert (owner.company_id, owner.owner_user_id, owner.reason, owner.candidate_ids) == (
        company, second, OwnerReason.OWNER_USER_ID, (first, second))
    assert owner.detail == f"companies.owner_user_id {second} is a candidate (an HQ_MANAGER of the company in set G)"
    assert new_owner.memberships.role_changes == (RoleChange(company, "admin", "owner"),)
    assert old_owner.memberships.role_changes == (RoleChange(company, "owner", "admin"),)


def test_the_run_does_what_explain_said(sync_env, jodgig, platform_db):
    company = jodgig.company()
    first = jodgig.user("HQ_MANAGER", company, created_at=datetime(2020, 1, 1))
    second = jodgig.user("HQ_MANAGER", company, created_at=datetime(2021, 1, 1))
    run_employer_sync()
    jodgig.update(t.companies, company, owner_user_id=second, updated_at=jodgig.local_now())
    run_employer_sync()
    after = explain_employer(second)
    assert after.memberships.platform[0].role == "owner"
    assert explain_employer(first).memberships.platform[0].role == "admin"
    assert (after.memberships.to_add, after.memberships.to_delete, after.memberships.role_changes) == ((), (), ())


def test_a_link_to_another_companys_outlet_is_not_wanted(sync_env, jodgig, platform_db, unchanged_platform):
    own_company, other_company = jodgig.company(), jodgig.company()
    own, other = jodgig.outlet(own_company), jodgig.outlet(other_company)
    manager = jodgig.user("OUTLET_MANAGER", own_company)
    jodgig.user("HQ_MANAGER", other_company)
    jodgig.outlet_user(own, manager)
    jodgig.outlet_user(other, manager)
    unchanged_platform()

    explained = explain_employer(manager)

    assert explained.assignments.wanted == (own,)
    assert explained.assignments.to_add == (own,) and explained.assignments.platform == ()
    assert {(link.outlet_id, link.wanted, link.note) for link in explained.outlet_links} == {
        (own, True, "assigned"), (other, False, f"ignored: an outlet of another company ({other_company})")}
    assert (explained.identity, explained.identity_change, explained.memberships.to_add) == (
        None, "insert", (Membership(own_company, "manager"),))


def test_guard_skip_when_the_platform_row_is_newer(sync_env, jodgig, platform_db, unchanged_platform):
    user = jodgig.user("HQ_MANAGER", jodgig.company())
    run_employer_sync()
    jodgig.update(t.users, user, first_name="Renamed", updated_at=jodgig.local_now())
    with platform_db.engine.begin() as conn:
        i = p.identities_users
        conn.execute(sa.update(i).where(i.c.remote_gig_user_id == user).values(
            remote_updated_at=sa.func.now() + timedelta(days=1)))
    unchanged_platform()

    explained = explain_employer(user)

    assert explained.guard.skips_update
    assert explained.guard.platform_remote_updated_at > explained.guard.incoming_remote_updated_at
    assert explained.identity_change == "kept: the platform row is newer (guard)"
    assert explained.incoming_identity.first_name == "R***"


def test_a_failed_record_and_its_sync_log_entries(sync_env, jodgig, platform_db, unchanged_platform):
    user = jodgig.user("HQ_MANAGER", jodgig.company(), email="broken-at-example.com")
    first_run, second_run = run_employer_sync(), run_employer_sync()
    unchanged_platform()

    explained = explain_employer(user)

    assert (explained.outcome, explained.error.error, explained.identity) == ("failed", "InvalidEmail", None)
    logs = sync_logs(platform_db.engine)
    # The second run retried it although it never changed: an incremental, failing a second time in a row.
    assert [(f.run_id, f.sync_log_id, f.error, f.sync_mode, f.failed_runs) for f in explained.failures] == [
        (second_run.run_id, logs[1]["id"], "InvalidEmail", "incremental", 2),
        (first_run.run_id, logs[0]["id"], "InvalidEmail", "full_refresh", 1)]
    assert {(f.first_failed_run_id, f.first_failed_at) for f in explained.failures} == {
        (first_run.run_id, logs[0]["finished_at"])}
    assert explained.failures[0].message == explained.error.message
    text = CliRunner().invoke(main, ["explain", "--employer", str(user)]).output
    assert f"failed 2 runs in a row, since {logs[0]['finished_at'].isoformat()} (run {first_run.run_id})" in text
    assert explained.memberships.wanted is None and explained.memberships.to_add == ()


def test_cli_explain_json_masks_unless_show_pii(sync_env, jodgig, platform_db, unchanged_platform):
    user = jodgig.user("HQ_MANAGER", jodgig.company(), email="Jane.Doe@Example.com", first_name="Jane",
                       last_name="Doe", mobile="+65 9123 4567")
    run_employer_sync()
    unchanged_platform()
    runner = CliRunner()

    masked = runner.invoke(main, ["explain", "--employer", str(user), "--json"])
    shown = runner.invoke(main, ["explain", "--employer", str(user), "--json", "--show-pii"])
    text = runner.invoke(main, ["explain", "--employer", str(user)])

    assert (masked.exit_code, shown.exit_code, text.exit_code) == (0, 0, 0), masked.output + text.output
    data = json.loads(masked.output)
    assert (data["scope_set"], data["identity"]["email"], data["facts"]["first_name"]) == (
        "G", "j***@e***.com", "J***")
    for secret in ("Jane", "Doe", "Example", "4567"):
        assert secret not in masked.output and secret not in text.output
    assert json.loads(shown.output)["identity"]["email"] == "jane.doe@example.com"
    assert f"Employer {user}: set G, by rule 8 G: user enabled, company live" in text.output
    assert runner.invoke(main, ["explain"]).exit_code == 2


def test_a_duplicate_email_is_the_error_the_sync_would_record(sync_env, jodgig, platform_db, unchanged_platform):
    company = jodgig.company()
    holder = jodgig.user("HQ_MANAGER", company, email="same@example.com")
    run_employer_sync()
    duplicate = jodgig.user("HQ_MANAGER", company, email=" SAME@example.com")
    unchanged_platform()

    explained = explain_employer(duplicate)

    assert (explained.outcome, explained.error.error, explained.memberships.wanted) == (
        "failed", "DuplicateEmail", None)
    assert explain_employer(holder).outcome == "synced"


def test_on_the_embedded_demo_explain_predicts_the_run(isolated_environment):
    settings = Settings.from_env()
    source, _ = jodgig_engine_and_rules(settings)
    with source.connect() as conn:
        sample = all_employer_ids(conn)[::25]
    source.dispose()
    before = {user_id: explain_employer(user_id) for user_id in sample}
    run_employer_sync()
    after = {user_id: explain_employer(user_id) for user_id in sample}

    [log] = sync_logs(platform_engine(settings))
    failed_in_run = {entry["remote_gig_user_id"] for entry in log["fail_log"]}
    assert {user_id for user_id, e in before.items() if e.outcome == "failed"} <= failed_in_run
    assert {e.scope_set for e in before.values()} >= {"G", "S", "E", "F"}
    for user_id in set(sample) - failed_in_run:
        predicted, done = before[user_id], after[user_id]
        assert [(m.company_id, m.role) for m in done.memberships.platform] == [
            (m.company_id, m.role) for m in predicted.memberships.wanted], user_id
        assert tuple(a.outlet_id for a in done.assignments.platform) == predicted.assignments.wanted, user_id
        assert (done.memberships.to_add, done.memberships.to_delete, done.memberships.role_changes) == ((), (), ())
        assert done.identity_change in ("unchanged", "no change"), user_id


def test_cli_explain_of_an_unknown_id_is_never_success(sync_env, jodgig, platform_db):
    """SPEC §6: an id JodGig does not have, or of the other kind, exits non-zero with what to do instead."""
    talent = jodgig.user("TALENT")

    unknown = employer_sync("explain", "--employer", "424242")
    unknown_json = employer_sync("explain", "--employer", "424242", "--json")
    other_kind = employer_sync("explain", "--employer", str(talent))

    assert (unknown.returncode, unknown.stdout) == (1, ""), unknown.stdout + unknown.stderr
    assert unknown.stderr.strip() == "Error: JodGig has no employer with id 424242"
    assert unknown_json.returncode == 1 and json.loads(unknown_json.stdout)["facts"] is None
    assert other_kind.returncode == 1
    assert f"explain it with --talent {talent}" in other_kind.stderr
