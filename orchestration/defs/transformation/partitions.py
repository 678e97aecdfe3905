"""dbt runs on the same daily partitions as extraction; they reach dbt only through --vars."""

import json
from datetime import date

from orchestration.defs.extraction.partitions import daily_partitions

__all__ = ["daily_partitions", "dbt_vars", "dbt_build_args"]


def dbt_vars(first_day: date, last_day: date) -> dict[str, str]:
    """The date range an incremental dbt run rebuilds (inclusive, UTC days)."""
    if last_day < first_day:
        raise ValueError(f"last day {last_day} is before first day {first_day}")
    return {"min_date": first_day.isoformat(), "max_date": last_day.isoformat()}


#: Unit tests prove the SQL, not the data: they run in `make test`, not on every materialization.
PRODUCTION_BUILD = ["build", "--exclude-resource-type", "unit_test"]


def dbt_build_args(first_day: date | None = None, last_day: date | None = None) -> list[str]:
    """`dbt build` arguments for a partition range; without one, dbt_project.yml's defaults apply."""
    if (first_day is None) != (last_day is None):
        raise ValueError("give both the first and the last day, or neither")
    if first_day is None or last_day is None:
        return list(PRODUCTION_BUILD)
    return [*PRODUCTION_BUILD, "--vars", json.dumps(dbt_vars(first_day, last_day))]
