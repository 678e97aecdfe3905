"""The fault matrix's tiny world: one account (cobalt-gadgets: US and MX), two days, a small volume,
served by one sandbox over real HTTP for the whole folder; each test injects its own faults.

The pipeline reaches the sandbox through AHW_SANDBOX_URL, so in-process runs (``run_job``) and
``ahw`` child processes talk to the same server and the tests reconcile against the same world.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from orchestration.config import DEFAULT_SANDBOX_SEED
from orchestration.instance import write_instance_yaml
from orchestration.sandbox import SandboxServer, World, WorldConfig
from orchestration.sandbox.accounts import ACCOUNTS

END = date(2026, 6, 30)
DAY = date(2026, 6, 29)
SCALE = 0.05
SPEED = 3600.0
ACCOUNT = next(a for a in ACCOUNTS if a.name == "cobalt-gadgets")


def fault_world() -> World:
    return World(WorldConfig(seed=DEFAULT_SANDBOX_SEED, end_date=END, volume_scale=SCALE), accounts=(ACCOUNT,))


@pytest.fixture(scope="session")
def world() -> World:
    return fault_world()


@pytest.fixture(scope="session")
def sandbox(world):
    # Amazon's lifetimes (1 h tokens, 30 s URLs) at the sandbox's pace.
    server = SandboxServer(world, speed=SPEED, token_ttl_seconds=3600 * SPEED, url_ttl_seconds=30 * SPEED)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, sandbox):
    """A data folder, DuckDB file and Dagster home shared by a module's runs (set per test below)."""
    root = tmp_path_factory.mktemp("faults")
    home = root / "dagster_home"
    home.mkdir()
    write_instance_yaml(home)  # the project's instance settings, as `ahw` writes them
    return {
        "AHW_DATA_DIR": str(root / "data"),
        "AHW_DUCKDB_PATH": str(root / "data" / "warehouse.duckdb"),
        "AHW_SANDBOX_URL": sandbox.url,
        "DAGSTER_HOME": str(home),
        # The matrix compares the runs' own days with the world; a first run's 180 days of history would
        # only make every run slower (tests/e2e/test_metric_reconciliation.py covers the history).
        "AHW_HISTORY_DAYS": "0",
    }


@pytest.fixture
def env(warehouse, sandbox, monkeypatch):
    """The module's warehouse for this test, and a sandbox with no fault left over."""
    sandbox.faults.clear()
    for key, value in warehouse.items():
        monkeypatch.setenv(key, value)
    Path(os.environ["AHW_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    yield warehouse
    sandbox.faults.clear()
