"""The local Dagster instance that ``make demo``, ``make dev`` and the CLI share: ``./.data``.

``DAGSTER_HOME`` names the instance when it is set. When it is not, the CLI uses ``.data`` in the
current folder, the folder the embedded demo databases live in (``settings.py``), so a CLI run
shows in the UI of ``make dev``. ``python -m employer_sync_pipeline.local_instance DIR`` writes
the instance's ``dagster.yaml``; the Makefile calls it.
"""

import os
import sys
from collections.abc import MutableMapping
from pathlib import Path

# Telemetry off; a run's console output at INFO, not Dagster's ~100 DEBUG lines per run.
LOCAL_DAGSTER_YAML = """\
telemetry:
  enabled: false
python_logs:
  python_log_level: INFO
"""


def ensure_local_instance(directory: Path) -> Path:
    """Create ``directory`` and its ``dagster.yaml`` if missing; an existing one is left as it is."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "dagster.yaml"
    if not config.exists():
        config.write_text(LOCAL_DAGSTER_YAML)
    return directory


def default_dagster_home(environ: MutableMapping[str, str] = os.environ) -> Path:
    """``DAGSTER_HOME``; when unset, set it to ``./.data``, made ready as ``make demo`` makes it."""
    if environ.get("DAGSTER_HOME"):
        return Path(environ["DAGSTER_HOME"])
    home = ensure_local_instance(Path.cwd() / ".data")
    environ["DAGSTER_HOME"] = str(home)
    return home


if __name__ == "__main__":
    ensure_local_instance(Path(sys.argv[1]))
