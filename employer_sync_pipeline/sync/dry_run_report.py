"""A plan's report: what a run would do, from the same batch results and the platform's difference."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from ..domain.failure_streaks import continue_streaks
from ..domain.plan_diff import change_counts, change_examples, diff_states
from .dry_run import RolledBackPlatform
from .results import BatchResult
from .run_steps import RunStart
from .sync_definitions import SyncDefinition

#: How many JodGig ids a plan lists per table and kind of change.
SHOWN_IDS = 20


@dataclass(frozen=True)
class PlanReport:
    """What a run started now would do; nothing of it was written."""

    sync: str
    mode: str
    watermark_from: str | None
    watermark_to: str
    records: dict[str, int]
    scope_counts: dict[str, int]
    tables: dict[str, dict[str, int]]
    examples: dict[str, dict[str, list[int]]]
    failures: list[dict]
    error_classes: dict[str, int]
    #: The records selected only because the last completed run failed them: outcome → count, and ids.
    retried: dict[str, int]
    retried_ids: list[int]

    def as_json(self) -> dict:
        return asdict(self)


def plan_report(
    sync: SyncDefinition, start: RunStart, results: Sequence[BatchResult], platform: RolledBackPlatform
) -> PlanReport:
    """The counts a sync log row would have, and every platform row the run would change."""
    total = BatchResult.combine(results, scope_keys=tuple(sync.empty_scope_counts()))
    changes = diff_states(platform.state_before, platform.state_now())
    window = start.window
    failed_ids = [failure.remote_gig_user_id for failure in total.failures]
    streaks = continue_streaks(start.previous, failed_ids, None, datetime.now(timezone.utc))
    retry_ids = set(start.retry_ids)
    retried = sorted((r.remote_gig_user_id, r.outcome) for r in total.records if r.remote_gig_user_id in retry_ids)
    return PlanReport(
        sync=sync.name,
        mode=window.mode.value,
        watermark_from=window.lower.isoformat() if window.lower else None,
        watermark_to=window.upper.isoformat(),
        records={name: getattr(total, name) for name in ("selected", "synced", "deactivated", "skipped", "failed")},
        scope_counts=total.scope_counts,
        tables=change_counts(changes),
        examples=change_examples(changes, SHOWN_IDS),
        failures=[
            failure.as_log_entry() | streaks[failure.remote_gig_user_id].as_log_fields() for failure in total.failures
        ],
        error_classes=dict(Counter(failure.error for failure in total.failures)),
        retried=dict(Counter(outcome for _, outcome in retried)),
        retried_ids=[user_id for user_id, _ in retried[:SHOWN_IDS]],
    )
