"""The docs' commands run as written, against a fresh demo, so the docs cannot rot (docs/tests.md).

Fenced blocks say what they are in their info string:

- ``bash runnable``: run here, in order, each with bash from the root of a fresh copy of the project
  (its own ``.data``, no ``DAGSTER_HOME``, the virtual environment active), after ``make demo``;
  each must exit 0. ``python runnable`` blocks run the same way, in the project's Python.
- ``bash manual``: for another machine or a server (production, a database server, a long benchmark);
  never run here.
- ``sql runnable-sqlite`` / ``sql runnable-postgres``: run against the demo's platform, embedded
  SQLite or a fresh PostgreSQL database the demo synced into.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

PROJECT = Path(__file__).resolve().parents[1]
PAGES = sorted([PROJECT / "README.md", *(PROJECT / "docs").glob("*.md"), PROJECT / "benchmarks" / "README.md"])
FENCE = re.compile(r"^[ \t]*```([^\n`]*)\n(.*?)^[ \t]*```[ \t]*$", re.MULTILINE | re.DOTALL)
SHELLS = {"bash", "sh", "shell", "console"}
# What a fresh clone has at its root that the commands use; the rest of the copy is the demo's own.
PROJECT_FILES = ("Makefile", "workspace.yaml", "deploy", "run_config", "employer_sync_pipeline")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} +(.+?) *$", re.MULTILINE)
SETTINGS = ("DAGSTER_HOME", "VIRTUAL_ENV", "JODGIG_DATABASE_URL", "PLATFORM_DATABASE_URL", "JODGIG_TIMEZONE",
            "JODGIG_OBSOLETE_COMPANY_IDS", "SENTRY_DSN", "SYNC_AUTOMATION")


def blocks(page: Path, marker: str) -> list[str]:
    return [body for info, body in FENCE.findall(page.read_text()) if marker in info.split()[1:]]


def runnable_scripts(page: Path) -> list[str]:
    """The page's runnable blocks as bash scripts: a Python block runs in the project's Python."""
    return [body if info.split()[0] in SHELLS else f"python - <<'PYTHON'\n{textwrap.dedent(body)}PYTHON\n"
            for info, body in FENCE.findall(page.read_text()) if "runnable" in info.split()[1:]]


def shell_blocks_without_a_marker() -> list[str]:
    return [f"{page.relative_to(PROJECT)}: {body.splitlines()[0] if body else ''}"
            for page in PAGES for info, body in FENCE.findall(page.read_text())
            if info.split()[:1] and info.split()[0] in SHELLS and not {"runnable", "manual"} & set(info.split())]


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    text = FENCE.sub("", page.read_text())
    return {re.sub(r"[^\w\- ]", "", heading.replace("`", "").lower()).replace(" ", "-")
            for heading in HEADING.findall(text)}


def broken_links() -> list[str]:
    broken = []
    for page in PAGES:
        for target in LINK.findall(FENCE.sub("", page.read_text())):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists() or (anchor and linked.suffix == ".md" and anchor not in anchors(linked)):
                broken.append(f"{page.relative_to(PROJECT)}: {target}")
    return broken


@pytest.fixture
def fresh_clone(tmp_path) -> Path:
    """The project root as a fresh clone has it after `make setup`: this virtual environment, no .data."""
    venv = Path(sys.prefix)
    if not (venv / ".installed").exists():
        pytest.fail(f"{venv} was not made by `make setup`: run the tests with make test or .venv/bin/pytest")
    root = tmp_path / "project"
    root.mkdir()
    for name in PROJECT_FILES:
        (root / name).symlink_to(PROJECT / name)
    (root / ".venv").symlink_to(venv)
    shutil.copy(PROJECT / "pyproject.toml", root / "pyproject.toml")
    os.utime(root / "pyproject.toml", (0, 0))  # older than .venv/.installed: make does not reinstall
    return root


def bash(root: Path, script: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    clean = {name: value for name, value in os.environ.items() if name not in SETTINGS}
    return subprocess.run(["bash", "-eo", "pipefail", "-c", f"source .venv/bin/activate\n{script}"], cwd=root,
                          env={**clean, **(env or {})}, capture_output=True, text=True, timeout=600)


def test_every_shell_block_says_whether_it_runs_against_the_demo():
    assert shell_blocks_without_a_marker() == [], "mark each ```bash block `runnable` or `manual`"
    runnable = {page.relative_to(PROJECT).as_posix() for page in PAGES if blocks(page, "runnable")}
    assert {"README.md", "docs/operating.md", "docs/plan-and-explain.md"} <= runnable


def test_every_link_between_the_pages_resolves():
    assert broken_links() == []


@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p, "runnable")], ids=lambda p: p.name)
def test_the_pages_commands_run_against_a_fresh_demo(fresh_clone, page):
    demo = bash(fresh_clone, "make demo")
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-3000:]
    assert "Next:" in demo.stdout and "make plan" in demo.stdout, "make demo ends with the next steps"

    for script in runnable_scripts(page):
        done = bash(fresh_clone, script)
        assert done.returncode == 0, f"{page.name}:\n{script}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"


def test_the_sync_log_queries_run_on_the_embedded_platform(fresh_clone):
    queries = blocks(PROJECT / "docs" / "operating.md", "runnable-sqlite")
    assert bash(fresh_clone, "make demo").returncode == 0

    with sqlite3.connect(fresh_clone / ".data" / "platform.sqlite") as conn:
        results = [conn.execute(query).fetchall() for query in queries]

    assert len(results) == 2 and all(results), "each query finds the demo's run and its failed records"
    assert len(results[1]) == 5


def test_the_sync_log_queries_run_on_postgresql(fresh_clone, platform_db):
    queries = blocks(PROJECT / "docs" / "operating.md", "runnable-postgres")
    demo = bash(fresh_clone, "employer-sync demo", env={"PLATFORM_DATABASE_URL": platform_db.url})
    assert demo.returncode == 0, demo.stderr[-3000:]

    with platform_db.engine.connect() as conn:
        results = [conn.execute(sa.text(query)).fetchall() for query in queries]

    assert len(results) == 2 and all(results), "each query finds the demo's run and its failed records"
    assert len(results[1]) == 5
