"""Shared test setup: every test gets its own data dir, DuckDB file and Dagster home; no telemetry."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.instance import write_instance_yaml
from orchestration.spapi.client import clear_token_cache

DBT_PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"


def pytest_configure(config):
    """dagster-dbt reads dbt's manifest when the definitions are imported: `make test` runs `dbt parse`
    first; a bare `pytest` on a fresh checkout gets it here.

    AHW_HISTORY_DAYS is 0 for tests unless a test sets it: a first run would otherwise extract 180 days
    of orders, feedback and returns before the few days a test compares with its world. The tests of
    the history itself set it (tests/e2e/test_metric_reconciliation.py, tests/e2e/test_cli_run.py runs
    `ahw` with a user's environment, tests/extraction/test_ingest.py passes it)."""
    os.environ.setdefault("AHW_HISTORY_DAYS", "0")
    if (DBT_PROJECT / "target" / "manifest.json").exists() or hasattr(config, "workerinput"):
        return
    env = {**os.environ, "AHW_DUCKDB_PATH": os.environ.get("AHW_DUCKDB_PATH", str(DBT_PROJECT / "parse.duckdb"))}
    subprocess.run(
        [sys.executable, "-c", "from dbt.cli.main import cli; cli()", "parse", "--quiet",
         "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT)],
        check=True, env=env,
    )  # fmt: skip


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path, monkeypatch):
    data = tmp_path / "data"
    home = tmp_path / "dagster_home"
    home.mkdir()
    # The project's own instance settings (telemetry off, one DuckDB writer at a time), as `ahw` writes them.
    write_instance_yaml(home)
    monkeypatch.setenv("AHW_DATA_DIR", str(data))
    monkeypatch.setenv("AHW_DUCKDB_PATH", str(data / "warehouse.duckdb"))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    # Never a developer's live accounts, real queue or real alert channels (Slack, e-mail) from a test.
    for name in ("AHW_ACCOUNTS_FILE", "AHW_SANDBOX_URL", "LWA_APP_ID", "LWA_CLIENT_SECRET", "AHW_PII_SALT",
                 "AHW_ALERT_URLS", "AHW_SQS_QUEUE_URL", "AHW_SQS_QUEUE_ARN", "AHW_AWS_ACCESS_KEY_ID",
                 "AHW_AWS_SECRET_ACCESS_KEY", "AHW_LANDING_KEY", "AHW_LANDING_RETENTION_DAYS"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    # python-amazon-sp-api caches access tokens process-wide, keyed by refresh token.
    clear_token_cache()
    yield
    clear_token_cache()


@pytest.fixture(scope="module")
def chromium():
    """Debian's chromium, headless, through Playwright (tests/browser.py); one per test module.

    Module scope keeps Playwright's event loop alive only while a module that needs a browser runs.
    """
    from playwright.sync_api import sync_playwright

    from tests.browser import launch_chromium

    with sync_playwright() as playwright:
        try:
            browser = launch_chromium(playwright)
        except RuntimeError as exc:
            pytest.fail(str(exc), pytrace=False)
        yield browser
        browser.close()


@pytest.fixture
def browser_context(chromium):
    """A fresh browser profile (no cache, no cookies) with a laptop-sized window."""
    from tests.browser import LAPTOP_VIEWPORT

    context = chromium.new_context(viewport=LAPTOP_VIEWPORT)
    yield context
    context.close()


@pytest.fixture(scope="session")
def old_duckdb_python(tmp_path_factory) -> Path:
    """The python of an environment with duckdb 1.1.3 (tests/old_duckdb.py), created once per session."""
    from tests.old_duckdb import create

    return create(tmp_path_factory.mktemp("duckdb_1_1_3") / "venv")
