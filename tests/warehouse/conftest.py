"""Fixtures for the warehouse tests: a real DuckDB file and a landing root in tmp_path."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.warehouse.landing import Landing


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


@pytest.fixture
def landing(tmp_path) -> Landing:
    return Landing(tmp_path / "landing")
