"""`dg` loads the code location from pyproject.toml's [tool.dg], under the name the other launchers use."""

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from employer_sync_pipeline.definitions import defs
from employer_sync_pipeline.orchestration.local_runs import CODE_LOCATION_NAME, DEFINITIONS_MODULE

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def dg(*args: str) -> subprocess.CompletedProcess:
    """`dg` from the project root; the autouse fixture's DAGSTER_HOME gives dg the test's own instance."""
    return subprocess.run([str(BIN / "dg"), *args], cwd=PROJECT, env=os.environ.copy(),
                          capture_output=True, text=True, timeout=300)


def test_dg_check_defs_loads_the_definitions():
    done = dg("check", "defs")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All definitions loaded successfully" in done.stdout + done.stderr


def test_dg_list_defs_names_every_job_schedule_sensor_and_asset():
    done = dg("list", "defs", "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    listed = json.loads(done.stdout)

    repository = defs.get_repository_def()
    jobs = {job["name"] for job in listed["jobs"]}
    assert jobs == {job.name for job in repository.get_all_jobs() if not job.name.startswith("__")}
    assert {"employer_sync_job", "talent_sync_job", "employer_jit_sync_job", "platform_checks_job"} <= jobs
    assert {s["name"] for s in listed["schedules"]} == {s.name for s in repository.schedule_defs}
    assert {s["name"] for s in listed["sensors"]} == {s.name for s in repository.sensor_defs}
    assert {"jodgig/users", "platform/identities_users"} <= {a["asset_key"] for a in listed["assets"]}


def test_every_launcher_names_the_code_location_alike():
    """The UI files a CLI run under its job by this name (orchestration/local_runs.py)."""
    pyproject = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    [entry] = yaml.safe_load((PROJECT / "workspace.yaml").read_text())["load_from"]
    dg_project = pyproject["tool"]["dg"]["project"]

    assert entry["python_module"] == {"module_name": DEFINITIONS_MODULE, "location_name": CODE_LOCATION_NAME}
    assert pyproject["tool"]["dagster"] == {"module_name": DEFINITIONS_MODULE, "code_location_name": CODE_LOCATION_NAME}
    assert (dg_project["code_location_target_module"], dg_project["code_location_name"]) == (
        DEFINITIONS_MODULE, CODE_LOCATION_NAME)
