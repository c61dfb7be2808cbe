"""E-mails move between people (SPEC §3), and failed records are retried (SPEC §4), against real servers."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from employer_sync_pipeline.db import jodgig_tables as t

from ..support.platform_state import comparable_state
from ..support.runs import identities, run_employer_sync, sync_logs
from ..support.servers import create_platform_database, drop_platform_database

BATCH_SIZES = [1, 1000]


def emails(engine) -> dict[int, tuple[str, str]]:
    return {user: (row["email"], row["status"]) for user, row in identities(engine).items()}


def change_emails(jodgig, moves: dict[int, str]) -> None:
    now = jodgig.local_now()
    for user, email in moves.items():
        jodgig.update(t.users, user, email=email, updated_at=now)


def assert_clean(engine, selected: int) -> dict:
    log = sync_logs(engine)[-1]
    assert (log["sync_mode"], log["records_failed"], log["records_selected"]) == ("incremental", 0, selected)
    return log


@pytest.mark.parametrize("batch_size", BATCH_SIZES)
def test_a_hand_over_settles_in_one_run(sync_env, jodgig, platform_db, batch_size):
    """The lower id takes the address the higher id gives up, in whichever batches they fall."""
    company = jodgig.company()
    taker = jodgig.user("HQ_MANAGER", company, email="taker@example.com")
    giver = jodgig.user("HQ_MANAGER", company, email="desk@example.com")
    run_employer_sync()

    change_emails(jodgig, {taker: "desk@example.com", giver: "giver@example.com"})
    run_employer_sync(batch_size=batch_size)

    assert emails(platform_db.engine) == {
        taker: ("desk@example.com", "active"), giver: ("giver@example.com", "active")}
    assert_clean(platform_db.engine, 2)


@pytest.mark.parametrize("batch_size", BATCH_SIZES)
def test_a_swap_settles_in_one_run(sync_env, jodgig, platform_db, batch_size):
    company = jodgig.company()
    first = jodgig.user("HQ_MANAGER", company, email="a@example.com")
    second = jodgig.user("OUTLET_MANAGER", company, email="b@example.com")
    bystander = jodgig.user("OUTLET_MANAGER", company)
    run_employer_sync()

    change_emails(jodgig, {first: "b@example.com", second: "a@example.com"})
    run_employer_sync(batch_size=batch_size)

    found = emails(platform_db.engine)
    assert (found[first], found[second]) == (("b@example.com", "active"), ("a@example.com", "active"))
    assert found[bystander] == (f"user{bystander}@example.com", "active")
    assert_clean(platform_db.engine, 2)


@pytest.mark.parametrize("batch_size", BATCH_SIZES)
def test_a_three_way_rotation_settles_in_one_run(sync_env, jodgig, platform_db, batch_size):
    companies = [jodgig.company() for _ in range(3)]
    users = [jodgig.user("HQ_MANAGER", company, email=f"r{i}@example.com") for i, company in enumerate(companies)]
    run_employer_sync()

    change_emails(jodgig, {user: f"r{(i + 1) % 3}@example.com" for i, user in enumerate(users)})
    run_employer_sync(batch_size=batch_size)

    assert emails(platform_db.engine) == {
        user: (f"r{(i + 1) % 3}@example.com", "active") for i, user in enumerate(users)}
    assert_clean(platform_db.engine, 3)


def test_a_new_contested_address_goes_to_the_lowest_id_whatever_the_batch_order(sync_env, jodgig, platform_db):
    # Selection orders by company: the higher id comes first, in its own batch.
    early_company, late_company = jodgig.company(id=10), jodgig.company(id=20)
    lower = jodgig.user("HQ_MANAGER", late_company, id=101, email="Shared@Example.com")
    higher = jodgig.user("HQ_MANAGER", early_company, id=202, email="shared@example.com ")

    run_employer_sync(batch_size=1)

    assert emails(platform_db.engine) == {lower: ("shared@example.com", "active")}
    [failure] = sync_logs(platform_db.engine)[-1]["fail_log"]
    assert (failure["remote_gig_user_id"], failure["error"]) == (higher, "DuplicateEmail")


def test_a_record_waiting_for_an_address_syncs_in_the_run_after_the_holder_lets_go(sync_env, jodgig, platform_db):
    """The waiting record's own rows never change again: it is retried because it failed."""
    company = jodgig.company()
    holder = jodgig.user("HQ_MANAGER", company, email="desk@example.com")
    run_employer_sync()
    waiting = jodgig.user("HQ_MANAGER", company, email="desk@example.com", created_at=jodgig.local_now(),
                          updated_at=jodgig.local_now())
    run_employer_sync()
    run_employer_sync()
    log = sync_logs(platform_db.engine)[-1]
    assert [(f["remote_gig_user_id"], f["error"], f["failed_runs"]) for f in log["fail_log"]] == [
        (waiting, "DuplicateEmail", 2)]
    assert log["records_selected"] == 1, "only the retried record: nothing else changed"

    change_emails(jodgig, {holder: "moved-on@example.com"})
    run_employer_sync()

    assert emails(platform_db.engine) == {
        holder: ("moved-on@example.com", "active"), waiting: ("desk@example.com", "active")}
    assert_clean(platform_db.engine, 2)


