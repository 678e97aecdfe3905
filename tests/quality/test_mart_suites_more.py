"""The mart suites of the policy violations, the rating components and the snapshots catch what they are
for (small in-memory warehouses), and the Parquet export replaces its files atomically."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest

from orchestration.quality.runner import validate
from orchestration.quality.suites import suite

D1, D2, D3, D4 = (date(2026, 6, 1) + timedelta(days=i) for i in range(4))


def _failed(outcome) -> set[str]:
    return {f.column for f in outcome.errors}


# -- fct_policy_violations_daily ---------------------------------------------------------------------
VIOLATIONS_DDL = """
create schema marts;
create table marts.fct_policy_violations_daily (account_id varchar, marketplace_id varchar, metric_date date,
  category varchar, defects_count integer, new_count integer, resolved_count integer, severity varchar,
  points_per_violation integer, points_deducted integer, is_open boolean, amazon_status varchar,
  window_start_date date, window_end_date date, report_id varchar);
"""


def _violations(rows) -> duckdb.DuckDBPyConnection:
    """rows: (day, defects, new, resolved, points_per_violation, points_deducted, is_open)."""
    con = duckdb.connect()
    con.execute(VIOLATIONS_DDL)
    con.executemany(
        "insert into marts.fct_policy_violations_daily values "
        "('a', 'US', ?, 'listing_policy_violations', ?, ?, ?, 'medium', ?, ?, ?, 'GOOD', ?, ?, 'r')",
        [(*r, r[0] - timedelta(days=179), r[0]) for r in rows],
    )
    return con


def test_policy_violation_suite_passes_consistent_counts():
    con = _violations([(D1, 2, None, None, 4, 8, True), (D2, 3, 1, 0, 4, 12, True), (D3, 0, 0, 3, 4, 0, False)])
    outcome = validate(con, suite("marts_fct_policy_violations_daily"), D2, D3)
    assert outcome.success, outcome.message()


def test_policy_violation_suite_catches_prices_counts_and_invented_changes():
    con = _violations([
        (D1, 2, None, None, 4, 8, True),
        (D2, 3, 2, 0, 4, 12, True),  # one new defect reported as two
        (D3, 3, 0, 0, 4, 10, True),  # deduction not priced by the seed
        (D4, -1, 0, 4, 4, 0, False),  # a negative count
    ])  # fmt: skip
    outcome = validate(con, suite("marts_fct_policy_violations_daily"), D2, D4)
    assert {"change_gap", "deduction_gap", "defects_count"} <= _failed(outcome)
    change = next(f for f in outcome.errors if f.column == "change_gap")
    assert change.where == [{"account_id": "a", "marketplace_id": "US", "partition_date": "2026-06-02"}]


def test_the_first_snapshot_of_a_category_must_have_no_change():
    con = _violations([(D1, 2, 2, 0, 4, 8, True)])
    assert "change_gap" in _failed(validate(con, suite("marts_fct_policy_violations_daily"), D1, D1))


# -- fct_rating_components ---------------------------------------------------------------------------
COMPONENTS_DDL = """
create schema marts;
create table marts.fct_rating_components (account_id varchar, marketplace_id varchar, rating_date date,
  component_order integer, component_type varchar, component_name varchar, points integer, basis_count integer,
  points_per_violation integer, severity varchar, estimated_ahr_if_resolved integer, estimated_ahr integer);
"""


def _components(estimate: int, deduction: tuple[int, int, int, int], fixed=("start", "volume_credit", "floor",
                "critical_override", "clamp")) -> duckdb.DuckDBPyConnection:  # fmt: skip
    """deduction: (points, defects, points_per_violation, what-if)."""
    points, defects, ppv, what_if = deduction
    con = duckdb.connect()
    con.execute(COMPONENTS_DDL)
    base = {"start": 200, "volume_credit": 8, "floor": 0, "critical_override": 0, "clamp": 0}
    for i, name in enumerate(fixed):
        con.execute(
            "insert into marts.fct_rating_components values ('a', 'US', ?, ?, ?, ?, ?, null, null, null, null, ?)",
            [D1, i + 1, name, name, base[name], estimate],
        )
    con.execute(
        "insert into marts.fct_rating_components values ('a', 'US', ?, 3, 'deduction', 'listing_policy_violations',"
        " ?, ?, ?, 'medium', ?, ?)",
        [D1, points, defects, ppv, what_if, estimate],
    )
    return con


def test_component_suite_passes_an_explained_estimate():
    outcome = validate(_components(200, (-8, 2, 4, 208)), suite("marts_fct_rating_components"), D1, D1)
    assert outcome.success, outcome.message()


@pytest.mark.parametrize(
    ("estimate", "deduction", "fixed", "expected"),
    [
        (210, (-8, 2, 4, 208), None, {"components_gap"}),  # the waterfall does not reach the estimate
        (200, (-8, 2, 4, 190), None, {"what_if_shortfall"}),  # resolving would lower the rating
        (200, (-8, 2, 4, 1208), None, {"estimated_ahr_if_resolved"}),  # a what-if off the scale
        (200, (-8, 1, 4, 208), None, {"deduction_gap"}),  # not the violations' price
        (
            192,
            (-8, 2, 4, 200),
            ("start", "floor", "critical_override", "clamp"),
            {"fixed_components_count"},
        ),  # no volume_credit row
    ],
)
def test_component_suite_catches_unexplained_estimates(estimate, deduction, fixed, expected):
    con = _components(estimate, deduction, *(() if fixed is None else (fixed,)))
    outcome = validate(con, suite("marts_fct_rating_components"), D1, D1)
    assert expected <= _failed(outcome) and not outcome.success, outcome.message()


# -- fct_account_health_snapshots --------------------------------------------------------------------
SNAPSHOTS_DDL = """
create schema marts;
create table marts.fct_account_health_snapshots (account_id varchar, marketplace_id varchar, snapshot_date date,
  snapshot_at timestamp, account_status varchar, reported_ahr_status varchar, reported_ahr integer,
  bad_warning_states_count integer, policy_violation_warnings_count integer, report_id varchar);
