"""Schedules and the login sensor run by default, and start stopped under `make dev` (SYNC_AUTOMATION=stopped)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from employer_sync_pipeline.definitions import defs
from employer_sync_pipeline.settings import CodeLocationSettings, SettingsError

PROJECT = Path(__file__).resolve().parents[1]
STARTS_RUNS = {"employer_sync_hourly", "talent_sync_hourly", "platform_checks_daily", "employer_login_sensor"}
#: Off everywhere until an operator turns it on.
OPT_IN = {"employer_drift_report_daily"}

# A fresh interpreter: the setting is read when the code location loads.
_STATUSES = """
import json
from employer_sync_pipeline.definitions import defs
repository = defs.get_repository_def()
print(json.dumps({d.name: d.default_status.value for d in [*repository.schedule_defs, *repository.sensor_defs]}))
"""


def default_statuses(**env: str) -> dict[str, str]:
    done = subprocess.run([sys.executable, "-c", _STATUSES], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout)


def test_everything_runs_by_default():
    repository = defs.get_repository_def()
    statuses = {d.name: d.default_status.value for d in [*repository.schedule_defs, *repository.sensor_defs]}
    assert {name for name, status in statuses.items() if status != "RUNNING"} == OPT_IN
    assert STARTS_RUNS <= set(statuses)


def test_sync_automation_stopped_starts_whatever_starts_runs_stopped():
    statuses = default_statuses(SYNC_AUTOMATION="stopped")
    assert {name for name, status in statuses.items() if status == "STOPPED"} == STARTS_RUNS | OPT_IN
    assert statuses["report_failed_runs_to_sentry"] == "RUNNING", "it only reports; it starts no run"


def test_make_dev_starts_them_stopped():
    done = subprocess.run(["make", "-n", "dev"], cwd=PROJECT, capture_output=True, text=True, timeout=60, check=True)
    [command] = [line for line in done.stdout.splitlines() if "dg dev" in line]
    assert "SYNC_AUTOMATION=stopped" in command


@pytest.mark.parametrize("raw", ["off", "yes", "0"])
def test_a_malformed_sync_automation_names_the_variable(raw):
    with pytest.raises(SettingsError, match="SYNC_AUTOMATION must be 'running' or 'stopped'"):
        CodeLocationSettings.from_env({"SYNC_AUTOMATION": raw})


def test_make_dev_causes_no_warning_of_its_own():
    """dg warns when the active virtual environment is not the project's; Dagster when ./dagster.yaml is not
    DAGSTER_HOME's, and about a sensor's beta `owners`. make dev's command, checking instead of serving, prints none."""
    done = subprocess.run(["make", "-n", "dev"], cwd=PROJECT, capture_output=True, text=True, timeout=60, check=True)
    [command] = [line for line in done.stdout.splitlines() if line.endswith("dg dev")]
    env = {name: value for name, value in os.environ.items() if name != "VIRTUAL_ENV"}

    checked = subprocess.run(["bash", "-c", command.removesuffix("dev") + "check defs"], cwd=PROJECT, env=env,
                             capture_output=True, text=True, timeout=300)

    assert checked.returncode == 0, checked.stderr[-3000:]
    output = checked.stdout + checked.stderr
    assert "does not match" not in output and "Warning" not in output, output[-3000:]
    assert not (PROJECT / "dagster.yaml").exists(), "the production instance lives in deploy/"
