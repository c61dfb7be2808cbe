"""A batch already running stops at its next chunk commit once another batch of its run failed (SPEC §5)."""

from pydantic import PrivateAttr

from employer_sync_pipeline.definitions import sync_jobs
from employer_sync_pipeline.orchestration.resources import (
    INTERRUPTED_TAG,
    JodgigDatabase,
    PlatformDatabase,
    SyncRunLock,
)
from employer_sync_pipeline.orchestration.sentry import SentryResource
from employer_sync_pipeline.sync import batch

from ..support.runs import identities, run_errors, sync_logs


class AnotherBatchFailsAfterTheFirstChunk(SentryResource):
    """Stands in for a sibling batch on another worker: it fails, and tags the run, while this batch
    is between its first and second chunk (record failures are reported right after a chunk's commit)."""

    _instance = PrivateAttr(default=None)

    def setup_for_execution(self, context) -> None:
        super().setup_for_execution(context)
        self._instance = context.instance

    def report_record_failure(self, failure, sync_name: str) -> None:
        self._instance.add_run_tags(self._run_id, {INTERRUPTED_TAG: "batch_7 failed (OperationalError)"})


def test_a_running_batch_commits_no_chunk_after_its_run_was_interrupted(sync_env, jodgig, platform_db, monkeypatch):
    monkeypatch.setattr(batch, "WRITE_CHUNK", 100)
    company = jodgig.company()
    broken = jodgig.user("HQ_MANAGER", company, email="broken")  # fails in the first chunk: the report hook fires
    for _ in range(batch.WRITE_CHUNK + 10):
        jodgig.user("OUTLET_MANAGER", company)

    result = sync_jobs["employer_sync_job"].execute_in_process(
        run_config={"ops": {"fan_out_batches": {"config": {"full_refresh_batch_size": 5000}}}},
        resources={"jodgig_db": JodgigDatabase(), "platform_db": PlatformDatabase(), "sync_lock": SyncRunLock(),
                   "sentry": AnotherBatchFailsAfterTheFirstChunk()},
        raise_on_error=False,
    )

    assert not result.success
    assert "batch_7 failed (OperationalError); this run writes nothing more" in run_errors(result)
    written = identities(platform_db.engine)
    assert len(written) == batch.WRITE_CHUNK - 1 and broken not in written, "only the first chunk was committed"
    assert sync_logs(platform_db.engine) == []