"""


def _snapshots(rows) -> duckdb.DuckDBPyConnection:
    """rows: (account, marketplace, day, reported_ahr)."""
    con = duckdb.connect()
    con.execute(SNAPSHOTS_DDL)
    con.executemany(
        "insert into marts.fct_account_health_snapshots values (?, ?, ?, ? + interval 23 hour + interval 59 minute,"
        " 'NORMAL', 'GREAT', ?, 0, null, 'r')",
        [(a, m, d, d, ahr) for a, m, d, ahr in rows],
    )
    return con


def test_snapshot_suite_passes_a_complete_history_with_and_without_reported_ratings():
    con = _snapshots([("a", "US", d, 500) for d in (D1, D2, D3)] + [("b", "DE", d, None) for d in (D2, D3)])
    outcome = validate(con, suite("marts_fct_account_health_snapshots"), D2, D3)
    assert outcome.success, outcome.message()


def test_snapshot_suite_catches_a_missing_day_in_the_range_a_gap_before_it_and_a_rating_off_the_scale():
    con = _snapshots([("a", "US", D1, 500), ("a", "US", D3, 1200), ("b", "DE", D1, 300), ("b", "DE", D2, 300)])
    outcome = validate(con, suite("marts_fct_account_health_snapshots"), D3, D3)
    failed = {f.column: f for f in outcome.errors}
    assert set(failed) == {"missing_snapshot", "days_since_previous_snapshot", "reported_ahr"}
    assert failed["missing_snapshot"].where == [
        {"account_id": "b", "marketplace_id": "DE", "partition_date": "2026-06-03"}
    ]
    assert failed["days_since_previous_snapshot"].where == [
        {"account_id": "a", "marketplace_id": "US", "partition_date": "2026-06-03"}
    ]


def test_a_pair_gone_for_longer_than_the_recent_window_is_not_expected_any_more():
    con = _snapshots([("a", "US", D1, 500), ("a", "US", D1 + timedelta(days=30), 500), ("b", "DE", D1, 300)])
    day = D1 + timedelta(days=30)
    outcome = validate(con, suite("marts_fct_account_health_snapshots"), day, day)
    assert _failed(outcome) == {"days_since_previous_snapshot"}  # a's own gap; b is no longer expected


# -- export ------------------------------------------------------------------------------------------
def test_the_export_replaces_files_atomically_and_keeps_the_old_set_when_one_mart_fails(tmp_path):
    from orchestration.defs.exports.assets import export_marts

    con = duckdb.connect()
    con.execute("create schema marts; create table marts.dim_a as select 1 as x; create table marts.fct_b as "
                "select range as y from range(5)")  # fmt: skip
    stats = export_marts(con, tmp_path / "exports", ["dim_a", "fct_b"])
    assert stats == {
        "dim_a": {"rows": 1, "bytes": stats["dim_a"]["bytes"]},
        "fct_b": {"rows": 5, "bytes": stats["fct_b"]["bytes"]},
    }
    before = {p.name: p.read_bytes() for p in (tmp_path / "exports").iterdir()}
    assert set(before) == {"dim_a.parquet", "fct_b.parquet"}
    con.execute("insert into marts.dim_a values (2); drop table marts.fct_b")
    with pytest.raises(duckdb.CatalogException):
        export_marts(con, tmp_path / "exports", ["dim_a", "fct_b"])
    assert {p.name: p.read_bytes() for p in (tmp_path / "exports").iterdir()} == before  # no temp file, no half set
