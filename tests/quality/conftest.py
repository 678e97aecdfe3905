"""A sandbox served over real HTTP for the quality gates, reachable by the Dagster resources through
AHW_SANDBOX_URL, so each test can inject faults into the documents the pipeline extracts."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from orchestration.config import DEFAULT_SANDBOX_SEED
from orchestration.sandbox import SandboxServer, World, WorldConfig

END = date(2026, 6, 30)
SCALE = 0.05
SPEED = 3600.0


@pytest.fixture(scope="module")
def world() -> World:
    return World(WorldConfig(seed=DEFAULT_SANDBOX_SEED, end_date=END, volume_scale=SCALE))


@pytest.fixture(scope="module")
def sandbox(world):
    server = SandboxServer(world, speed=SPEED, token_ttl_seconds=3600 * SPEED, url_ttl_seconds=30 * SPEED)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server(sandbox, monkeypatch):
    """The module's sandbox, no faults left over, and the pipeline pointed at it."""
    sandbox.faults.clear()
    monkeypatch.setenv("AHW_SANDBOX_URL", sandbox.url)
    Path(os.environ["AHW_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    yield sandbox
    sandbox.faults.clear()
