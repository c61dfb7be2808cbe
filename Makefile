# Quick start: `make demo` runs the demo sync; `make dev` opens the UI; `make test` runs every test.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.data

.PHONY: setup demo plan explain test dev clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,celery]'
	touch $@

# The local instance (telemetry off, console at INFO) that the CLI also uses when DAGSTER_HOME is unset.
$(DAGSTER_HOME)/dagster.yaml: | setup
	$(BIN)/python -m employer_sync_pipeline.local_instance $(DAGSTER_HOME)

demo: setup $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/employer-sync demo
	@echo
	@echo "Next:"
	@echo "  make dev                      the UI at http://127.0.0.1:3000, with this run under Runs"
	@echo "  make plan                     what the next employer sync would change (nothing is written)"
	@echo "  make explain ID=1134          why employer 1134 failed (any JodGig employer id)"
	@echo "  source .venv/bin/activate     then employer-sync --help, dagster, dg work as typed"
	@echo "  docs/operating.md             running, backfills, the sync log, production"

plan: setup $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/employer-sync plan

explain: setup $(DAGSTER_HOME)/dagster.yaml
	@test -n "$(ID)" || { echo "usage: make explain ID=<JodGig users.id of an employer>"; exit 2; }
	$(BIN)/employer-sync explain --employer $(ID)

test: setup
	.ci/ensure-databases
	.ci/ensure-brokers
	@command -v chromium >/dev/null 2>&1 || echo "make test: no chromium on PATH, so the browser tests skip" \
	  "(listed at the end). Install it with: sudo apt-get install chromium"
	$(BIN)/pytest

# The schedules and the login sensor start stopped: no hourly runs against the demo (README Quick start).
# VIRTUAL_ENV: dg warns (twice) when the active virtual environment is not the project's.
dev: setup $(DAGSTER_HOME)/dagster.yaml
	SYNC_AUTOMATION=stopped VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/dg dev

clean:
	rm -rf $(VENV) .data
