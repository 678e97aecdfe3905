"""Field cases whose right value is about the marts (03, 14, 15): ``ahw import-report`` of the files in
tests/fixtures/field_cases, then a real ``dbt build`` (every data test included), then the marts.

03 is imported for an account that has no V2 snapshot at all: a V1-only account must not break the
build (dim_seller_accounts sees it) and its windows reach fct_health_metrics_daily."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from orchestration.cli import main
from tests.dbt.conftest import make_invoker

CASES = Path(__file__).resolve().parents[1] / "fixtures" / "field_cases"
US = "ATVPDKIKX0DER"
IMPORTS = [
    ("v1-only", "GET_V1_SELLER_PERFORMANCE_REPORT", "03-v1-documented-shape.xml"),
    ("case-14", "GET_V2_SELLER_PERFORMANCE_REPORT", "14-v2-no-marketplace-id.json"),
    ("case-15", "GET_V2_SELLER_PERFORMANCE_REPORT", "15-v2-rate-metric-with-defects-count.json"),
]


@pytest.fixture(scope="module")
def marts(tmp_path_factory):
    """The three cases imported through the CLI and built by dbt; yields a query function."""
    work = tmp_path_factory.mktemp("field_cases_marts")
    db = work / "data" / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AHW_DATA_DIR", str(work / "data"))
        env.setenv("AHW_DUCKDB_PATH", str(db))
        for account, report_type, case in IMPORTS:
            result = CliRunner().invoke(
                main,
                ["import-report", "--report-type", report_type, "--account", account, "--new-account",
                 "--marketplace", US, str(CASES / case)],
            )  # fmt: skip
            assert result.exit_code == 0, result.output
        make_invoker(db, work / "dbt")("build", "--exclude-resource-type", "unit_test")

    def query(sql: str, params=None) -> list[tuple]:
        with duckdb.connect(str(db)) as con:
            return con.execute(sql, params or []).fetchall()

    return query


def test_03_v1_windows_reach_fct_health_metrics_daily(marts):
    got = {
        (name, channel, days): (value, numerator, denominator, start, end)
        for name, channel, days, value, numerator, denominator, start, end in marts(
            "select metric_name, fulfillment_channel, window_days, value, numerator, denominator, window_start_date, "
            "window_end_date from marts.fct_health_metrics_daily where account_id = 'v1-only' and source = 'reported' "
            "and metric_date = ?",
            [date(2026, 11, 13)],
        )
    }
    assert got[("order_defect_rate", "MFN", 60)][:3] == (pytest.approx(0.005), 2, 400)
    assert got[("order_defect_rate", "MFN", 90)][:3] == (pytest.approx(0.0049), 3, 610)
    assert got[("order_defect_rate", "MFN", 60)][3:] == (date(2026, 9, 1), date(2026, 10, 30))
    assert got[("late_shipment_rate", "MFN", 30)][:3] == (pytest.approx(0.05), 10, 200)
    assert got[("pre_fulfillment_cancellation_rate", "MFN", 30)][:3] == (pytest.approx(0.005), 1, 200)
    assert got[("contact_response_time", "ALL", 30)][:3] == (pytest.approx(0.9), 45, 50)
    assert got[("contact_response_time_average_hours", "ALL", 30)][0] == pytest.approx(14.5)


def test_03_a_v1_only_account_is_a_normal_account(marts):
    accounts = dict(marts("select account_id, marketplace_ids from marts.dim_seller_accounts"))
    assert accounts["v1-only"] == [US]
    assert marts("select count(*) from marts.fct_account_health_snapshots where account_id = 'v1-only'") == [(0,)]


def test_14_snapshot_without_marketplace_id_lands_for_the_named_marketplace(marts):
    assert marts(
        "select marketplace_id, snapshot_date, reported_ahr from marts.fct_account_health_snapshots "
        "where account_id = 'case-14'"
    ) == [(US, date(2026, 7, 24), 1000)]


def test_15_a_rate_metric_with_defects_count_is_a_metric_not_a_violation(marts):
    assert marts(
        "select value, target_value, target_condition from marts.fct_health_metrics_daily where account_id = "
        "'case-15' and metric_name = 'late_shipment_rate' and source = 'reported'"
    ) == [(pytest.approx(0.01), pytest.approx(0.04), "LESS_THAN")]
    assert marts("select count(*) from marts.fct_policy_violations_daily where account_id = 'case-15'") == [(0,)]
