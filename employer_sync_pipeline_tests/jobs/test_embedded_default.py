"""employer_sync_job with no settings: embedded SQLite databases seeded with the demo data set (SPEC §9)."""

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
    assert sync_logs(engine)[-1]["sync_mode"] == "full_refresh", "a failed record keeps the window open"
