"""Shared test setup: every test gets its own data dir, DuckDB file and Dagster home; no telemetry."""

from __future__ import annotations

import pytest

from orchestration.spapi.client import clear_token_cache


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path, monkeypatch):
    data = tmp_path / "data"
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("AHW_DATA_DIR", str(data))
    monkeypatch.setenv("AHW_DUCKDB_PATH", str(data / "warehouse.duckdb"))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    for name in ("AHW_ACCOUNTS_FILE", "AHW_SANDBOX_URL", "LWA_APP_ID", "LWA_CLIENT_SECRET", "AHW_PII_SALT"):
        monkeypatch.delenv(name, raising=False)
    # python-amazon-sp-api caches access tokens process-wide, keyed by refresh token.
    clear_token_cache()
    yield
    clear_token_cache()
