"""A run that cannot finish fails, writes no successful sync log, and says why without secrets."""

from datetime import timedelta

import pytest
from sqlalchemy.engine import make_url

from employer_sync_pipeline.definitions import defs

from ..support.runs import run_employer_sync, run_errors, sync_logs


def test_unreachable_jodgig_fails_the_run_without_a_sync_log(sync_env, jodgig, platform_db, monkeypatch):
    jodgig.user("HQ_MANAGER", jodgig.company())
    wrong_port = make_url(sync_env["JODGIG_DATABASE_URL"]).set(port=1, password="s3cret-Pw")
    monkeypatch.setenv("JODGIG_DATABASE_URL", wrong_port.render_as_string(hide_password=False))

    result = defs.get_job_def("employer_sync_job").execute_in_process(raise_on_error=False)

    assert not result.success
    messages = run_errors(result)
    assert "JODGIG_DATABASE_URL" in messages and "s3cret-Pw" not in messages
    assert sync_logs(platform_db.engine) == []


def test_the_next_run_after_a_failed_one_covers_the_same_window(sync_env, jodgig, platform_db, monkeypatch):
    company = jodgig.company()
    jodgig.user("HQ_MANAGER", company)
    run_employer_sync()
    real_url = sync_env["JODGIG_DATABASE_URL"]
    monkeypatch.setenv("JODGIG_DATABASE_URL", make_url(real_url).set(port=1).render_as_string(hide_password=False))
    assert not defs.get_job_def("employer_sync_job").execute_in_process(raise_on_error=False).success

    monkeypatch.setenv("JODGIG_DATABASE_URL", real_url)
    run_employer_sync()

    first, second = sync_logs(platform_db.engine)
    assert second["watermark_from"] == first["watermark_to"] - timedelta(minutes=10)
    assert second["sync_mode"] == "incremental" and second["is_successful"]


@pytest.mark.parametrize("batch_size", [0, -5], ids=["zero", "negative"])
def test_a_bad_batch_size_fails_with_a_clear_error(batch_size):
    run_config = {"ops": {"fan_out_batches": {"config": {"batch_size": batch_size, "full_refresh_batch_size": batch_size}}}}
    result = defs.get_job_def("employer_sync_job").execute_in_process(run_config=run_config, raise_on_error=False)
    assert not result.success
    assert "batch size must be at least 1" in run_errors(result)
