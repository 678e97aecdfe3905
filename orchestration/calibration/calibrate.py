"""One calibration of a warehouse: read the features dbt built, fit, replace the calibration tables.

Called by the Dagster asset ``calibration/rating_parameters`` (``ahw evaluate-rating`` calls the fit
itself, on the days before its split). Needs the seeds and the two feature models
(``intermediate.int_rating_observations_joined``, ``intermediate.int_policy_violations_scored``) in
the DuckDB file; :func:`features_built` says whether they are there.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb

from orchestration.calibration.features import INTERMEDIATE, SEEDS, read_observations, read_seeds
from orchestration.calibration.fit import Calibration, calibrate
from orchestration.calibration.model import Parameters
from orchestration.calibration.tables import CATEGORY_POINTS_TABLE, PARAMETERS_TABLE, SCHEMA, replace_tables
from orchestration.config import Settings

#: The relations the fit reads (schema, name); dbt builds them.
FEATURE_RELATIONS = (
    (INTERMEDIATE, "int_rating_observations_joined"),
    (INTERMEDIATE, "int_policy_violations_scored"),
    (SEEDS, "rating_parameters"),
    (SEEDS, "violation_categories"),
    (SEEDS, "rating_bands"),
)
#: dbt selection that builds every relation of FEATURE_RELATIONS (the feature models with what is
#: upstream of them, and the seeds the prior reads, some of which no feature model refs).
FEATURE_SELECTION = (
    "+int_rating_observations_joined +int_policy_violations_scored rating_parameters violation_categories rating_bands"
)
#: Defaults of the settings AHW_CALIBRATION_HOLDOUT_DAYS and AHW_CALIBRATION_MIN_DAYS (see
#: orchestration/config.py): the last reported days held out to choose the scope (pooled, account,
#: own) and report the error of a fit that did not see them; the reported days an account x
#: marketplace needs before it gets parameters of its own.
HOLDOUT_DAYS: int = Settings.model_fields["calibration_holdout_days"].default
MIN_DAYS_OWN_FIT: int = Settings.model_fields["calibration_min_days"].default


def features_built(con: duckdb.DuckDBPyConnection) -> bool:
    """True when every relation the fit reads exists (a first run of a new warehouse has none)."""
    present = set(con.execute("select table_schema, table_name from information_schema.tables").fetchall())
    return all(relation in present for relation in FEATURE_RELATIONS)


def calibrate_warehouse(
    con: duckdb.DuckDBPyConnection,
    *,
    through: date | None = None,
    holdout_days: int = HOLDOUT_DAYS,
    min_days: int = MIN_DAYS_OWN_FIT,
) -> tuple[Calibration, dict[str, int]]:
    """Fit on the snapshot days up to ``through`` (None: all) and replace ``calibration.*`` in one
    transaction. Returns the calibration and rows written per table. With too little reported
    history the tables are emptied (the estimate falls back to the seeds; ``skipped_reason``)."""
    seeds = read_seeds(con)
    observations = read_observations(con, seeds, through=through)
    calibration = calibrate(
        observations,
        seeds,
        holdout_days=holdout_days,
        min_days=min_days,
        fitted_at=datetime.now(UTC).replace(tzinfo=None),
    )
    return calibration, replace_tables(con, calibration.frames(seeds))


def read_calibrated_parameters(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], Parameters]:
    """The parameters ``calibration.*`` holds, per (account_id, marketplace_id), as :class:`Parameters`
    (min and max rating from the seeds). Empty when nothing is calibrated."""
    seeds = read_seeds(con)
    points: dict[tuple[str, str], dict[str, float]] = {}
    for account, marketplace, category, value in con.execute(
        f"select account_id, marketplace_id, category, points_per_violation from {SCHEMA}.{CATEGORY_POINTS_TABLE}"
    ).fetchall():
        points.setdefault((account, marketplace), {})[category] = float(value)
    rows = con.execute(f"select * from {SCHEMA}.{PARAMETERS_TABLE}").df()
    return {
        (row.account_id, row.marketplace_id): Parameters(
            start_rating=row.start_rating,
            volume_credit_orders_per_step=row.volume_credit_orders_per_step,
            volume_credit_points_per_step=row.volume_credit_points_per_step,
            volume_credit_max_points=row.volume_credit_max_points,
            floor_without_serious_violations=row.floor_without_serious_violations,
            critical_override_rating=row.critical_override_rating,
            critical_override_delay_days=int(row.critical_override_delay_days),
            points_per_violation=points.get((row.account_id, row.marketplace_id), {}),
            min_rating=seeds.parameters.get("min_rating", 0.0),
            max_rating=seeds.parameters.get("max_rating", 1000.0),
        )
        for row in rows.itertuples()
    }
