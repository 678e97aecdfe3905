"""The calibration's two tables in schema ``calibration``: the one contract between the fit and dbt.

``calibration.rating_parameters`` (one row per account x marketplace with a snapshot) and
``calibration.rating_category_points`` (one row per account x marketplace x policy category) are
written whole by the Dagster asset ``calibration/rating_parameters`` and read by dbt as the source
``calibration`` (``dbt_project/models/staging/calibration/``, whose YAML lists exactly these
columns: a test keeps them equal). Replaced in one transaction, so dbt sees the previous fit or
the new one, never half of one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

SCHEMA = "calibration"


@dataclass(frozen=True)
class Column:
    name: str
    ddl_type: str
    description: str


PARAMETERS_TABLE = "rating_parameters"
CATEGORY_POINTS_TABLE = "rating_category_points"

_SE = "standard error of the estimate above (points; from the fit's Jacobian, NULL where the prior alone decides)"

#: calibration.rating_parameters: the parameters in effect per account x marketplace and how they were fitted.
PARAMETER_COLUMNS: tuple[Column, ...] = (
    Column("account_id", "VARCHAR", "configured account name"),
    Column("marketplace_id", "VARCHAR", "Amazon marketplace id"),
    Column(
        "fit_scope",
        "VARCHAR",
        "which reported history the parameters were fitted on: account_marketplace (this marketplace's "
        "own ahrScore days), account (the account's marketplaces with ahrScore, pooled) or pooled (every "
        "account x marketplace with ahrScore)",
    ),
    Column(
        "parameters_from",
        "VARCHAR",
        "the account x marketplaces whose reported ratings the parameters were learned from, in words",
    ),
    Column("start_rating", "DOUBLE", "rating before credit and deductions (points; prior 200)"),
    Column("start_rating_se", "DOUBLE", _SE),
    Column("volume_credit_orders_per_step", "DOUBLE", "orders per step of the volume credit (fixed: the seed's 200)"),
    Column("volume_credit_points_per_step", "DOUBLE", "points per step of orders in the last 180 days (prior 4)"),
    Column("volume_credit_points_per_step_se", "DOUBLE", _SE),
    Column("volume_credit_max_points", "DOUBLE", "most points the volume credit adds (prior 800)"),
    Column("volume_credit_max_points_se", "DOUBLE", _SE),
    Column(
        "floor_without_serious_violations",
        "DOUBLE",
        "the rating does not fall below this while no open violation is above low severity (prior 200)",
    ),
    Column("floor_without_serious_violations_se", "DOUBLE", _SE),
    Column("critical_override_rating", "DOUBLE", "rating while a critical violation is open (prior 0)"),
    Column("critical_override_rating_se", "DOUBLE", _SE),
    Column(
        "critical_override_delay_days",
        "INTEGER",
        "days a critical violation shows before the override applies (prior 0; chosen by the fit's loss)",
    ),
    Column("observations", "INTEGER", "reported days (ahrScore) the parameters were fitted on"),
    Column("fit_window_start", "DATE", "first reported day of the fit"),
    Column("fit_window_end", "DATE", "last reported day of the fit"),
    Column(
        "held_out_days",
        "INTEGER",
        "reported days of this account x marketplace held out to measure the error (NULL: none reported)",
    ),
    Column(
        "held_out_mae",
        "DOUBLE",
        "mean absolute error (points) on those days of a fit that did not see them (same scope)",
    ),
    Column("held_out_max_error", "DOUBLE", "largest absolute error (points) on those days"),
    Column("held_out_band_agreement", "DOUBLE", "fraction (0-1) of those days whose estimated band equals Amazon's"),
    Column("seeds_held_out_mae", "DOUBLE", "the seeds model's mean absolute error on the same days, for comparison"),
    Column("seeds_held_out_max_error", "DOUBLE", "the seeds model's largest absolute error on the same days"),
    Column("fitted_at", "TIMESTAMP", "when the fit ran (UTC)"),
)

#: calibration.rating_category_points: points per open violation per category, per account x marketplace.
CATEGORY_POINT_COLUMNS: tuple[Column, ...] = (
    Column("account_id", "VARCHAR", "configured account name"),
    Column("marketplace_id", "VARCHAR", "Amazon marketplace id"),
    Column("category", "VARCHAR", "policy category (snake_case, as fct_policy_violations_daily.category)"),
    Column("severity", "VARCHAR", "severity of the category in the seed violation_categories ('unknown' if absent)"),
    Column(
        "points_per_violation",
        "DOUBLE",
        "rating points one open violation of the category costs (prior: the severity's fitted mean)",
    ),
    Column("points_per_violation_se", "DOUBLE", _SE),
    Column("open_days", "INTEGER", "reported days of the fit on which the category had open violations"),
    Column(
        "is_prior_only",
        "BOOLEAN",
        "true when no reported day had the category open: the points are the prior's (severity mean)",
    ),
)

TABLES: dict[str, tuple[Column, ...]] = {
    PARAMETERS_TABLE: PARAMETER_COLUMNS,
    CATEGORY_POINTS_TABLE: CATEGORY_POINT_COLUMNS,
}


def ddl(table: str) -> str:
    columns = ", ".join(f"{c.name} {c.ddl_type}" for c in TABLES[table])
    return f"CREATE TABLE IF NOT EXISTS {SCHEMA}.{table} ({columns})"


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema ``calibration`` and its two (empty) tables when missing."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    for table in TABLES:
        con.execute(ddl(table))


def replace_tables(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Replace both tables' rows with ``frames`` (table -> DataFrame with exactly its columns) in one
    transaction. Returns rows written per table; raises ValueError when a frame's columns differ."""
    ensure_tables(con)
    for table, frame in frames.items():
        expected = [c.name for c in TABLES[table]]
        if list(frame.columns) != expected:
            raise ValueError(f"{SCHEMA}.{table}: columns {list(frame.columns)} differ from the contract {expected}")
    con.execute("BEGIN TRANSACTION")
    try:
        for table, frame in frames.items():
            con.execute(f"DELETE FROM {SCHEMA}.{table}")
            if len(frame):
                con.register("calibration_rows", frame)
                con.execute(f"INSERT INTO {SCHEMA}.{table} SELECT * FROM calibration_rows")
                con.unregister("calibration_rows")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return {table: len(frame) for table, frame in frames.items()}


def column_names(table: str) -> Sequence[str]:
    return [c.name for c in TABLES[table]]
