"""Field cases 04 and 05 (tests/fixtures/field_cases, byte-identical to the handed files): real
all-orders documents through `ahw import-report` and `dbt build`, with their right values.

- 04: multi-channel fulfillment orders (sales-channel Non-Amazon) ride in the all-orders report.
  Right values: the recomputed AFN order defect rate counts the two Amazon.com orders, the volume
  credit's orders_180d is 2, and the MCF orders stay in raw, visible as such.
- 05: a cancelled seller-fulfilled order with is-buyer-requested-cancellation = true. Right values:
  the recomputed pre-fulfillment cancellation rate is 0 / 4, and that order is no defect in
  attribution or the roll-off calendar (it is listed among the cancellations, with its reason).
- breaker8 F3 (tests/fixtures/breaker8/b8-07): a buyer-requested cancellation whose reason is the buyer's
  own words with their name, e-mail and phone. Right values: no marts table holds any of them; the
  mart lists the cancellation with the reason 'other'.
Each case loads into its own account, beside the auxiliary V2 snapshot of Amazon.com.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from orchestration.cli import main
from tests.dbt.conftest import make_invoker

CASES = Path(__file__).resolve().parents[1] / "fixtures" / "field_cases"
BREAKER8 = Path(__file__).resolve().parents[1] / "fixtures" / "breaker8"
US = "ATVPDKIKX0DER"
ORDERS = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
SNAPSHOT_DAY = date(2026, 11, 7)  # reportingDateTo of the auxiliary snapshot's rating window
MCF_CASE, BUYER_CANCEL_CASE, FREE_TEXT_CASE = "field-case-04", "field-case-05", "breaker8-f3"
BUYER_CANCELLED_ORDER = "111-0000500-0000004"


def _import(report_type: str, account: str, path: Path, partition_date: date | None = None) -> None:
    args = ["import-report", "--report-type", report_type, "--account", account, "--new-account", "--marketplace", US]
    if partition_date:
        args += ["--partition-date", partition_date.isoformat()]
    result = CliRunner().invoke(main, [*args, str(path)])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """One warehouse for the module (the per-test environment of tests/conftest.py is function-scoped)."""
    work = tmp_path_factory.mktemp("field_cases")
    db = work / "data" / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AHW_DATA_DIR", str(work / "data"))
        env.setenv("AHW_DUCKDB_PATH", str(db))
        env.delenv("AHW_PII_SALT", raising=False)
        for account, orders in (
            (MCF_CASE, CASES / "04-orders-non-amazon-mcf.tsv"),
            (BUYER_CANCEL_CASE, CASES / "05-orders-buyer-requested-cancel.tsv"),
            (FREE_TEXT_CASE, BREAKER8 / "b8-07-orders-us-cancel-reason-pii.tsv"),
        ):
            _import(ORDERS, account, orders)
            _import("GET_V2_SELLER_PERFORMANCE_REPORT", account, CASES / "04-05-aux-v2-us-snapshot.json", SNAPSHOT_DAY)
        make_invoker(db, work)("build", "--exclude-resource-type", "unit_test")
    return db


def query(db: Path, sql: str, params: list) -> list[tuple]:
    # dbt-duckdb keeps its in-process connection open; a second one must share its configuration
    with duckdb.connect(str(db)) as con:
        return con.execute(sql, params).fetchall()


def test_04_mcf_orders_stay_in_raw_and_out_of_the_afn_denominator_and_the_volume_credit(warehouse):
    raw = query(
        warehouse, "select amazon_order_id, sales_channel from raw.orders where account_id = ? order by 1", [MCF_CASE]
    )
    assert [channel for _, channel in raw] == ["Amazon.com", "Amazon.com", "Non-Amazon", "Non-Amazon"]
    staged = query(warehouse, "select amazon_order_id, is_marketplace_order from staging.stg_spapi__order_items "
                              "where account_id = ? order by 1", [MCF_CASE])  # fmt: skip
    assert staged == [(o, channel != "Non-Amazon") for o, channel in raw]
    recomputed = query(
        warehouse,
        "select numerator, denominator from marts.fct_health_metrics_daily where account_id = ? and metric_date = ? "
        "and metric_name = 'order_defect_rate' and fulfillment_channel = 'AFN' and source = 'recomputed'",
        [MCF_CASE, SNAPSHOT_DAY],
    )
    assert recomputed == [(0, 2)]
    rating = query(warehouse, "select orders_180d, mcf_orders_180d from marts.fct_account_health_rating "
                              "where account_id = ? and rating_date = ?", [MCF_CASE, SNAPSHOT_DAY])  # fmt: skip
    assert rating == [(2, 2)]
    summary = query(warehouse, "select orders_180d, mcf_orders_180d from marts.fct_account_health_summary "
                               "where account_id = ?", [MCF_CASE])  # fmt: skip
    assert summary == [(2, 2)]


def test_05_a_buyer_requested_cancellation_is_no_defect(warehouse):
    recomputed = query(
        warehouse,
        "select numerator, denominator, value from marts.fct_health_metrics_daily where account_id = ? "
        "and metric_date = ? and metric_name = 'pre_fulfillment_cancellation_rate' and source = 'recomputed'",
        [BUYER_CANCEL_CASE, SNAPSHOT_DAY],
    )
    assert recomputed == [(0, 4, 0.0)]
    for mart in ("fct_defect_attribution", "fct_defect_rolloff_calendar"):
        rows = query(warehouse, f"select count(*) from marts.{mart} where account_id = ? and amazon_order_id = ?",
                     [BUYER_CANCEL_CASE, BUYER_CANCELLED_ORDER])  # fmt: skip
        assert rows == [(0,)], mart
    listed = query(
        warehouse,
        "select amazon_order_id, cancelled_by, buyer_requested_cancel_reason, is_in_cancellation_rate "
        "from marts.fct_order_cancellations where account_id = ?",
        [BUYER_CANCEL_CASE],
    )
    assert listed == [(BUYER_CANCELLED_ORDER, "buyer_request", "Order Created by Mistake", False)]
    staged = query(warehouse, "select is_buyer_requested_cancellation, buyer_requested_cancel_reason, is_seller_cancelled "
                              "from staging.stg_spapi__order_items where amazon_order_id = ?", [BUYER_CANCELLED_ORDER])  # fmt: skip
    assert staged == [(True, "Order Created by Mistake", False)]


def test_a_buyers_own_words_in_the_cancel_reason_reach_no_mart(warehouse):
    listed = query(warehouse, "select amazon_order_id, cancelled_by, buyer_requested_cancel_reason "
                              "from marts.fct_order_cancellations where account_id = ?", [FREE_TEXT_CASE])  # fmt: skip
    assert listed == [("111-0000800-0000002", "buyer_request", "other")]
    tables = query(warehouse, "select table_name from information_schema.tables where table_schema = 'marts'", [])
    for (table,) in tables:
        text = str(query(warehouse, f"select * from marts.{table}", []))
        for secret in ("Jane", "jane.doe", "555-0100", "ordered twice"):
            assert secret not in text, (table, secret)
