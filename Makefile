# Quick start: `make demo` runs the demo sync; `make dev` opens the UI; `make test` runs every test.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.data

.PHONY: setup demo test dev clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,celery]'
	touch $@

# A local instance: default SQLite storage in DAGSTER_HOME, telemetry off.
$(DAGSTER_HOME)/dagster.yaml:
	mkdir -p $(DAGSTER_HOME)
	printf 'telemetry:\n  enabled: false\n' > $@

demo: setup $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/employer-sync demo

test: setup
	.ci/ensure-databases
	.ci/ensure-brokers
	$(BIN)/pytest

# The schedules and the login sensor start stopped: no hourly runs against the demo (README Quick start).
dev: setup $(DAGSTER_HOME)/dagster.yaml
	SYNC_AUTOMATION=stopped $(BIN)/dg dev

clean:
	rm -rf $(VENV) .data
