# The verbs CI also runs. Every target installs what it needs first, so a fresh machine with only
# Python 3.11 and make can run `make demo` and `make test` directly.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
UV_DIR := .tools
UV_BOOTSTRAP := $(CURDIR)/$(UV_DIR)/bin/uv
# uv from PATH when there is one, else a private copy installed with pip (the only bootstrap step).
UV := $(abspath $(or $(shell command -v uv 2>/dev/null),$(UV_BOOTSTRAP)))
export UV_COMPILE_BYTECODE := 1
# The Dagster instance is DAGSTER_HOME if set, else $AHW_DATA_DIR/dagster_home (`ahw` writes its
# dagster.yaml): `make dev`, `make demo` and `ahw run` record their runs in the same one.
RUN := $(UV) run --frozen

.PHONY: install demo dev test lint format sandbox dbt-parse clean browser

$(UV_BOOTSTRAP):
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (python3.11 or python3 on PATH)"; exit 1; }
	$(PYTHON) -m venv $(UV_DIR)
	$(UV_DIR)/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

.venv/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: .venv/.installed dbt-parse  ## install the locked environment and prepare dbt's manifest

dbt-parse: .venv/.installed
	AHW_DUCKDB_PATH=$${AHW_DUCKDB_PATH:-$(CURDIR)/data/warehouse.duckdb} \
	  $(RUN) dbt parse --quiet --project-dir dbt_project --profiles-dir dbt_project

demo: install  ## run the whole pipeline against the sandbox into ./data/warehouse.duckdb and print a summary
	$(RUN) ahw demo

dev: install  ## Dagster UI + daemon with a long-lived sandbox, its local SQS and the notification subscriptions
	$(RUN) ahw dev

sandbox: install  ## serve the SP-API sandbox standalone on :8787, with a local SQS for notifications
	$(RUN) ahw sandbox

test: install browser  ## every test
	$(RUN) pytest -n 2 --dist loadfile -q --durations=25

# The browser tests drive Debian's chromium through Playwright (never a browser download). CI runs
# `make test` as root on a clean Debian machine, so it installs the package; elsewhere it says how.
CHROMIUM := /usr/bin/chromium
browser:  ## Debian's chromium for the browser tests (installed with apt-get when running as root)
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	  else \
	    echo "The browser tests need Debian's chromium at $(CHROMIUM): run 'sudo apt-get install chromium'" \
	         "(or 'make browser' as root), then 'make test' again." >&2; exit 1; \
	  fi; }
	@test -x $(CHROMIUM) || { echo "apt-get did not install $(CHROMIUM)" >&2; exit 1; }

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) sqlfluff lint dbt_project/models

format: install
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

clean:
	rm -rf data dbt_project/target .pytest_cache

.PHONY: suites-list suites-run
suites-list: .venv/.installed  ## list the Great Expectations suites (and regenerate expectations/suites/*.json)
	$(RUN) python -m orchestration.quality write >/dev/null
	$(RUN) python -m orchestration.quality list

suites-run: .venv/.installed  ## run every suite on the warehouse: make suites-run START=2026-06-01 END=2026-06-30
	$(RUN) python -m orchestration.quality run $(if $(START),--start $(START)) $(if $(END),--end $(END)) $(SUITES)
