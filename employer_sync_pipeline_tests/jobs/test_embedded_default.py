"""employer_sync_job with no settings: embedded SQLite databases seeded with the demo data set (SPEC §9)."""

from datetime import timedelta

from employer_sync_pipeline.demo.generator import DEMO_SCOPE_COUNTS
from employer_sync_pipeline.settings import Settings
from employer_sync_pipeline.sync.databases import platform_engine

from ..support.runs import memberships, run_employer_sync, sync_logs


def test_demo_sync_runs_on_the_embedded_default(isolated_environment):
    run_employer_sync()

    assert (isolated_environment / "jodgig_demo.sqlite").exists()
    engine = platform_engine(Settings.from_env())
    [log] = sync_logs(engine)
    assert log["scope_counts"] == DEMO_SCOPE_COUNTS
    assert log["records_selected"] == sum(v for k, v in DEMO_SCOPE_COUNTS.items() if k != "S_invalid")
    assert log["records_synced"] + log["records_failed"] == DEMO_SCOPE_COUNTS["G"] + 66
    assert {f["error"] for f in log["fail_log"]} == {"InvalidEmail", "DuplicateEmail"}
    roles = list(memberships(engine).values())
    assert roles.count("owner") > 0 and roles.count("manager") > 0

    run_employer_sync()
    second = sync_logs(engine)[-1]
    assert second["sync_mode"] == "incremental", "a failed record never holds the window open"
    assert second["watermark_from"] == log["watermark_to"] - timedelta(minutes=10)
    failed = [entry["remote_gig_user_id"] for entry in log["fail_log"]]
    assert second["records_selected"] == len(failed), "the last run's failed records are retried, nothing else"
    assert [entry["remote_gig_user_id"] for entry in second["fail_log"]] == failed
    assert {entry["failed_runs"] for entry in second["fail_log"]} == {2}
    assert {entry["first_failed_run_id"] for entry in second["fail_log"]} == {log["run_id"]}
