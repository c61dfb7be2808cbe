"""Runs and comparisons the fault tests share: one run in this process, the state of an undisturbed run."""

from employer_sync_pipeline.definitions import defs, sync_jobs

from .platform_state import comparable_state
from .runs import run_errors, sync_logs
from .servers import create_platform_database, drop_platform_database


def run_in_process(**resources):
    """One ``employer_sync_job`` run in this process, with the default config (batch size does not
    change the outcome: the demo gives the same platform at 200, 1,000 and 5,000 per batch)."""
    if resources:
        return sync_jobs["employer_sync_job"].execute_in_process(resources=resources, raise_on_error=False)
    return defs.get_job_def("employer_sync_job").execute_in_process(raise_on_error=False)


def assert_same_state(actual: dict[str, set[tuple]], expected: dict[str, set[tuple]]) -> None:
    assert actual.keys() == expected.keys()
    problems = []
    for table in expected:
        missing, extra = expected[table] - actual[table], actual[table] - expected[table]
        if missing or extra:
            problems.append(
                f"{table}: {len(actual[table])} rows vs {len(expected[table])} expected; "
                f"missing e.g. {sorted(missing, key=repr)[:3]}; unexpected e.g. {sorted(extra, key=repr)[:3]}"
            )
    assert not problems, "the platform differs from a single uninterrupted run:\n" + "\n".join(problems)


def uninterrupted_state(monkeypatch) -> tuple[dict[str, set[tuple]], list[dict]]:
    """What one uninterrupted run makes of the same JodGig, on a second fresh platform database."""
    reference = create_platform_database()
    try:
        with monkeypatch.context() as patch:
            patch.setenv("PLATFORM_DATABASE_URL", reference.url)
            result = run_in_process()
        assert result.success, run_errors(result)
        return comparable_state(reference.engine), sync_logs(reference.engine)
    finally:
        drop_platform_database(reference)


def report(figures: dict) -> None:
    """The figures of a test, in its captured output (``pytest -rA`` or ``-s`` shows them)."""
    shown = {key: value for key, value in figures.items() if key != "output"}
    for key, value in shown.items():
        if isinstance(value, list) and len(value) > 4:
            shown[key] = [*value[:3], f"... {len(value)} in all"]
    print("FIGURES", shown)
