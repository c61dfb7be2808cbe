"""A real dagster-webserver + dagster-daemon, driven over GraphQL, for the end-to-end test.

Typical use::

    with dagster_stack(working_dir=PROJECT, workspace=PROJECT / "workspace.yaml", start_daemon=False) as stack:
        backfill_id = launch_job_backfill(stack, "employer_backfill_job", ["2026-03-10", "2026-03-11"])
        run_id = launch_run(stack, "employer_sync_job")
        stack.start_daemon()  # the backfill daemon's first tick sees the backfill (else wait ~30 s)
        assert wait_for_run(stack, run_id) == "SUCCESS"
        assert set(wait_for_backfill(stack, backfill_id).values()) == {"SUCCESS"}
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import requests

BIN_DIR = Path(sys.executable).parent
TERMINAL_RUN_STATUSES = {"SUCCESS", "FAILURE", "CANCELED"}
# 'QUEUED' is not listed on purpose: the daemon must dequeue queued runs.

# The shipped run queue limits, with SQLite storage and a quick dequeue for the test.
DAGSTER_YAML = """\
telemetry:
  enabled: false
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    dequeue_interval_seconds: 1
    tag_concurrency_limits:
      - key: "employer_sync_pipeline/sync"
        value: "employer"
        limit: 1
