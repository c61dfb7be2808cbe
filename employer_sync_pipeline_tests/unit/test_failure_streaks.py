"""Failure streaks and the retry set: pure rules, no database (SPEC §3, §4)."""

from datetime import datetime, timedelta, timezone

from employer_sync_pipeline.domain.failure_streaks import PreviousRun, continue_streaks, older_than

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def entry(user: int, **streak) -> dict:
    return {"remote_gig_user_id": user, "error": "InvalidEmail", "message": "fix it"} | streak


def test_the_retry_set_is_the_previous_runs_failed_ids():
    previous = PreviousRun(T0, "run-1", T0, (entry(7), entry(3), entry(7)))
    assert previous.retry_ids == (3, 7)


def test_a_streak_grows_while_the_record_keeps_failing_and_restarts_after_it_synced():
    first = continue_streaks(None, [3], "run-1", T0)
    previous = PreviousRun(T0, "run-1", T0, (entry(3, **first[3].as_log_fields()),))
    second = continue_streaks(previous, [3, 4], "run-2", T0 + timedelta(hours=1))
    assert (second[3].first_failed_run_id, second[3].first_failed_at, second[3].failed_runs) == ("run-1", T0, 2)
    assert (second[4].first_failed_run_id, second[4].failed_runs) == ("run-2", 1)


def test_an_entry_from_before_streaks_counts_as_its_own_run():
    previous = PreviousRun(T0, "old-run", T0, (entry(5),))
    [streak] = continue_streaks(previous, [5], "run-2", T0 + timedelta(hours=1)).values()
    assert (streak.first_failed_run_id, streak.first_failed_at, streak.failed_runs) == ("old-run", T0, 2)


def test_only_streaks_older_than_the_limit_are_stale():
    month_old = entry(1, first_failed_at=(T0 - timedelta(days=30)).isoformat(), first_failed_run_id="r", failed_runs=720)
    fresh = entry(2, first_failed_at=T0.isoformat(), first_failed_run_id="r", failed_runs=1)
    assert older_than([month_old, fresh, entry(3)], T0, "r", timedelta(days=1), T0 + timedelta(hours=2)) == [month_old]
