"""Sentry events for failures carry ids and tags but no personal data; JodGig is never written."""

import pytest
import sqlalchemy as sa

from employer_sync_pipeline.db import jodgig_tables as t
from employer_sync_pipeline.db.engines import create_jodgig_engine
from employer_sync_pipeline.settings import Settings
from employer_sync_pipeline.definitions import sync_jobs
from employer_sync_pipeline.orchestration.resources import JodgigDatabase, PlatformDatabase, SyncRunLock

from ..support import sentry
from ..support.sentry import FAKE_DSN, CapturingSentryResource


@pytest.fixture
def captured(monkeypatch):
    monkeypatch.setenv("SENTRY_DSN", FAKE_DSN)
    sentry.CAPTURED.events.clear()
    return sentry.CAPTURED


def run_with_capturing_sentry(run_config=None):
    resources = {"jodgig_db": JodgigDatabase(), "platform_db": PlatformDatabase(), "sentry": CapturingSentryResource(),
                 "sync_lock": SyncRunLock()}
    return sync_jobs["employer_sync_job"].execute_in_process(run_config=run_config, resources=resources, raise_on_error=False)


def test_record_failures_reach_sentry_with_ids_and_without_personal_data(sync_env, jodgig, captured):
    company = jodgig.company()
    jodgig.user("HQ_MANAGER", company, email="Private.Person@Example.com", first_name="Secretname",
                mobile="9123 4567")
    duplicate = jodgig.user("OUTLET_MANAGER", company, email="private.person@example.com", first_name="Secretname")
    invalid = jodgig.user("OUTLET_MANAGER", company, email="broken@@example.com", last_name="Hiddenlast")

    result = run_with_capturing_sentry()

    assert result.success
    events = {event["user"]["id"]: event for event in captured.events}
    assert set(events) == {str(duplicate), str(invalid)}
    assert events[str(invalid)]["tags"]["error"] == "InvalidEmail"
    assert events[str(duplicate)]["tags"]["error"] == "DuplicateEmail"
    for event in events.values():
        assert event["tags"]["dagster_run_id"] == result.run_id
        assert event["tags"]["sync"] == "employer_sync"
    text = captured.serialised().lower()
    for personal in ("private.person", "broken@@", "secretname", "hiddenlast", "9123", "@example.com"):
        assert personal not in text


def test_a_record_failing_run_after_run_is_one_sentry_issue(sync_env, jodgig, captured):
    """Every run retries it and reports it again; the events share one fingerprint per record and error."""
    company = jodgig.company()
    first = jodgig.user("HQ_MANAGER", company, email="broken-one")
    second = jodgig.user("HQ_MANAGER", company, email="broken-two")

    runs = [run_with_capturing_sentry(), run_with_capturing_sentry()]

    assert all(run.success for run in runs)
    fingerprints = [tuple(event["fingerprint"]) for event in captured.events]
    assert sorted(fingerprints) == sorted(
        [("jodgig-record-failure", "employer_sync", str(user), "InvalidEmail") for user in (first, second)] * 2
    )
    assert {event["tags"]["dagster_run_id"] for event in captured.events} == {run.run_id for run in runs}


def test_op_errors_reach_sentry_through_the_failure_hook(sync_env, captured):
    result = run_with_capturing_sentry({"ops": {"fan_out_batches": {"config": {"batch_size": 0, "full_refresh_batch_size": 0}}}})

    assert not result.success
    [event] = captured.events
    assert event["tags"]["op"] == "fan_out_batches"
    assert event["tags"]["dagster_run_id"] == result.run_id


def test_no_dsn_means_no_events(sync_env, jodgig, monkeypatch):
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    sentry.CAPTURED.events.clear()
    jodgig.user("HQ_MANAGER", jodgig.company(), email="bad")
    assert run_with_capturing_sentry().success
    assert sentry.CAPTURED.events == []


def test_jodgig_reader_has_select_only(jodgig_db):
    engine = create_jodgig_engine(jodgig_db.reader_url, Settings.from_env().limits)
    with pytest.raises(sa.exc.OperationalError, match="denied"):
        with engine.begin() as conn:
            conn.execute(sa.insert(t.companies).values(name="x", created_at="2026-01-01", updated_at="2026-01-01"))
    engine.dispose()


def test_jodgig_session_is_read_only_even_for_a_privileged_user(jodgig_db):
    engine = create_jodgig_engine(jodgig_db.writer.url.render_as_string(hide_password=False), Settings.from_env().limits)
    with pytest.raises(sa.exc.DBAPIError, match="READ ONLY"):
        with engine.begin() as conn:
            conn.execute(sa.insert(t.companies).values(name="x", created_at="2026-01-01", updated_at="2026-01-01"))
    engine.dispose()