"""

# --------------------------------------------------------------------------- #
# GraphQL documents
# --------------------------------------------------------------------------- #

WORKSPACE_QUERY = """
query Workspace {
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on RepositoryLocation { name repositories { name } }
          ... on PythonError { message }
        }
      }
    }
    ... on PythonError { message }
  }
}
"""


LAUNCH_RUN_MUTATION = """
mutation LaunchRun($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on Error { message }
  }
}
"""

RUN_STATUS_QUERY = """
query RunStatus($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run { runId status tags { key value } }
    ... on Error { message }
  }
}
"""

LAUNCH_BACKFILL_MUTATION = """
mutation LaunchBackfill($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId launchedRunIds }
    ... on PartitionSetNotFoundError { message }
    ... on PartitionKeysNotFoundError { message partitionKeys }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on Error { message }
  }
}
"""

BACKFILL_QUERY = """
query Backfill($backfillId: String!) {
  partitionBackfillOrError(backfillId: $backfillId) {
    __typename
    ... on PartitionBackfill {
      id
      status
      partitionNames
      runs { runId status tags { key value } }
      partitionStatuses {
        results { partitionName runId runStatus }
      }
      error { message }
    }
    ... on Error { message }
  }
}
"""


ASSET_NODE_QUERY = """
query AssetNode($path: [String!]!) {
  assetNodeOrError(assetKey: {path: $path}) {
    __typename
    ... on AssetNode {
      assetKey { path }
      kinds
      isExecutable
      dependencyKeys { path }
      dependedByKeys { path }
    }
    ... on Error { message }
  }
}
"""

LATEST_MATERIALIZATION_QUERY = """
query LatestMaterialization($path: [String!]!) {
  assetOrError(assetKey: {path: $path}) {
    __typename
    ... on Asset {
      assetMaterializations(limit: 1) {
        runId
        partition
        timestamp
        metadataEntries {
          __typename
          label
          ... on IntMetadataEntry { intValue }
          ... on FloatMetadataEntry { floatValue }
          ... on TextMetadataEntry { text }
        }
      }
    }
    ... on AssetNotFoundError { message }
  }
}
"""

# --------------------------------------------------------------------------- #
# Process management
# --------------------------------------------------------------------------- #


@dataclasses.dataclass
class DagsterStack:
    """A running dagster-webserver (and optionally dagster-daemon) plus its temp DAGSTER_HOME."""

    url: str
    dagster_home: Path
    log_dir: Path
    location_name: str = ""
    repository_name: str = ""
    _env: dict[str, str] = dataclasses.field(default_factory=dict, repr=False)
    _cwd: Path = dataclasses.field(default=Path("."), repr=False)
    _target: list[str] = dataclasses.field(default_factory=list, repr=False)
    _exit: contextlib.ExitStack = dataclasses.field(default_factory=contextlib.ExitStack, repr=False)

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    def repository_selector(self) -> dict[str, str]:
        return {
            "repositoryLocationName": self.location_name,
            "repositoryName": self.repository_name,
        }

    def logs(self) -> str:
        """Concatenated subprocess logs (handy in assertion messages)."""
        return "\n".join(
            f"===== {p.name} =====\n{p.read_text(errors='replace')}"
            for p in sorted(self.log_dir.glob("*.log"))
        )

    def spawn(self, name: str, args: Sequence[str]) -> subprocess.Popen:
        """Start a subprocess logging to log_dir/<name>.log; it is stopped when the stack exits."""
        log = self._exit.enter_context(open(self.log_dir / f"{name}.log", "wb"))
        proc = _start(args, self._env, self._cwd, log)
        self._exit.callback(_stop, proc)  # LIFO: stopped before its log file is closed
        return proc

    def start_daemon(self) -> subprocess.Popen:
        """Start `dagster-daemon run` against the same code location and DAGSTER_HOME."""
        return self.spawn("daemon", [str(BIN_DIR / "dagster-daemon"), "run", *self._target])


def init_instance_storage(dagster_home: Path) -> None:
    """Create + alembic-stamp the SQLite DBs once, before any subprocess starts.

    Otherwise webserver, daemon and their code servers race to initialise a fresh
    DAGSTER_HOME and intermittently fail with
    "Version table 'alembic_version' has more than one head present".
    """
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(dagster_home)):
        pass


def free_port() -> int:
    """Ask the kernel for a free loopback port (small race window, fine for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _subprocess_env(dagster_home: Path) -> dict[str, str]:
    """Environment for the dagster subprocesses: isolated DAGSTER_HOME, no inherited CLI overrides."""
    env = {
        k: v
        for k, v in os.environ.items()
        # dagster-webserver reads DAGSTER_WEBSERVER_* as CLI defaults; don't inherit them.
        if not k.startswith(("DAGSTER_WEBSERVER_", "DAGSTER_DAEMON_"))
    }
    env["DAGSTER_HOME"] = str(dagster_home)
    # Stops the webserver/daemon "telemetry-upload" thread, which ignores dagster.yaml's
    # `telemetry: enabled: false` and would POST anything found in $DAGSTER_HOME/logs/.
    env["DAGSTER_DISABLE_TELEMETRY"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _start(args: Sequence[str], env: dict[str, str], cwd: Path, log: IO[bytes]) -> subprocess.Popen:
    """Start a process in its own session/process group so the whole tree can be killed."""
    return subprocess.Popen(
        list(args),
        env=env,
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # pgid == pid; children (code servers, run workers) inherit it
    )


def _stop(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """SIGTERM the process group, escalate to SIGKILL for anything left, then reap."""
    pgid = proc.pid  # thanks to start_new_session=True
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=timeout)
    # Kill stragglers (gRPC code servers, run workers) even if the leader already exited.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    proc.wait(timeout=timeout)


def graphql(
    stack_or_url: DagsterStack | str,
    query: str,
    variables: dict[str, Any] | None = None,
    timeout: float = 60.0,
) -> dict[str, Any]:
    """POST a GraphQL document; raise on transport or top-level GraphQL errors; return `data`."""
    url = stack_or_url.graphql_url if isinstance(stack_or_url, DagsterStack) else stack_or_url
    resp = requests.post(url, json={"query": query, "variables": variables or {}}, timeout=timeout)
    resp.raise_for_status()
    body = resp.json()
    if body.get("errors"):
        raise RuntimeError(f"GraphQL errors: {body['errors']}")
    return body["data"]


def wait_for_webserver(url: str, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    """Poll /server_info until it answers 200 (fails fast if the process died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dagster-webserver exited early with code {proc.returncode}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{url}/server_info", timeout=2).status_code == 200:
                return
        time.sleep(0.5)
    raise TimeoutError(f"dagster-webserver did not answer at {url} within {timeout}s")


def wait_for_location(url: str, timeout: float = 120.0) -> tuple[str, str]:
    """Wait until exactly one code location is LOADED; return (location_name, repository_name)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        ws = graphql(f"{url}/graphql", WORKSPACE_QUERY)["workspaceOrError"]
        last = ws
        entries = ws.get("locationEntries") or []
        if entries and all(e["loadStatus"] == "LOADED" for e in entries):
            (entry,) = entries
            loc = entry["locationOrLoadError"]
            if loc["__typename"] != "RepositoryLocation":
                raise RuntimeError(f"code location failed to load: {loc.get('message')}")
            (repo,) = loc["repositories"]
            return loc["name"], repo["name"]
        time.sleep(0.5)
    raise TimeoutError(f"code location not loaded within {timeout}s: {last}")



@contextlib.contextmanager
def dagster_stack(
    working_dir: Path,
    module: str | None = None,
    workspace: Path | None = None,
    dagster_yaml: str = DAGSTER_YAML,
    startup_timeout: float = 120.0,
    start_daemon: bool = True,
    webserver_args: Sequence[str] = (),
) -> Iterator[DagsterStack]:
    """Run dagster-webserver (+ dagster-daemon) with a throwaway DAGSTER_HOME.

    Load the code location with `-m module` (run from working_dir) or `-w workspace.yaml`.
    With start_daemon=False call `stack.start_daemon()` yourself later (see launch_job_backfill).
    webserver_args go to dagster-webserver as well (e.g. "--read-only").
    All processes are torn down (process-group kill) on exit, even on failure; on failure
    their logs are copied to stderr before the temp dir is deleted.
    """
    if (module is None) == (workspace is None):
        raise ValueError("pass exactly one of module= or workspace=")
    target = ["-m", module, "-d", str(working_dir)] if module else ["-w", str(workspace)]

    with tempfile.TemporaryDirectory(prefix="dagster_e2e_") as tmp:
        dagster_home = Path(tmp) / "home"
        dagster_home.mkdir()
        (dagster_home / "dagster.yaml").write_text(dagster_yaml)
        init_instance_storage(dagster_home)
        # NOT $DAGSTER_HOME/logs: dagster treats that dir as its telemetry log queue.
        log_dir = Path(tmp) / "logs"
        log_dir.mkdir()
        port = free_port()
        stack = DagsterStack(
            url=f"http://127.0.0.1:{port}",
            dagster_home=dagster_home,
            log_dir=log_dir,
            _env=_subprocess_env(dagster_home),
            _cwd=working_dir,
            _target=target,
        )
        with stack._exit:
            try:
                web = stack.spawn(
                    "webserver",
                    [str(BIN_DIR / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port), *webserver_args, *target],
                )
                if start_daemon:
                    stack.start_daemon()
                wait_for_webserver(stack.url, web, startup_timeout)
                stack.location_name, stack.repository_name = wait_for_location(
                    stack.url, startup_timeout
                )
                yield stack
            except BaseException:
                sys.stderr.write(stack.logs() + "\n")
                raise


# --------------------------------------------------------------------------- #
# Runs, backfills, assets
# --------------------------------------------------------------------------- #


def launch_run(stack: DagsterStack, job_name: str, run_config: dict[str, Any] | None = None) -> str:
    """Launch (enqueue) a job run via `launchRun`; return the run id."""
    params = {
        "selector": {**stack.repository_selector(), "jobName": job_name},
        "runConfigData": run_config or {},
    }
    res = graphql(stack, LAUNCH_RUN_MUTATION, {"executionParams": params})["launchRun"]
    if res["__typename"] != "LaunchRunSuccess":
        raise RuntimeError(f"launchRun failed: {res}")
    return res["run"]["runId"]


def wait_for_run(stack: DagsterStack, run_id: str, timeout: float = 180.0) -> str:
    """Poll `runOrError` until the run reaches a terminal status; return it."""
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        res = graphql(stack, RUN_STATUS_QUERY, {"runId": run_id})["runOrError"]
        if res["__typename"] != "Run":
            raise RuntimeError(f"runOrError: {res}")
        status = res["status"]
        if status in TERMINAL_RUN_STATUSES:
            return status
        time.sleep(1)
    raise TimeoutError(f"run {run_id} still {status} after {timeout}s")


def launch_job_backfill(
    stack: DagsterStack,
    job_name: str,
    partition_names: Sequence[str],
    run_config: dict[str, Any] | None = None,
) -> str:
    """Launch a job (partition-set) backfill via `launchPartitionBackfill`; return the backfill id.

    The partition set of an op job is named "<job_name>_partition_set". The BackfillDaemon
    turns the backfill into runs on its next tick (hard-coded 30 s loop, first tick at daemon
    start), then the QueuedRunCoordinator daemon dequeues them. Launching before
    `stack.start_daemon()` avoids waiting ~30 s for the second tick.
    """
    params: dict[str, Any] = {
        "selector": {
            "partitionSetName": f"{job_name}_partition_set",
            "repositorySelector": stack.repository_selector(),
        },
        "partitionNames": list(partition_names),
    }
    if run_config is not None:
        params["runConfigData"] = run_config
    res = graphql(stack, LAUNCH_BACKFILL_MUTATION, {"backfillParams": params})
    res = res["launchPartitionBackfill"]
    if res["__typename"] != "LaunchBackfillSuccess":
        raise RuntimeError(f"launchPartitionBackfill failed: {res}")
    return res["backfillId"]


def get_backfill(stack: DagsterStack, backfill_id: str) -> dict[str, Any]:
    """The PartitionBackfill object (status, partitionStatuses, runs, error)."""
    res = graphql(stack, BACKFILL_QUERY, {"backfillId": backfill_id})["partitionBackfillOrError"]
    if res["__typename"] != "PartitionBackfill":
        raise RuntimeError(f"partitionBackfillOrError: {res}")
    return res


def wait_for_backfill(
    stack: DagsterStack, backfill_id: str, timeout: float = 300.0
) -> dict[str, str]:
    """Wait until every partition of the backfill has a run in a terminal status.

    Returns {partition_name: run_status}.
    """
    deadline = time.monotonic() + timeout
    statuses: dict[str, str | None] = {}
    while time.monotonic() < deadline:
        bf = get_backfill(stack, backfill_id)
        if bf["error"]:
            raise RuntimeError(f"backfill {backfill_id} errored: {bf['error']['message']}")
        results = bf["partitionStatuses"]["results"]
        statuses = {r["partitionName"]: r["runStatus"] for r in results}
        if set(statuses) >= set(bf["partitionNames"]) and all(
            s in TERMINAL_RUN_STATUSES for s in statuses.values()
        ):
            return statuses  # type: ignore[return-value]
        time.sleep(1)
    raise TimeoutError(f"backfill {backfill_id} not finished after {timeout}s: {statuses}")



def asset_dependency_keys(stack: DagsterStack, path: Sequence[str]) -> list[list[str]]:
    """Upstream asset keys (as path lists) of an asset node in the asset graph."""
    res = graphql(stack, ASSET_NODE_QUERY, {"path": list(path)})["assetNodeOrError"]
    if res["__typename"] != "AssetNode":
        raise RuntimeError(f"assetNodeOrError: {res}")
    return [k["path"] for k in res["dependencyKeys"]]


def latest_materialization(stack: DagsterStack, path: Sequence[str]) -> dict[str, Any] | None:
    """Latest materialization of an asset: {'partition', 'runId', 'metadata': {label: value}}."""
    res = graphql(stack, LATEST_MATERIALIZATION_QUERY, {"path": list(path)})["assetOrError"]
    if res["__typename"] != "Asset":
        raise RuntimeError(f"assetOrError: {res}")
    mats = res["assetMaterializations"]
    if not mats:
        return None
    (mat,) = mats
    metadata = {}
    for entry in mat["metadataEntries"]:
        for field in ("intValue", "floatValue", "text"):
            if field in entry:
                metadata[entry["label"]] = entry[field]
                break
    return {"partition": mat["partition"], "runId": mat["runId"], "metadata": metadata}


RUN_LOGS_QUERY = """
query RunLogs($runId: ID!) {
  logsForRun(runId: $runId) {
    __typename
    ... on EventConnection { events { __typename ... on MessageEvent { message } } }
    ... on Error { message }
  }
}
"""


def run_event_messages(stack: DagsterStack, run_id: str) -> list[str]:
    """Every event message of a run, as the run's log in the UI shows it."""
    res = graphql(stack, RUN_LOGS_QUERY, {"runId": run_id})["logsForRun"]
    if res["__typename"] != "EventConnection":
        raise RuntimeError(f"logsForRun: {res}")
    return [event.get("message") or "" for event in res["events"]]


def run_failure_message(stack: DagsterStack, run_id: str) -> str:
    """The messages of a run's failure and cancellation events, joined."""
    return "\n".join(m for m in run_event_messages(stack, run_id) if "runtime" in m or "fail" in m.lower())
