"""The Dagster UI in a real browser after `employer-sync demo`: what an operator sees.

The demo (embedded SQLite databases, 5 failed records) runs into the webserver's DAGSTER_HOME,
then headless Chromium checks the job's Runs tab, the asset page of platform/identities_users and
the lineage. Screenshots go to test-artifacts/ui/ (docs/tests.md).
"""

import dataclasses
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..support.browser import UiSession, chromium_executable, ui_session
from ..support.dagster_stack import DagsterStack, dagster_stack, graphql

PROJECT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT / "test-artifacts" / "ui"
BIN = Path(sys.executable).parent
_SETTINGS = ("JODGIG_DATABASE_URL", "PLATFORM_DATABASE_URL", "JODGIG_TIMEZONE", "JODGIG_OBSOLETE_COMPANY_IDS",
             "SENTRY_DSN")

# What the UI's Overview timeline reads: runs by job, placed by their repository origin.
RUNS_OF_JOB = """
query RunsOfJob($filter: RunsFilter!) {
  runsOrError(filter: $filter) {
    ... on Runs { results { runId repositoryOrigin { repositoryName repositoryLocationName } } }
  }
}
"""


@dataclasses.dataclass
class DemoInTheUi:
    """The browser, the webserver it shows, and the demo's run."""

    browser: UiSession
    stack: DagsterStack
    run_id: str

    def open_job(self, job_name: str, tab_and_query: str):
        return self.browser.open(f"/locations/{self.stack.location_name}/jobs/{job_name}/{tab_and_query}")

    def run_row(self, run_id: str | None = None):
        """A run's row (the demo's by default) in a runs list: the nearest block around its link that holds its tags."""
        link = self.browser.page.get_by_role("link", name=f"run {(run_id or self.run_id)[:8]}")
        return link.locator("xpath=ancestor::*[.//button[starts-with(normalize-space(.), 'View all tags')]][1]")


def run_demo(stack: DagsterStack) -> str:
    """`employer-sync demo` on the embedded databases in the webserver's DAGSTER_HOME; its run id."""
    done = employer_sync(stack, "demo")
    assert "5 failed" in done.stdout
    return re.search(r"run ([0-9a-f-]{36})", done.stdout).group(1)


def employer_sync(stack: DagsterStack, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in _SETTINGS}
    done = subprocess.run([str(BIN / "employer-sync"), *args], env={**env, "DAGSTER_HOME": str(stack.dagster_home)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoInTheUi]:
    chromium_executable()  # skip (or fail, in CI) before starting anything
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    with dagster_stack(working_dir=PROJECT, workspace=PROJECT / "workspace.yaml", start_daemon=False) as stack:
        run_id = run_demo(stack)
        graphql(stack, "mutation { setNuxSeen }")  # else the community dialog covers the first page
        with ui_session(stack.url, ARTIFACTS) as browser:
            yield DemoInTheUi(browser, stack, run_id)


@pytest.mark.e2e
def test_the_demo_run_is_in_its_jobs_runs_tab_and_on_the_timeline(demo):
    from playwright.sync_api import expect

    demo.open_job("employer_sync_job", "runs")
    expect(demo.run_row()).to_be_visible()
    demo.browser.screenshot("1_employer_sync_job_runs_tab")

    runs = graphql(demo.stack, RUNS_OF_JOB, {"filter": {"pipelineName": "employer_sync_job"}})
    origin = {"repositoryName": demo.stack.repository_name, "repositoryLocationName": demo.stack.location_name}
    assert runs["runsOrError"]["results"] == [{"runId": demo.run_id, "repositoryOrigin": origin}]
    page = demo.browser.open("/overview/activity/timeline")
    expect(page.get_by_role("link", name="employer_sync_job")).to_be_visible()
    demo.browser.screenshot("1_overview_timeline")


@pytest.mark.e2e
def test_the_runs_tab_shows_and_filters_on_the_failed_records_tag(demo):
    from playwright.sync_api import expect

    page = demo.open_job("employer_sync_job", "runs?q[]=tag:sync/records_failed=5")
    expect(page.get_by_text("sync/records_failed=5")).to_be_visible()  # the filter, as an operator sets it
    expect(page.get_by_text("Created at")).to_be_visible()
    demo.browser.screenshot("1_runs_filtered_by_sync_records_failed")
    row = demo.run_row()
    expect(row).to_contain_text("sync/records_failed: 5")
    expect(row).to_contain_text("sync/is_successful: false")


@pytest.mark.e2e
def test_the_asset_page_shows_the_failed_reconciliation_check_and_the_plots(demo):
    from playwright.sync_api import expect

    page = demo.browser.open("/assets/platform/identities_users")
    page.get_by_text("Plots", exact=True).click()
    expect(page.get_by_text("employer/full_refresh/records_failed", exact=True)).to_be_visible()
    demo.browser.screenshot("2_identities_users_overview_plots")

    page = demo.browser.open("/assets/platform/identities_users?view=checks")
    expect(page.get_by_text("Evaluation result")).to_be_visible()
    demo.browser.screenshot("2_identities_users_checks")
    expect(page.locator("body")).to_contain_text(re.compile(r"employer_reconciliation\s*Failed"))


@pytest.mark.e2e
def test_the_lineage_shows_jodgig_upstream_of_platform(demo):
    from playwright.sync_api import expect

    page = demo.browser.open("/")
    page.get_by_role("navigation").get_by_role("link", name=re.compile(r"\bLineage$")).click()
    jodgig, platform = page.locator('[data-tooltip="jodgig"]').first, page.locator('[data-tooltip="platform"]').first
    expect(jodgig).to_be_visible()
    expect(platform).to_be_visible()
    demo.browser.screenshot("3_lineage")
    assert jodgig.bounding_box()["x"] < platform.bounding_box()["x"], "the graph runs left to right, upstream first"

    page = demo.browser.open("/assets/platform/identities_users?view=lineage&lineageScope=upstream")
    source, target = page.locator('[data-tooltip="users"]'), page.locator('[data-tooltip="identities_users"]')
    expect(source).to_be_visible()
    expect(target).to_be_visible()
    demo.browser.screenshot("3_upstream_of_identities_users")
    assert source.bounding_box()["x"] < target.bounding_box()["x"]
    expect(page.locator('[data-tooltip="org_memberships"]')).to_have_count(0)  # downstream: not in this view


@pytest.mark.e2e
def test_a_plan_reads_as_a_plan_in_the_runs_list_and_on_its_run_page(demo):
    """Last in this module: it adds a plan run to the demo's instance."""
    from playwright.sync_api import expect

    planned = employer_sync(demo.stack, "plan")
    plan_id = re.search(r"run ([0-9a-f-]{36})", planned.stdout).group(1)

    demo.browser.open("/runs")
    row = demo.run_row(plan_id)
    expect(row).to_contain_text("sync/dry_run: true")
    expect(row).to_contain_text("sync/plan: incremental: no change")  # retrying the demo's five failed records
    demo.browser.screenshot("4_runs_list_with_a_plan")
    page = demo.browser.open(f"/runs/{plan_id}")
    changes = page.get_by_role("row").filter(has_text=re.compile(r"^\s*changes\s*no change: no platform row would change"))
    expect(changes).to_be_visible()  # the first entry of write_sync_log's output, without "View full message"
    expect(page.get_by_role("row").filter(has_text=re.compile(r"^\s*mode\s*incremental"))).to_be_visible()
    demo.browser.screenshot("4_plan_run_page")
