"""Runs that the ``employer-sync`` CLI executes in its own process, filed under their job in the UI.

The UI lists a job's runs (its Runs tab, the Jobs list's run strip, the Overview timeline) by the
run's remote origin: the code location and repository it was launched from. ``execute_in_process``
and ``dagster job execute`` leave that origin empty, so their runs show only in the global Runs
list. A run made here carries this code location's origin, as a UI launch does, and is then
executed in this process, as a run worker executes a launched run: no daemon, no code server.
"""

import sys
from collections.abc import Mapping
from typing import Any

import dagster as dg

# Dagster has no public API that creates a run with a remote origin and executes it here; these
# are the calls `dagster job launch` (run creation) and the run worker (execution) make.
from dagster._core.definitions.reconstruct import ReconstructableRepository
from dagster._core.execution.api import execute_run
from dagster._core.remote_origin import InProcessCodeLocationOrigin, RemoteRepositoryOrigin
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

DEFINITIONS_MODULE = "employer_sync_pipeline.definitions"
#: As workspace.yaml, [tool.dagster] and [tool.dg.project] name it: the UI files runs by this name.
CODE_LOCATION_NAME = "employer_sync_pipeline"


def execute_job_here(
    job_name: str, run_config: Mapping[str, Any], instance: dg.DagsterInstance
) -> dg.JobExecutionResult:
    """Execute a job of this code location in this process, as a run that belongs to that job.

    As with ``dg.execute_job``, open the result with ``with`` to read op outputs.
    """
    repository = ReconstructableRepository.for_module(DEFINITIONS_MODULE, "defs")
    job = repository.get_reconstructable_job(job_name)
    job_def = job.get_definition()
    run = instance.create_run_for_job(
        job_def=job_def,
        run_config=run_config,
        tags=job_def.run_tags,
        job_code_origin=job.get_python_origin(),
        remote_job_origin=location_origin(repository.get_definition().name).get_job_origin(job_name),
    )
    return execute_run(job, run, instance)


def location_origin(repository_name: str) -> RemoteRepositoryOrigin:
    """This code location's repository, loaded in this process under the workspace's location name."""
    target = LoadableTargetOrigin(executable_path=sys.executable, module_name=DEFINITIONS_MODULE)
    location = InProcessCodeLocationOrigin(loadable_target_origin=target, location_name=CODE_LOCATION_NAME)
    return RemoteRepositoryOrigin(code_location_origin=location, repository_name=repository_name)
