"""Celery workers started as docs/executors.md says, on a queue of their own, and the run config that uses them."""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from .servers import RABBITMQ_URL, REDIS_URL

BIN_DIR = Path(sys.executable).parent


@dataclass(frozen=True)
class CeleryPool:
    """Running workers: the executor config that reaches them, and their logs."""

    executor_config: dict
    log_paths: list[Path]

    def run_config(self, **ops) -> dict:
        return {"execution": {"config": {"celery": self.executor_config}}, "ops": ops}

    def logs(self) -> str:
        return "\n".join(f"===== {path.name} =====\n{path.read_text(errors='replace')}" for path in self.log_paths)


@contextlib.contextmanager
def celery_workers(count: int, env: dict[str, str], tmp_path: Path) -> Iterator[CeleryPool]:
    """``count`` workers of one process each (``dagster-celery worker start``), stopped on exit.

    Each test gets its own queue, so workers of another test never take its steps.
    """
    queue = f"esp_{uuid.uuid4().hex[:10]}"
    executor_config = {"broker": RABBITMQ_URL, "backend": REDIS_URL,
                       "config_source": {"task_default_queue": queue}}
    worker_file = tmp_path / "celery_worker.yaml"
    worker_file.write_text(yaml.safe_dump({"execution": {"config": executor_config}}))
    worker_env = {**os.environ, **env, "PATH": f"{BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}"}
    processes, logs = [], []
    try:
        for index in range(count):
            log_path = tmp_path / f"celery-worker-{index}.log"
            logs.append(log_path)
            with log_path.open("wb") as log:
                processes.append(subprocess.Popen(
                    [str(BIN_DIR / "dagster-celery"), "worker", "start", "-A", "dagster_celery.app",
                     "-y", str(worker_file), "-q", queue, "-n", f"{queue}-{index}", "--", "--concurrency=1"],
                    env=worker_env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    start_new_session=True,
                ))
        pool = CeleryPool(executor_config, logs)
        _wait_until_ready(pool, count, processes)
        yield pool
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _wait_until_ready(pool: CeleryPool, count: int, processes: list[subprocess.Popen], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = sum("ready." in path.read_text(errors="replace") for path in pool.log_paths)
        if ready == count:
            return
        if any(process.poll() is not None for process in processes):
            raise RuntimeError(f"a Celery worker exited early:\n{pool.logs()}")
        time.sleep(0.5)
    raise TimeoutError(f"{count} Celery workers not ready after {timeout} s:\n{pool.logs()}")
