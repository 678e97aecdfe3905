"""Make AHW_DUCKDB_PATH explicit for every consumer (Dagster's resource and dbt's profile).

dbt resolves relative paths from its project directory and Dagster from its working directory, so
the default path is resolved once, here, to an absolute path both read from the same variable.
"""

from __future__ import annotations

import os

from orchestration.config import Settings


def export_duckdb_path(settings: Settings) -> None:
    path = settings.duckdb_path.resolve()
    os.environ["AHW_DUCKDB_PATH"] = str(path)
    os.environ.setdefault("AHW_DATA_DIR", str(settings.data_dir.resolve()))
    path.parent.mkdir(parents=True, exist_ok=True)