def test_the_holder_keeps_its_address_against_a_lower_id(sync_env, jodgig, platform_db):
    company = jodgig.company()
    newcomer = jodgig.user("HQ_MANAGER", company, status=0, email="desk@example.com")
    holder = jodgig.user("HQ_MANAGER", company, email="desk@example.com")
    run_employer_sync()

    jodgig.update(t.users, newcomer, status=1, updated_at=jodgig.local_now())
    run_employer_sync()

    assert emails(platform_db.engine) == {holder: ("desk@example.com", "active")}
    assert [f["remote_gig_user_id"] for f in sync_logs(platform_db.engine)[-1]["fail_log"]] == [newcomer]


def test_a_loser_keeps_its_old_address_so_whoever_wanted_that_one_waits_too(sync_env, jodgig, platform_db):
    """A chain: the first wants the holder's address and loses, so its own address stays taken."""
    company = jodgig.company()
    holder = jodgig.user("HQ_MANAGER", company, email="kept@example.com")
    chained = jodgig.user("HQ_MANAGER", company, email="old@example.com")
    follower = jodgig.user("HQ_MANAGER", company, email="follower@example.com")
    run_employer_sync()

    change_emails(jodgig, {chained: "kept@example.com", follower: "old@example.com"})
    run_employer_sync(batch_size=1)

    found = emails(platform_db.engine)
    assert (found[holder], found[chained], found[follower]) == (
        ("kept@example.com", "active"), ("old@example.com", "active"), ("follower@example.com", "active"))
    failed = {f["remote_gig_user_id"]: f["error"] for f in sync_logs(platform_db.engine)[-1]["fail_log"]}
    assert failed == {chained: "DuplicateEmail", follower: "DuplicateEmail"}


def test_a_permanently_bad_record_never_widens_the_window(sync_env, jodgig, platform_db):
    company = jodgig.company()
    jodgig.user("HQ_MANAGER", company)
    bad = jodgig.user("HQ_MANAGER", company, email="never-fixed")

    runs = [run_employer_sync() for _ in range(4)]

    logs = sync_logs(platform_db.engine)
    assert [log["sync_mode"] for log in logs] == ["full_refresh"] + ["incremental"] * 3
    for earlier, later in zip(logs, logs[1:]):
        assert later["watermark_from"] == earlier["watermark_to"] - timedelta(minutes=10)
        assert later["watermark_to"] - later["watermark_from"] < timedelta(hours=1)
        assert later["records_selected"] == 1
    assert [[(f["remote_gig_user_id"], f["failed_runs"]) for f in log["fail_log"]] for log in logs] == [
        [(bad, runs_in_a_row)] for runs_in_a_row in (1, 2, 3, 4)]
    assert {f["first_failed_run_id"] for log in logs for f in log["fail_log"]} == {runs[0].run_id}
    assert not any(log["is_successful"] for log in logs)


# --- Determinism: the same JodGig data gives the same platform whatever the batches or executor.

MULTIPROCESS = """
execution:
  config:
    multiprocess:
      max_concurrent: 2
ops:
  fan_out_batches:
    config:
      batch_size: 3
      full_refresh_batch_size: 3
"""


