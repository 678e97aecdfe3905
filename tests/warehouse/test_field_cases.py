"""Field cases (tests/fixtures/field_cases, copied byte-identical from the shared field cases): each real
sellers' quirk through ``import_file`` (the path ``ahw import-report`` takes) into raw, with the right
values of the cases' README. Cases 03, 14 and 15 also go through dbt into the marts
(tests/dbt/test_field_cases_marts.py); 04 and 05 are the order-semantics side's."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.parsing import DocumentError
from orchestration.parsing.pii import salted_hash
from orchestration.spapi.report_types import (
    ORDERS,
    RETURNS,
    SELLER_FEEDBACK,
    SELLER_PERFORMANCE,
    SELLER_PERFORMANCE_V1,
)
from orchestration.warehouse.loader import import_file
from tests.warehouse.wh_samples import SALT

CASES = Path(__file__).resolve().parents[1] / "fixtures" / "field_cases"
US, JP, IN, DE, FR = "ATVPDKIKX0DER", "A1VC38T7YXB528", "A21TJRUUN4KGV", "A1PA6795UKMFR9", "A13V1IB3VIYZZH"


def load(con, landing, case: str, report_type, marketplace: str, **kwargs):
    return import_file(con, landing, CASES / case, report_type, "acct", marketplace, salt=SALT, **kwargs)


def rows(con, sql: str, params=None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def log_facts(con, report_type) -> tuple:
    (facts,) = set(
        rows(
            con,
            "select encoding, encoding_source, date_formats, flags, rows_rejected, unmapped_elements "
            "from raw.load_log where report_type = ?",
            [report_type.name],
        )
    )
    encoding, source, formats, flags, rejected, unmapped = facts
    return (
        encoding,
        source,
        json.loads(formats) if formats else {},
        json.loads(flags) if flags else [],
        rejected,
        json.loads(unmapped) if unmapped else [],
    )


def test_01_japanese_orders_in_code_page_932_land_byte_exact(con, landing):
    load(con, landing, "01-jp-orders-cp932-katakana.tsv", ORDERS, JP)
    got = rows(con, "select product_name, ship_state from raw.orders order by source_row_number")
    assert got[0] == ("ステンレス ボトル ブラック 500ml", "東京都")
    assert got[0][0].encode("cp932") in (CASES / "01-jp-orders-cp932-katakana.tsv").read_bytes()
    encoding, source, *_ = log_facts(con, ORDERS)
    assert (encoding, source) == ("cp932", "catalogue")
    meta = json.loads(next(landing.root.rglob("*.meta.json")).read_text())
    assert meta["charset"] is None  # nothing declared it: the catalogue decided, and both records say so
    assert (meta["encoding"], meta["encoding_source"]) == ("cp932", "catalogue")


def test_01_declared_as_utf8_it_is_refused_with_the_encoding_and_offset_not_garbled(con, landing):
    with pytest.raises(DocumentError, match=r"does not decode as utf-8: byte offset \d+"):
        load(con, landing, "01-jp-orders-cp932-katakana.tsv", ORDERS, JP, encoding="utf8")


def test_07_feedback_of_a_marketplace_outside_the_old_list_day_first(con, landing):
    result = load(con, landing, "07-feedback-in-marketplace.tsv", SELLER_FEEDBACK, IN)
    assert rows(con, "select feedback_date, order_id from raw.seller_feedback order by 1") == [
        (date(2026, 11, 25), "404-0000701-0000001"),
        (date(2026, 11, 26), "404-0000702-0000002"),
    ]
    _, _, formats, flags, _, _ = log_facts(con, SELLER_FEEDBACK)
    # 25/11/26 and 26/11/26 also read as year-first dates: only the catalogue's day-first format decides
    assert formats["feedback_date"]["decided_by"] == "catalogue" and formats["feedback_date"]["format"] == "%d/%m/%y"
    assert "date_format_from_catalogue" in flags
    assert result.load.rows_loaded == 2


def test_08_japanese_feedback_with_a_two_digit_year_first(con, landing):
    load(con, landing, "08-feedback-jp-yy-m-d.tsv", SELLER_FEEDBACK, JP)
    assert [d for (d,) in rows(con, "select feedback_date from raw.seller_feedback order by source_row_number")] == [
        date(2026, 11, 25),
        date(2026, 11, 3),
    ]
    _, _, formats, _, _, _ = log_facts(con, SELLER_FEEDBACK)
    assert formats["feedback_date"]["decided_by"] == "document"
    assert "row 2 ('26/11/3')" in formats["feedback_date"]["evidence"]


def test_09_returns_with_the_header_amazon_sends_and_a_returnless_refund(con, landing):
    load(con, landing, "09-returns-real-header-returnless.tsv", RETURNS, US)
    got = rows(
        con,
        "select return_request_date, amazon_rma_id, seller_rma_id, a_to_z_claim, return_reason, resolution, "
        "extra_columns from raw.returns order by source_row_number",
    )
    assert [r[0] for r in got] == [date(2026, 11, 20), date(2026, 11, 20)]
    assert got[0][1:3] == ("DQvR00901", "RMA-77")  # Merchant RMA ID is the seller's RMA id
    assert got[0][4] == "DEFECTIVE"  # Return Reason
    assert got[1][1] is None and got[1][3] is True and got[1][5] == "ReturnlessRefund"
    assert all(r[6] is None for r in got)  # no known column fell into extra_columns


def test_10_a_row_shifted_by_a_stray_tab_is_kept_aside_and_the_good_row_loads(con, landing):
    result = load(con, landing, "10-returns-shifted-field.tsv", RETURNS, US)
    assert rows(con, "select order_id, category from raw.returns") == [("111-0000901-0000001", "Kitchen")]
    (rejected,) = rows(
        con, "select report_type, account_id, marketplace_id, landing_file, source_row_number, raw_text, reason "
             "from raw.rejected_rows"
    )  # fmt: skip
    assert rejected[:5] == (RETURNS.name, "acct", US, result.landing_file, 2)
    assert rejected[5].startswith("111-0001002-0000002\t11/02/2026") and rejected[5].count("\t") == 33
    assert "34 fields but the header has 33" in rejected[6]
    _, _, _, flags, rows_rejected, _ = log_facts(con, RETURNS)
    assert rows_rejected == 1 and "rows_rejected" in flags
    assert "1 row(s) kept aside in raw.rejected_rows" in result.describe()
    # the same document again replaces its rejected rows rather than adding to them
    load(con, landing, "10-returns-shifted-field.tsv", RETURNS, US)
    assert rows(con, "select count(*) from raw.rejected_rows") == [(1,)]


def test_11_returns_with_month_name_dates_and_true_false_flags(con, landing):
    load(con, landing, "11-returns-fr-month-name-dates.tsv", RETURNS, FR)
    assert rows(
        con, "select order_date, return_request_date, amazon_rma_id, seller_rma_id, a_to_z_claim, in_policy "
             "from raw.returns"
    ) == [(date(2026, 8, 12), date(2026, 8, 14), "RMA-FR-88213", "MRMA-9981", False, True)]  # fmt: skip
    _, _, formats, _, _, _ = log_facts(con, RETURNS)
    assert formats["return_request_date"]["format"] == "%d-%b-%Y"


def test_12_german_feedback_header_one_real_account_sent(con, landing):
    load(con, landing, "12-feedback-de-localized-header.tsv", SELLER_FEEDBACK, DE)
    got = rows(
        con, "select feedback_date, rating, order_id, your_response, rater_email_hash, extra_columns "
             "from raw.seller_feedback order by source_row_number"
    )  # fmt: skip
    assert got[0][:3] == (date(2026, 11, 13), 1, "302-0000000-0001201")
    assert got[1][:4] == (date(2026, 11, 2), 2, "302-0000000-0001202", "Entschuldigung")
    assert got[0][4] == salted_hash("buyer1201@example.invalid", SALT)  # hashed like any other e-mail
    assert got[0][5] is None and got[1][5] is None
    dump = json.dumps(rows(con, "select * from raw.seller_feedback"), default=str)
    assert "example.invalid" not in dump


def test_14_a_v2_entry_without_marketplace_id_belongs_to_the_only_marketplace(con, landing):
    load(con, landing, "14-v2-no-marketplace-id.json", SELLER_PERFORMANCE, US)
    assert rows(con, "select marketplace_id, ahr_score, partition_date from raw.seller_performance") == [
        (US, 1000, date(2026, 7, 24))
    ]
    _, source, _, flags, _, _ = log_facts(con, SELLER_PERFORMANCE)
    assert flags == ["marketplace_inferred"] and source == "json default"


def test_15_a_rate_metric_with_defects_count_loads_as_received(con, landing):
    load(con, landing, "15-v2-rate-metric-with-defects-count.json", SELLER_PERFORMANCE, US)
    ((metrics,),) = rows(con, "select performance_metrics from raw.seller_performance")
    assert json.loads(metrics)["lateShipmentRate"]["defectsCount"] == 1


def test_03_the_documented_v1_shape_every_window_in_fractions(con, landing):
    result = load(con, landing, "03-v1-documented-shape.xml", SELLER_PERFORMANCE_V1, US)
    assert result.partition_dates == [date(2026, 11, 13)]  # the latest timeFrame end
    got = {
        (name, channel, start, end): (rate, reported, num, den, value, unit)
        for name, channel, start, end, rate, reported, num, den, value, unit in rows(
            con,
            "select metric_name, fulfillment_channel, window_start_date, window_end_date, rate, reported_rate, "
            "numerator, denominator, value, value_unit from raw.seller_performance_v1 where window_end_date is not null",
        )
    }
    odr60 = got[("order_defect_rate", "MFN", date(2026, 9, 1), date(2026, 10, 30))]
    odr90 = got[("order_defect_rate", "MFN", date(2026, 8, 2), date(2026, 10, 30))]
    assert odr60[:4] == (pytest.approx(0.005), 0.5, 2, 400)  # the documented rate is percent
    assert odr90[:4] == (pytest.approx(0.0049), 0.49, 3, 610)
    window = (date(2026, 10, 15), date(2026, 11, 13))
    assert got[("late_shipment_rate", "MFN", *window)][:4] == (pytest.approx(0.05), 5.0, 10, 200)
    assert got[("pre_fulfillment_cancellation_rate", "MFN", *window)][:4] == (pytest.approx(0.005), 0.5, 1, 200)
    assert got[("contact_response_time", "ALL", *window)][2:4] == (45, 50)
    assert got[("contact_response_time_average_hours", "ALL", *window)][4:] == (14.5, "hours")
    checklist = dict(
        rows(
            con, "select metric_name, status from raw.seller_performance_v1 where metric_group = 'performanceChecklist'"
        )
    )
    assert checklist["late_shipment_rate"] == "Poor" and checklist["contact_response_time"] == "Fair"
    _, _, _, flags, _, unmapped = log_facts(con, SELLER_PERFORMANCE_V1)
    assert set(flags) == {"marketplace_inferred", "rates_in_percent"} and unmapped == []


def test_v1_elements_nobody_maps_are_kept_and_listed(con, landing, tmp_path):
    text = (CASES / "03-v1-documented-shape.xml").read_text()
    text = text.replace(
        "<buyerSellerContactResponseTimeMetrics>",
        "<serviceDissatisfactionMetrics><timeFrame><start>2026-10-15</start><end>2026-11-13</end></timeFrame>"
        "<contactCount>7</contactCount></serviceDissatisfactionMetrics><sellerRating>4.8</sellerRating>"
        "<buyerSellerContactResponseTimeMetrics>",
    )
    path = tmp_path / "v1-with-more.xml"
    path.write_text(text)
    import_file(con, landing, path, SELLER_PERFORMANCE_V1, "acct", US, salt=SALT)
    _, _, _, _, _, unmapped = log_facts(con, SELLER_PERFORMANCE_V1)
    assert unmapped == ["serviceDissatisfactionMetrics", "sellerRating"]
    kept = rows(con, "select metric_name, measures from raw.seller_performance_v1 where metric_name in "
                     "('service_dissatisfaction_metrics', 'seller_rating') order by 1")  # fmt: skip
    assert [(n, json.loads(m)) for n, m in kept] == [
        ("seller_rating", 4.8),
        (
            "service_dissatisfaction_metrics",
            {"timeFrame": {"start": "2026-10-15", "end": "2026-11-13"}, "contactCount": 7},
        ),
    ]


def test_decimal_values_of_the_cases_stay_exact(con, landing):
    load(con, landing, "11-returns-fr-month-name-dates.tsv", RETURNS, FR)
    assert rows(con, "select order_amount, label_cost from raw.returns") == [(Decimal("29.99"), Decimal("0.00"))]


def test_v1_tracking_and_return_dissatisfaction_families(con, landing, tmp_path):
    """The other families of Amazon's documentation, each metric over its own denominator."""
    text = (
        (CASES / "03-v1-documented-shape.xml")
        .read_text()
        .replace(
            "<buyerSellerContactResponseTimeMetrics>",
            "<trackingInformation><trackingMetrics><timeFrame><start>2026-10-15T00:00:00Z</start>"
            "<end>2026-11-13T23:59:59Z</end></timeFrame><shipmentCount>200</shipmentCount>"
            "<validTracking><count>190</count><rate>95.0</rate></validTracking>"
            "<onTimeDelivery><count>171</count><rate>90.0</rate></onTimeDelivery></trackingMetrics></trackingInformation>"
            "<returnDissatisfaction><returnDissatisfactionMetrics><timeFrame><start>2026-10-15T00:00:00Z</start>"
            "<end>2026-11-13T23:59:59Z</end></timeFrame><returnCount>40</returnCount>"
            "<returnDissatisfaction><count>2</count><rate>5.0</rate></returnDissatisfaction>"
            "<lateResponse><count>1</count><rate>2.5</rate></lateResponse>"
            "</returnDissatisfactionMetrics></returnDissatisfaction>"
            "<buyerSellerContactResponseTimeMetrics>",
        )
    )
    path = tmp_path / "v1-families.xml"
    path.write_text(text)
    import_file(con, landing, path, SELLER_PERFORMANCE_V1, "acct", US, salt=SALT)
    got = {
        name: (channel, rate, num, den)
        for name, channel, rate, num, den in rows(
            con,
            "select metric_name, fulfillment_channel, rate, numerator, denominator from raw.seller_performance_v1 "
            "where metric_group in ('trackingInformation/trackingMetrics', "
            "'returnDissatisfaction/returnDissatisfactionMetrics')",
        )
    }
    assert got["valid_tracking_rate"] == ("MFN", pytest.approx(0.95), 190, 200)
    assert got["on_time_delivery_rate"] == ("MFN", pytest.approx(0.9), 171, 190)  # over tracked shipments
    assert got["return_dissatisfaction"] == ("ALL", pytest.approx(0.05), 2, 40)
    assert got["return_dissatisfaction_late_response"] == ("ALL", pytest.approx(0.025), 1, 40)
    _, _, _, _, _, unmapped = log_facts(con, SELLER_PERFORMANCE_V1)
    assert unmapped == []
