"""Where a run's steps run, read from its config and its instance: what the executor and the resources decide by."""

import dagster as dg

IN_PROCESS = "in_process"


def executor_name(run_config: dict | None) -> str:
    """The executor a run's config chooses: ``in_process`` (the default), ``multiprocess``, ``celery``, ``k8s``."""
    chosen = ((run_config or {}).get("execution") or {}).get("config") or {}
    return next(iter(chosen), IN_PROCESS)


def embedded_databases_refused(instance: dg.DagsterInstance | None, run_config: dict | None) -> str | None:
    """Why this process must not fall back to the embedded demo databases (SPEC §5), or None where it may."""
    if instance is not None and _stored_in_postgres(instance):
        return "the Dagster instance stores its runs in PostgreSQL (a production instance)"
    name = executor_name(run_config)
    if name != IN_PROCESS:
        return f"the run's steps run in worker processes (the {name} executor)"
    return None


def _stored_in_postgres(instance: dg.DagsterInstance) -> bool:
    if instance.is_ephemeral:
        return False
    ref = instance.get_ref()
    stores = (ref.storage_data, ref.run_storage_data)
    return any(data is not None and data.module_name.startswith("dagster_postgres") for data in stores)
