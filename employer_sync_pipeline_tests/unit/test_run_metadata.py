"""The small tables a run's metadata and the demo's summary print, and what their process imports."""

import subprocess
import sys

from employer_sync_pipeline.orchestration.run_metadata import markdown_table, scope_counts_table


def test_a_markdown_table_aligns_names_left_and_counts_right():
    assert markdown_table(("table", "rows"), [("identities_users", 7), ("org_outlets", 12345)]).splitlines() == [
        "| table            |  rows |",
        "|:-----------------|------:|",
        "| identities_users |     7 |",
        "| org_outlets      | 12345 |",
    ]


def test_scope_counts_are_labelled_in_the_order_of_the_sets():
    table = scope_counts_table({"A": 3, "G": 0}, {"A": "A: owner"})
    assert table.splitlines()[2:] == ["| A: owner |     3 |", "| G        |     0 |"]


def test_a_run_s_process_does_not_import_pandas():
    """pandas (numpy with it) added about 80 MiB to every run's process, for two small tables."""
    load = "import sys, employer_sync_pipeline.definitions as d; d.defs.get_job_def('employer_sync_job'); " \
           "print(sorted(m for m in ('pandas', 'numpy', 'tabulate') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", load], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
