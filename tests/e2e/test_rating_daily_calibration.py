"""The daily path of the rating calibration: a later run fits on what the runs before it built.

The first run of a warehouse builds the rating features itself (dbt, before the fit); every later
run's ``calibration/rating_parameters`` fits on the features the previous run left, so the day it
brings in is estimated with parameters that never saw it, and the fit window moves with the runs.
Through the real path: sandbox over HTTP, raw, dbt, the fit, dbt again, two Dagster runs on one
persistent instance, and the settings that shape the fit (AHW_CALIBRATION_*).
"""

from __future__ import annotations

import os
from datetime import date, timedelta

import dagster as dg
import duckdb
import pytest

from orchestration.calibration.tables import PARAMETERS_TABLE, SCHEMA
from orchestration.pipeline import run_job
from tests.pipeline_env import sandbox_pipeline_env

END = date(2026, 6, 30)
SCALE = 0.05
FIRST_RUN_DAYS = 10
HOLDOUT_DAYS = 2
KEY = dg.AssetKey(["calibration", "rating_parameters"])


def _metadata(instance: dg.DagsterInstance, run_id: str) -> dict:
    records = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=KEY), limit=5).records
    mine = [r for r in records if r.run_id == run_id]
    assert mine, f"run {run_id} did not materialize {KEY.to_user_string()}"
    return {k: v.value for k, v in mine[0].asset_materialization.metadata.items()}


def _fit(path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            f"""select account_id, marketplace_id, fit_scope, fit_window_end, held_out_days
            from {SCHEMA}.{PARAMETERS_TABLE} order by all"""
        ).fetchall()


@pytest.fixture
def calibration_settings():
    saved = {k: os.environ.get(k) for k in ("AHW_CALIBRATION_HOLDOUT_DAYS", "AHW_CALIBRATION_MIN_DAYS")}
    os.environ.update({"AHW_CALIBRATION_HOLDOUT_DAYS": str(HOLDOUT_DAYS), "AHW_CALIBRATION_MIN_DAYS": "5"})
    yield
    for key, value in saved.items():
        os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


def test_a_later_run_estimates_its_new_day_with_parameters_fitted_before_it(tmp_path, calibration_settings):
    first_day = END - timedelta(days=FIRST_RUN_DAYS)  # the first run ends the day before END
    with sandbox_pipeline_env(tmp_path / "data", END, SCALE, history_days=180) as path:
        instance = dg.DagsterInstance.ephemeral()
        first = run_job("daily_pipeline", first_day, END - timedelta(days=1), instance=instance)
        assert first.success
        first_meta = _metadata(instance, first.run_id)
        assert first_meta["features_from"] == "this run (first run)"
        first_fit = _fit(path)
        assert first_fit, "the first run fitted nothing"
        # the first run's features reach its last day; its fit held out HOLDOUT_DAYS of them
        assert max(row[3] for row in first_fit) == END - timedelta(days=1)
        held_out = [row[4] for row in first_fit if row[4] is not None]
        assert held_out and max(held_out) == HOLDOUT_DAYS

        second = run_job("daily_pipeline", END, END, instance=instance)
        assert second.success
        second_meta = _metadata(instance, second.run_id)
        assert second_meta["features_from"] == "the previous run"
        second_fit = _fit(path)
        # fitted before this run's dbt: the new day END is in no fit window
        assert max(row[3] for row in second_fit) == END - timedelta(days=1)

        with duckdb.connect(str(path), read_only=True) as con:
            estimated = con.execute(
                """select e.model_source, e.fit_scope, p.fit_window_end
                from marts.fct_account_health_rating as e
                left join calibration.rating_parameters as p using (account_id, marketplace_id)
                where e.rating_date = ?""",
                [END],
            ).fetchall()
            reported_pairs = con.execute(
                """select count(distinct (account_id, marketplace_id)) from marts.fct_account_health_rating
                where reported_ahr is not null"""
            ).fetchone()[0]
    assert reported_pairs > 0
    assert estimated, "no estimate for the second run's day"
    # every account x marketplace of the new day is estimated with calibrated parameters (its own,
    # its account's or the pooled ones) that ended before that day
    assert {row[0] for row in estimated} == {"calibrated"}
    assert all(row[2] is not None and row[2] < END for row in estimated)
