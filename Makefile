# Two commands set everything up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
export CRM_DATA_DIR ?= $(CURDIR)/data
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := true
export DBT_PROFILES_DIR := $(CURDIR)

# The pseudonymisation secret comes from the environment. A bank sets CRM_PSEUDONYM_KEY from
# its vault; on a fresh machine one is generated once into the (git-ignored) data directory.
KEY_FILE := $(CRM_DATA_DIR)/.pseudonym_key
ifndef CRM_PSEUDONYM_KEY
export CRM_PSEUDONYM_KEY := $(shell mkdir -p "$(CRM_DATA_DIR)" && { test -s "$(KEY_FILE)" || \
    python3 -c 'import secrets; print(secrets.token_hex(32))' > "$(KEY_FILE)"; } && cat "$(KEY_FILE)")
endif

# Size of the bank `make run` simulates.
PERSONS ?= 20000
ENTERPRISES ?= 2000
DAYS ?= 5
START ?= 2026-11-01
SEED ?= 20261101

.PHONY: install run test lint unit bench clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The stamp is rebuilt when the dependency files change.
$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install -q -c requirements.lock -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/crmwh generate --persons $(PERSONS) --enterprises $(ENTERPRISES) --days $(DAYS) \
	    --start $(START) --seed $(SEED)
	@if $(BIN)/crmwh run --help >/dev/null 2>&1; then \
	    $(BIN)/crmwh run --start $(START) --days $(DAYS) && $(BIN)/crmwh status; fi
	@echo
	@echo "Data directory: $(CRM_DATA_DIR)"
	@echo "  landing batches: $(CRM_DATA_DIR)/landing/<system>/<YYYYMMDD>/"
	@echo "  ground truth:    $(CRM_DATA_DIR)/truth/ (tests and benchmarks only)"
	@echo "  lake:            $(CRM_DATA_DIR)/lake/{raw,quarantine,control}/"
	@echo "  Dagster UI:      DAGSTER_HOME=$(CRM_DATA_DIR)/dagster $(BIN)/dagster dev"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint models macros tests/dbt --disable-progress-bar

unit: install
	$(BIN)/pytest

test: lint unit

bench: install
	$(BIN)/python bench/simulate.py $(if $(SMALL),--small,)

clean:
	rm -rf $(CRM_DATA_DIR) target logs
