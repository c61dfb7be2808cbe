"""Debian's headless Chromium, driven by playwright, on a running dagster-webserver.

No `playwright install`: the browser is the system's `chromium` (apt package), given to
playwright as its executable. Without it, or without playwright, the test skips, except in CI.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
VIEWPORT = {"width": 1600, "height": 1000}
#: How long the UI may take to show what a test waits for (it loads data after the page).
UI_TIMEOUT_MS = 30_000


def chromium_executable() -> str:
    """The system Chromium; a skip without it or playwright, a failure in CI."""
    missing = []
    if importlib.util.find_spec("playwright") is None:
        missing.append("the playwright package (pip install -e '.[test]')")
    executable = shutil.which("chromium")
    if executable is None:
        missing.append("Chromium (apt-get install chromium)")
    if missing:
        message = f"the browser test needs {' and '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return executable


@dataclasses.dataclass
class UiSession:
    """One browser page on the webserver at ``url``, saving screenshots into ``artifacts``."""

    page: Page
    url: str
    artifacts: Path

    def open(self, path: str) -> Page:
        self.page.goto(self.url + path)
        return self.page

    def screenshot(self, name: str) -> Path:
        path = self.artifacts / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@contextmanager
def ui_session(url: str, artifacts: Path) -> Iterator[UiSession]:
    """A headless Chromium page on ``url``; closed on exit, even on failure."""
    executable = chromium_executable()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=UI_TIMEOUT_MS)
    artifacts.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(UI_TIMEOUT_MS)
            yield UiSession(page, url, artifacts)
        finally:
            browser.close()
