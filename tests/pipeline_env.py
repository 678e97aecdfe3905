"""Environment for module-scoped pipeline runs: settings pointed at a data folder, and the embedded
sandbox at a small world ending on a fixed day (the autouse fixture in conftest.py is per test)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path


@contextmanager
def sandbox_pipeline_env(data: Path, end: date, volume_scale: float, history_days: int = 0) -> Iterator[Path]:
    """Set AHW_* for the block and restore what was there before; yields the DuckDB path.
    ``history_days``: AHW_HISTORY_DAYS, the days a first run extracts before its range (0: none)."""
    env = {
        "AHW_HISTORY_DAYS": str(history_days),
        "AHW_DATA_DIR": str(data),
        "AHW_DUCKDB_PATH": str(data / "warehouse.duckdb"),
        "AHW_SANDBOX_END_DATE": end.isoformat(),
        "AHW_SANDBOX_VOLUME_SCALE": str(volume_scale),
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield data / "warehouse.duckdb"
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
