"""dbt runs on the same daily partitions as extraction; they reach dbt only through --vars.

The DuckDB file, its memory cap and dbt's threads reach dbt's profile through ``--vars`` too
(``duckdb_path``, ``duckdb_memory_limit``, ``dbt_threads``), so the settings object stays the one
place that reads the environment and nothing is written back into it.
"""

import json
from collections.abc import Mapping
from datetime import date, datetime

import duckdb

from orchestration.config import Settings
from orchestration.defs.extraction.partitions import daily_partitions

__all__ = ["daily_partitions", "dbt_build_args", "dbt_connection_vars", "dbt_vars", "first_day_loaded_since"]


def dbt_vars(first_day: date, last_day: date) -> dict[str, str]:
    """The date range an incremental dbt run rebuilds (inclusive, UTC days)."""
    if last_day < first_day:
        raise ValueError(f"last day {last_day} is before first day {first_day}")
    return {"min_date": first_day.isoformat(), "max_date": last_day.isoformat()}


def dbt_connection_vars(settings: Settings) -> dict[str, str | int]:
    """What dbt's profile needs from the settings: the DuckDB file (absolute), memory cap, threads."""
    return {
        "duckdb_path": str(settings.duckdb_path.resolve()),
        "duckdb_memory_limit": settings.duckdb_memory_limit,
        "dbt_threads": settings.dbt_threads,
    }


#: Unit tests prove the SQL, not the data: they run in `make test`, not on every materialization.
PRODUCTION_BUILD = ["build", "--exclude-resource-type", "unit_test"]


def dbt_build_args(
    first_day: date | None = None, last_day: date | None = None, *, connection: Mapping[str, object] | None = None
) -> list[str]:
    """`dbt build` arguments for a partition range and a connection (``dbt_connection_vars``).

    Without a range, dbt_project.yml's defaults apply (the whole history); without a connection,
    the profile's fallbacks (AHW_DUCKDB_PATH, as for a hand-run dbt).
    """
    if (first_day is None) != (last_day is None):
        raise ValueError("give both the first and the last day, or neither")
    variables: dict[str, object] = dict(connection or {})
    if first_day is not None and last_day is not None:
        variables.update(dbt_vars(first_day, last_day))
    if not variables:
        return list(PRODUCTION_BUILD)
    return [*PRODUCTION_BUILD, "--vars", json.dumps(variables, sort_keys=True)]


def first_day_loaded_since(con: duckdb.DuckDBPyConnection, since: datetime) -> date | None:
    """Earliest partition day ``raw.load_log`` records as loaded at or after ``since`` (UTC, naive).

    Why: the first run of an account loads history before its partition range (AHW_HISTORY_DAYS);
    the incremental models must rebuild those days too, or the history stays out of the marts.
    None when nothing was loaded (or the warehouse has no load log yet).
    """
    try:
        rows = con.execute("select min(partition_date) from raw.load_log where loaded_at >= ?", [since]).fetchall()
    except duckdb.CatalogException:
        return None
    return rows[0][0] if rows and rows[0][0] is not None else None
