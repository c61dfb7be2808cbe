"""``dagster job execute`` processes with a run config, as an operator starts them."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

DAGSTER = str(Path(sys.executable).parent / "dagster")


@dataclass
class JobProcess:
    popen: subprocess.Popen
    log_path: Path

    def wait(self, timeout: float = 300) -> int:
        return self.popen.wait(timeout=timeout)

    def running(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def job_processes(tmp_path: Path):
    """Start ``dagster job execute`` processes; any still running at the end is killed with its children."""
    started: list[JobProcess] = []

    def start(job: str, run_config: dict, env: dict[str, str], name: str) -> JobProcess:
        config = tmp_path / f"{name}.yaml"
        config.write_text(yaml.safe_dump(run_config))
        log_path = tmp_path / f"{name}.log"
        with log_path.open("wb") as log:
            popen = subprocess.Popen(
                [DAGSTER, "job", "execute", "-m", "employer_sync_pipeline.definitions", "-j", job, "-c", str(config)],
                env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        started.append(JobProcess(popen, log_path))
        return started[-1]

    try:
        yield start
    finally:
        for process in started:
            if process.running():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait(timeout=30)


def wait_until(predicate, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")


def prepare_instance(dagster_home: Path) -> None:
    """Create the instance's storage before several processes open it at once (they race on its DDL)."""
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        instance.get_runs(limit=1)