def a_world_of_moving_addresses(jodgig) -> dict:
    """Companies with owners and outlets, and the e-mails that will move."""
    world = {"companies": [jodgig.company() for _ in range(4)]}
    users = []
    for index, company in enumerate(world["companies"]):
        outlet = jodgig.outlet(company)
        for seat in range(5):
            user = jodgig.user("HQ_MANAGER" if seat < 2 else "OUTLET_MANAGER", company,
                               email=f"c{index}s{seat}@example.com")
            if seat >= 2:
                jodgig.outlet_user(outlet, user)
            users.append(user)
    world["users"] = users
    return world


def move_addresses(jodgig, users: list[int]) -> None:
    """A swap across companies, a rotation, a hand-over, two newcomers contesting one address, a
    newcomer wanting a held address, and an owner leaving scope with its address taken over."""
    now = jodgig.local_now()
    moves = {
        users[0]: "c2s3@example.com", users[13]: "c0s0@example.com",                      # swap
        users[1]: "c1s1@example.com", users[6]: "c3s2@example.com", users[17]: "c0s1@example.com",  # rotation
        users[4]: "fresh@example.com", users[9]: "c0s4@example.com",                      # hand-over
    }
    change_emails(jodgig, moves)
    company = jodgig.company()
    jodgig.user("HQ_MANAGER", company, email="contested@example.com", created_at=now, updated_at=now)
    jodgig.user("OUTLET_MANAGER", company, email="CONTESTED@example.com", created_at=now, updated_at=now)
    jodgig.user("OUTLET_MANAGER", company, email="c3s4@example.com", created_at=now, updated_at=now)
    jodgig.update(t.users, users[5], status=0, updated_at=now)
    jodgig.update(t.users, users[10], email="c1s0@example.com", updated_at=now)


def run_cli(env: dict, config: Path) -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "job", "execute", "-m", "employer_sync_pipeline.definitions",
         "-j", "employer_sync_job", "-c", str(config)],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_batch_size_batch_order_and_executor_never_change_the_result(jodgig_db, jodgig, monkeypatch, tmp_path):
    """The same JodGig history synced with batch sizes 1, 7 and 5,000, and under the multiprocess executor."""
    world = a_world_of_moving_addresses(jodgig)
    platforms = {name: create_platform_database() for name in ("1", "7", "5000", "multiprocess")}
    config = tmp_path / "multiprocess.yaml"
    config.write_text(MULTIPROCESS)
    monkeypatch.setenv("JODGIG_DATABASE_URL", jodgig_db.reader_url)

    def sync_all() -> None:
        for name, platform in platforms.items():
            monkeypatch.setenv("PLATFORM_DATABASE_URL", platform.url)
            if name == "multiprocess":
                run_cli({"JODGIG_DATABASE_URL": jodgig_db.reader_url, "PLATFORM_DATABASE_URL": platform.url}, config)
            else:
                run_employer_sync(batch_size=int(name))

    try:
        sync_all()
        move_addresses(jodgig, world["users"])
        sync_all()
        states = {name: comparable_state(platform.engine) for name, platform in platforms.items()}
        failures = {name: [(f["remote_gig_user_id"], f["error"]) for f in sync_logs(platform.engine)[-1]["fail_log"]]
                    for name, platform in platforms.items()}
    finally:
        for platform in platforms.values():
            drop_platform_database(platform)

    reference = states["5000"]
    for name, state in states.items():
        assert state == reference, f"batch size or executor {name} gave another platform"
    assert len(set(map(tuple, failures.values()))) == 1, failures
    # Exactly the two who cannot have their address fail: the higher contested newcomer and the
    # newcomer wanting an address its holder keeps.
    assert [error for _, error in failures["5000"]] == ["DuplicateEmail", "DuplicateEmail"]
    emails_now = {row[0]: row[2] for row in reference["identities"]}  # (user, kind, email, …)
    assert emails_now[world["users"][0]] == "c2s3@example.com"
    assert emails_now[world["users"][13]] == "c0s0@example.com"
    assert emails_now[world["users"][10]] == "c1s0@example.com"
