"""The sync jobs' executor (SPEC §5): in-process, multiprocess, Celery or Kubernetes, chosen by run config.

Whatever runs the steps, the run's own process (the run worker) takes the sync's lock once,
before the first step, and lets it go after the last: the steps, in other processes or on other
machines, only check that their run still holds it. Celery and Kubernetes are optional extras,
imported only when a run chooses them.
"""

import importlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import dagster as dg
from dagster._config import process_config, resolve_to_config_type
from dagster._core.definitions.executor_definition import multiple_process_executor_requirements
from dagster._core.executor.init import InitExecutorContext

from ..settings import Settings
from ..sync.databases import platform_engine
from ..sync.run_lock import RunLock
from .resources import (
    INTERRUPTED_TAG,
    LOCK_SESSION_TAG,
    SYNC_CONCURRENCY_TAG,
    SyncRunLock,
    lock_wait_bound,
    session_name,
)
from .run_placement import IN_PROCESS, embedded_databases_refused, executor_name

#: Executors that live in an optional extra: (module, executor definition, extra).
_OPTIONAL = {
    "celery": ("dagster_celery", "celery_executor", "celery"),
    "k8s": ("dagster_k8s", "k8s_job_executor", "k8s"),
}


def _optional_field(name: str) -> dg.Field:
    module, _, extra = _OPTIONAL[name]
    return dg.Field(
        dg.Permissive(),
        is_required=False,
        description=f"{module}'s own executor config (pip install 'employer_sync_pipeline[{extra}]').",
    )


SYNC_EXECUTOR_CONFIG = dg.Field(
    dg.Selector(
        {
            IN_PROCESS: dg.in_process_executor.config_schema.as_field(),
            "multiprocess": dg.multiprocess_executor.config_schema.as_field(),
            "celery": _optional_field("celery"),
            "k8s": _optional_field("k8s"),
        }
    ),
    default_value={IN_PROCESS: {}},
)


def _requirements(executor_config: Mapping) -> list:
    return [] if IN_PROCESS in executor_config else multiple_process_executor_requirements()


@dg.executor(name="sync_executor", config_schema=SYNC_EXECUTOR_CONFIG, requirements=_requirements)
def sync_executor(init_context: InitExecutorContext) -> dg.Executor:
    """Runs the steps with the chosen executor while the run's own process holds the sync's lock."""
    [(name, config)] = init_context.executor_config.items()
    delegate_def = _delegate_definition(name)
    delegate_config = _checked_config(delegate_def, name, config or {})
    delegate = delegate_def.executor_creation_fn(
        InitExecutorContext(
            job=init_context.job,
            executor_def=delegate_def,
            executor_config=delegate_config,
            instance=init_context.instance,
        )
    )
    return RunLockingExecutor(delegate)


def _delegate_definition(name: str) -> dg.ExecutorDefinition:
    if name == IN_PROCESS:
        return dg.in_process_executor
    if name == "multiprocess":
        return dg.multiprocess_executor
    module, attribute, extra = _OPTIONAL[name]
    try:
        return getattr(importlib.import_module(module), attribute)
    except ImportError:
        raise dg.DagsterInvalidConfigError(
            f"the {name} executor needs the package {module}, which is not installed here; "
            f"install it with pip install 'employer_sync_pipeline[{extra}]' where runs and workers run",
            [],
            None,
        ) from None


def _checked_config(definition: dg.ExecutorDefinition, name: str, config: Mapping) -> Mapping:
    """The chosen executor's own config, validated against its own schema, defaults filled in."""
    schema = definition.config_schema.as_field()
    result = process_config(resolve_to_config_type(schema.config_type), config)
    if not result.success:
        raise dg.DagsterInvalidConfigError(f"execution: config: {name}: invalid config", result.errors, config)
    return result.value


class RunLockingExecutor(dg.Executor):
    """Holds the sync's lock in the run's process around the delegate executor's whole run."""

    def __init__(self, delegate: dg.Executor):
        self._delegate = delegate

    def __getattr__(self, name: str):
        # dagster-celery's loop reads its settings (app_args, …) from the run's executor.
        return getattr(self._delegate, name)

    @property
    def retries(self):
        return self._delegate.retries

    @property
    def step_dependency_config(self):
        return self._delegate.step_dependency_config

    def execute(self, plan_context, execution_plan) -> Iterator[dg.DagsterEvent]:
        _refuse_a_plan_outside_this_process(plan_context.run_config)
        with _run_lock(plan_context):
            yield from self._delegate.execute(plan_context, execution_plan)


class PlanNeedsInProcess(Exception):
    """A plan (dry run) shares one rolled-back transaction across its steps: they must run in one process."""


def _refuse_a_plan_outside_this_process(run_config: Mapping) -> None:
    executor = executor_name(run_config)
    planned = [name for name, op in (run_config.get("ops") or {}).items() if ((op or {}).get("config") or {}).get("dry_run")]
    if planned and executor != IN_PROCESS:
        raise PlanNeedsInProcess(
            f"a plan (dry_run: true on {', '.join(planned)}) needs the in-process executor, not {executor}: "
            "its steps share one transaction that is rolled back at the end. Drop the execution config. "
            "Nothing was read or written."
        )


@contextmanager
def _run_lock(plan_context) -> Iterator[None]:
    """The sync's lock, for the whole run; tagged on the run so its steps, anywhere, can check it."""
    run = plan_context.dagster_run
    sync_name = run.tags.get(SYNC_CONCURRENCY_TAG)
    if sync_name is None:
        yield
        return
    instance = plan_context.instance
    settings = Settings.from_env().without_stand_in(embedded_databases_refused(instance, run.run_config))
    engine = platform_engine(settings, application_name=session_name(run.run_id))
    lock = RunLock(engine, sync_name)
    try:
        lock.acquire(_wait_bound(plan_context, run.tags), plan_context.log.info)
        session_id = lock.session_id
        if session_id is not None:
            # A re-executed run inherits its parent's tags: start with no interruption.
            instance.add_run_tags(run.run_id, {LOCK_SESSION_TAG: session_id, INTERRUPTED_TAG: ""})
        yield
    finally:
        lock.release()
        engine.dispose()


def _wait_bound(plan_context, tags: Mapping[str, str]) -> float:
    """``sync_lock: config: wait_seconds`` of the run config (the resource's default without it)."""
    lock_config = ((plan_context.run_config.get("resources") or {}).get("sync_lock") or {}).get("config") or {}
    return lock_wait_bound(lock_config.get("wait_seconds", SyncRunLock.model_fields["wait_seconds"].default), tags)
