"""Suites as code: the committed JSON is what the code generates, every expectation says why, the
GX suites build, and the mart suites catch what they are for (on small in-memory warehouses)."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest

from orchestration.quality.results import TABLE, record, write_page
from orchestration.quality.runner import build_gx_suite, validate
from orchestration.quality.suites import SUITES_DIR, all_suites, suite
from orchestration.spapi.report_types import REPORT_TYPES


def test_committed_json_equals_what_the_code_generates():
    generated = {f"{s.name}.json": s.to_json() for s in all_suites()}
    committed = {p.name: p.read_text() for p in SUITES_DIR.glob("*.json")}
    assert committed == generated, "run `make suites-list` (it rewrites expectations/suites/) and commit"
    for text in generated.values():
        assert json.loads(text) and text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"


def test_every_raw_table_has_a_suite_and_every_expectation_a_reason():
    tables = {s.table for s in all_suites()}
    assert {f"raw.{rt.raw_table}" for rt in REPORT_TYPES.values()} <= tables
    assert {"marts.fct_account_health_rating", "marts.fct_health_metrics_daily"} <= tables
    for s in all_suites():
        assert s.expectations
        for e in s.expectations:
            assert len(e.why) > 10 and e.severity in {"error", "warning"}


def test_gx_builds_every_suite():
    for s in all_suites():
        gx_suite = build_gx_suite(s)
        assert len(gx_suite.expectations) == len(s.expectations)
        assert all(e.meta.get("notes") for e in gx_suite.expectations)


RATING_DDL = """
create schema marts;
create table marts.fct_account_health_rating (account_id varchar, marketplace_id varchar, rating_date date,
  estimated_ahr integer, reported_ahr integer, ahr_gap integer, band varchar, volume_credit integer,
  orders_180d integer, aha_days_below_threshold integer);
create table marts.fct_rating_components (account_id varchar, marketplace_id varchar, rating_date date,
  points integer);
"""


def _rating_warehouse(rows, components) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(RATING_DDL)
    con.executemany("insert into marts.fct_account_health_rating values (?, ?, ?, ?, ?, ?, ?, 0, 10, 0)", rows)
    if components:
        con.executemany("insert into marts.fct_rating_components values (?, ?, ?, ?)", components)
    return con


def test_mart_suites_catch_band_component_and_history_errors_and_warn_on_the_gap():
    d1, d2, d4 = date(2026, 6, 1), date(2026, 6, 2), date(2026, 6, 4)
    good = [("a", "US", d1, 250, 260, 10, "Healthy"), ("a", "US", d2, 150, 150, 0, "At Risk")]
    comps = [("a", "US", d1, 250), ("a", "US", d2, 150)]
    con = _rating_warehouse(good, comps)
    rating, history = suite("marts_fct_account_health_rating"), suite("marts_rating_history")
    assert validate(con, rating, d1, d2).success and validate(con, history, d1, d2).success

    bad = [("a", "US", d1, 250, 900, 650, "Healthy"), ("a", "US", d2, 150, None, None, "Healthy"),
           ("a", "US", d4, 50, None, None, "Critical")]  # fmt: skip
    con = _rating_warehouse(bad, [("a", "US", d1, 250), ("a", "US", d2, 140), ("a", "US", d4, 50)])
    outcome = validate(con, rating, d1, d4)
    failed = {f.column: f for f in outcome.failures}
    assert {"band_mismatch", "components_gap", "abs_ahr_gap"} == set(failed)
    assert failed["abs_ahr_gap"].severity == "warning"
    assert failed["band_mismatch"].where == [
        {"account_id": "a", "marketplace_id": "US", "partition_date": "2026-06-02"}
    ]
    assert not outcome.success
    gaps = validate(con, history, d1, d4)
    assert not gaps.success and gaps.failures[0].column == "missing_days"


def test_a_missing_table_fails_with_a_clear_message():
    outcome = validate(duckdb.connect(), suite("marts_fct_account_health_rating"), date(2026, 6, 1), date(2026, 6, 1))
    assert not outcome.success and "marts.fct_account_health_rating" in outcome.message()


def test_results_are_recorded_and_the_page_lists_them(tmp_path):
    con = _rating_warehouse([("a", "US", date(2026, 6, 1), 250, None, None, "Critical")], [])
    outcome = validate(con, suite("marts_fct_account_health_rating"), date(2026, 6, 1), date(2026, 6, 1), run_id="r1")
    record(con, outcome)
    row = con.execute(f"select suite_name, success, statistics, failed_expectations, run_id from {TABLE}").fetchall()
    ((name, success, stats, failed, run_id),) = row
    assert (name, success, run_id) == ("marts_fct_account_health_rating", False, "r1")
    assert json.loads(stats)["evaluated_expectations"] == len(outcome.suite.expectations)
    assert {f["column"] for f in json.loads(failed)} >= {"band_mismatch"}
    page = write_page(con, tmp_path / "quality" / "index.html").read_text()
    assert "marts_fct_account_health_rating" in page and "FAILED" in page and "band_mismatch" in page


@pytest.mark.parametrize("name", ["raw_orders", "raw_seller_performance"])
def test_raw_suites_pass_on_an_empty_partition(name):
    from orchestration.warehouse.schema import ensure_raw_schema

    con = duckdb.connect()
    ensure_raw_schema(con)
    assert validate(con, suite(name), date(2026, 6, 1), date(2026, 6, 1)).success


def test_every_suite_is_a_blocking_dagster_check_without_a_second_list():
    """A suite added to suites.py becomes a check: the registry is the suites themselves."""
    from orchestration.definitions import defs
    from orchestration.quality.suites import all_suites

    checks = {
        "/".join(k.asset_key.path)
        for k in defs.resolve_asset_graph().asset_check_keys
        if k.name == "great_expectations"
    }
    assert {s.asset_key for s in all_suites() if s.asset_key.startswith(("raw/", "marts/"))} <= checks
