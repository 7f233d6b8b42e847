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

.PHONY: install install-spark run test test-spark lint unit bench docs dagster clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The stamp is rebuilt when the dependency files change.
$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install -q -c requirements.lock -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

$(VENV)/.installed-spark: $(VENV)/.installed
	$(BIN)/pip install -q -c requirements.lock -e ".[dev,spark]"
	@touch $@

install-spark: $(VENV)/.installed-spark

run: install
	$(BIN)/crmwh generate --persons $(PERSONS) --enterprises $(ENTERPRISES) --days $(DAYS) \
	    --start $(START) --seed $(SEED)
	$(BIN)/crmwh run --start $(START) --days $(DAYS)
	$(BIN)/crmwh status
	@echo
	@echo "Data directory: $(CRM_DATA_DIR)"
	@echo "  landing batches:  $(CRM_DATA_DIR)/landing/<system>/<YYYYMMDD>/"
	@echo "  ground truth:     $(CRM_DATA_DIR)/truth/ (tests and benchmarks only)"
	@echo "  lake:             $(CRM_DATA_DIR)/lake/{raw,quarantine,control}/"
	@echo "  warehouse:        $(CRM_DATA_DIR)/warehouse/crm.duckdb (restricted)"
	@echo "  quality:          $(CRM_DATA_DIR)/quality/data_docs/index.html, quality/reconciliation/"
	@echo "  published:        $(CRM_DATA_DIR)/serving/crm.duckdb, serving/branches/<code>.duckdb"
	@echo "  try:              $(BIN)/crmwh branches; $(BIN)/crmwh query --branch <CODE> 'select ...'"
	@echo "  Dagster UI:       make dagster   (then http://127.0.0.1:3000)"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint models macros tests/dbt --disable-progress-bar --processes 2

# Every test but the Spark ones, the benchmark's small mode included (so it cannot rot), on
# PYTEST_WORKERS processes (pytest-xdist), one test file per process: a file's fixtures (a
# simulated bank built once per module) are then built once. Two workers: 542 s against 722 s
# for one on this 2-core machine. PYTEST_WORKERS=0 runs them in this process.
PYTEST_WORKERS ?= 2
unit: install
	$(BIN)/pytest -m "not spark" -n $(PYTEST_WORKERS) --dist loadfile

# The dbt project on Spark (dbt-spark session mode), compared mart by mart with DuckDB, and
# the gates and publish steps on Spark's tables, all from one shared Spark build of a small bank
# (tests/spark/conftest.py). SPARK_TESTS narrows it locally.
SPARK_TESTS ?=
test-spark: install-spark
	$(BIN)/pytest -m spark $(SPARK_TESTS)

# Lint beside the tests rather than before them: sqlfluff alone takes 113 s (223 CPU-s) here,
# and CI (this beside make test-spark) kept the two cores only 68 % busy: 1,456 CPU-s in 1,063 s.
test: install
	$(MAKE) --no-print-directory -j2 lint unit

# One table over every stage (bench/README.md); SMALL=1 for the quick version.
bench: install
	$(BIN)/python bench/pipeline.py $(if $(SMALL),--small,)

docs: install
	cd $(CURDIR) && $(BIN)/dbt docs generate --vars '{}'
	@echo "dbt docs: open $(CURDIR)/target/index.html, or: $(BIN)/dbt docs serve --port 8080"

dagster: install
	DAGSTER_HOME=$(CRM_DATA_DIR)/dagster $(BIN)/dagster dev -m orchestration.definitions

clean:
	rm -rf $(CRM_DATA_DIR) target logs
