# The verbs CI also runs. Every target installs what it needs first, so a fresh machine with only
# Python 3.11 and make can run `make demo` and `make test` directly.
SHELL := /bin/bash
PYTHON ?= python3.11
UV_DIR := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(UV_DIR)/bin/uv)
export UV_COMPILE_BYTECODE := 1
export DAGSTER_HOME ?= $(CURDIR)/dagster_home
RUN := $(UV) run --frozen

.PHONY: install demo dev test lint format sandbox dbt-parse clean

$(UV_DIR)/bin/uv:
	@command -v uv >/dev/null 2>&1 || { command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON)"; exit 1; }; \
	  $(PYTHON) -m venv $(UV_DIR) && $(UV_DIR)/bin/pip install --quiet --disable-pip-version-check uv==0.13.8; }

.venv/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: .venv/.installed dbt-parse  ## install the locked environment and prepare dbt's manifest

dbt-parse: .venv/.installed
	@if [ -f dbt_project/dbt_project.yml ]; then cd dbt_project && AHW_DUCKDB_PATH=$${AHW_DUCKDB_PATH:-$(CURDIR)/data/warehouse.duckdb} \
	  ../$(RUN) dbt parse --quiet --profiles-dir . ; fi

demo: install  ## run the whole pipeline against the sandbox into ./data/warehouse.duckdb and print a summary
	$(RUN) ahw demo

dev: install  ## Dagster UI against the embedded sandbox
	$(RUN) dagster dev -w workspace.yaml

sandbox: install  ## serve the SP-API sandbox standalone on :8787
	$(RUN) ahw sandbox

test: install  ## every test
	$(RUN) pytest -n 2 --dist loadfile -q

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) sqlfluff lint dbt_project/models

format: install
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

clean:
	rm -rf data dbt_project/target .pytest_cache
