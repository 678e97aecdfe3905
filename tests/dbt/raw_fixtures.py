"""A small, hand-checkable raw schema for the dbt tests (orchestration/README.md "Schema raw").

The DDL below follows the README contract column by column (and matches
orchestration/warehouse/schema.py, which test_raw_fixture_matches_warehouse_ddl checks when that
module is importable). The data set is deterministic:

accounts x marketplaces, snapshots 2026-11-01 .. 2026-11-05 (SNAPSHOT_DATES):
- ``acme`` / US (ATVPDKIKX0DER): V2 documents in the *schema* spelling
  (preFulfillmentCancellationRate, warningStates, documentRequests, accountHealthRatingStatus),
  short timestamps ``2026-11-01T00:00Z``, no ahrScore. listingPolicyViolations = 2 (medium,
  4 points each -> 8). 420 orders purchased 2026-09-01 .. 2026-10-31 (every 7th AFN, orders
  with n % 50 == 0 cancelled); orders partitions are loaded from 2026-09-01 on, so the volume
  credit scales the count to 180 days: on Nov 1, 420 x 180 / 62 = 1219 -> floor(1219 / 200) * 4 =
  24. Estimate 200 + 24 - 8 = 216.
  Feedback: ratings 1 and 2 (negative) and 3 (not) on three orders; two returns, one an A-to-z
  claim. V1 customer-service metrics on every day.
- ``acme`` / DE (A1PA6795UKMFR9): Amazon's *example* spelling (prefulfillmentCancelRate,
  warningState, documentRequest, ahrStatus), long timestamps ``...T23:59:59Z``, ahrScore 180,
  lateShipmentRateList with a 10-day item (counts present) and a 30-day item without counts,
  a sparse ODR afn object without counts, an unknown key and account status SUSPENDED.
  documentRequest defectsCount 3 (low, 2 points -> 6); 199 orders (Nov 5: x 180 / 66 = 543) ->
  credit 8. Estimate 202.
- ``bolt`` / US: foodAndProductSafetyIssues (critical) 0 on Nov 1-2 and 1 from Nov 3 -> estimate
  0 (Critical) from Nov 3; 200 orders (Nov 2: x 180 / 63 = 571) -> credit 8 (estimate 208 on
  Nov 1-2). No orders partition is loaded for Nov 5 -> volume credit unknown (0) that day.
  ahrScore 204 then 0.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb

US = "ATVPDKIKX0DER"
DE = "A1PA6795UKMFR9"
SNAPSHOT_DATES = [dt.date(2026, 11, d) for d in range(1, 6)]
ORDERS_REPORT = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"

PROVENANCE = """
  report_id VARCHAR, account_id VARCHAR, marketplace_id VARCHAR, partition_date DATE,
  landing_file VARCHAR, loaded_at TIMESTAMP, source_row_number INTEGER"""

DDL = [
    "CREATE SCHEMA IF NOT EXISTS raw",
    f"""CREATE TABLE raw.orders (
  amazon_order_id VARCHAR, merchant_order_id VARCHAR, purchase_date TIMESTAMP, last_updated_date TIMESTAMP,
  order_status VARCHAR, fulfillment_channel VARCHAR, sales_channel VARCHAR, order_channel VARCHAR, url VARCHAR,
  ship_service_level VARCHAR, product_name VARCHAR, sku VARCHAR, asin VARCHAR, item_status VARCHAR,
  quantity INTEGER, currency VARCHAR, item_price DECIMAL(18,2), item_tax DECIMAL(18,2),
  shipping_price DECIMAL(18,2), shipping_tax DECIMAL(18,2), gift_wrap_price DECIMAL(18,2),
  gift_wrap_tax DECIMAL(18,2), item_promotion_discount DECIMAL(18,2), ship_promotion_discount DECIMAL(18,2),
  ship_state VARCHAR, ship_country VARCHAR, promotion_ids VARCHAR, is_business_order BOOLEAN,
  purchase_order_number VARCHAR, price_designation VARCHAR, signature_confirmation_recommended BOOLEAN,
  is_iba BOOLEAN, is_buyer_requested_cancellation BOOLEAN, buyer_requested_cancel_reason VARCHAR,
  buyer_email_hash VARCHAR, extra_columns JSON,{PROVENANCE})""",
    f"""CREATE TABLE raw.seller_feedback (
  feedback_date DATE, rating INTEGER, comments VARCHAR, your_response VARCHAR, order_id VARCHAR,
  rater_email_hash VARCHAR, extra_columns JSON,{PROVENANCE})""",
    f"""CREATE TABLE raw.returns (
  order_id VARCHAR, order_date DATE, return_request_date DATE, return_request_status VARCHAR,
  amazon_rma_id VARCHAR, seller_rma_id VARCHAR, label_type VARCHAR, label_cost DECIMAL(18,2),
  currency_code VARCHAR, return_carrier VARCHAR, tracking_id VARCHAR, label_to_be_paid_by VARCHAR,
  a_to_z_claim BOOLEAN, is_prime BOOLEAN, asin VARCHAR, merchant_sku VARCHAR, item_name VARCHAR,
  return_quantity INTEGER, return_reason VARCHAR, in_policy BOOLEAN, return_type VARCHAR, resolution VARCHAR,
  invoice_number VARCHAR, return_delivery_date DATE, order_amount DECIMAL(18,2), order_quantity INTEGER,
  safet_action_reason VARCHAR, safet_claim_id VARCHAR, safet_claim_state VARCHAR,
  safet_claim_creation_time VARCHAR, safet_claim_reimbursement_amount DECIMAL(18,2),
  refunded_amount DECIMAL(18,2), category VARCHAR, extra_columns JSON,{PROVENANCE})""",
    f"""CREATE TABLE raw.seller_performance (
  snapshot_at TIMESTAMP, account_status VARCHAR, ahr_status VARCHAR, ahr_score INTEGER,
  performance_metrics JSON, document JSON,{PROVENANCE})""",
    f"""CREATE TABLE raw.seller_performance_v1 (
  snapshot_at TIMESTAMP, metric_group VARCHAR, metric_name VARCHAR, fulfillment_channel VARCHAR,
  window_start_date DATE, window_end_date DATE, rate DOUBLE, reported_rate DOUBLE, reported_rate_unit VARCHAR,
  numerator BIGINT, denominator BIGINT, value DOUBLE, value_unit VARCHAR, target_value DOUBLE,
  target_condition VARCHAR, status VARCHAR, measures JSON, element_xml VARCHAR,{PROVENANCE})""",
    """CREATE TABLE raw.load_log (
  report_type VARCHAR, report_id VARCHAR, account_id VARCHAR, marketplace_id VARCHAR, partition_date DATE,
  rows_loaded BIGINT, landing_file VARCHAR, sha256 VARCHAR, loaded_at TIMESTAMP, generated_at TIMESTAMP,
  encoding VARCHAR,
  encoding_source VARCHAR, date_formats JSON, flags JSON, rows_rejected INTEGER, unmapped_elements JSON)""",
    """CREATE TABLE raw.rejected_rows (
  report_type VARCHAR, report_id VARCHAR, account_id VARCHAR, marketplace_id VARCHAR, landing_file VARCHAR,
  source_row_number INTEGER, raw_text VARCHAR, reason VARCHAR, loaded_at TIMESTAMP)""",
    """CREATE TABLE raw.notifications (
  notification_id VARCHAR PRIMARY KEY, notification_type VARCHAR, notification_version VARCHAR,
  payload_version VARCHAR, event_time TIMESTAMP, publish_time TIMESTAMP, subscription_id VARCHAR,
  application_id VARCHAR, account_id VARCHAR, previous_account_status VARCHAR, current_account_status VARCHAR,
  payload JSON, envelope JSON, sqs_message_id VARCHAR, received_at TIMESTAMP, recorded_at TIMESTAMP)""",
    """CREATE TABLE raw.notification_rejects (
  sqs_message_id VARCHAR PRIMARY KEY, body VARCHAR, body_sha256 VARCHAR, reason VARCHAR, notification_id VARCHAR,
  notification_type VARCHAR, subscription_id VARCHAR, received_at TIMESTAMP)""",
]

#: Columns the V1 rows below fill: the old flat shape as a loader before the V1 redesign wrote it
#: (no metric_group, channel or counts: staging reads the counts from measures).
V1_COLUMNS = (
    "snapshot_at, metric_name, window_start_date, window_end_date, rate, target_value, target_condition, "
    "status, measures, element_xml, report_id, account_id, marketplace_id, partition_date, landing_file, "
    "loaded_at, source_row_number"
)


def _range(start: dt.date, end: dt.date, *, long_form: bool) -> dict:
    if long_form:
        return {"reportingDateFrom": f"{start}T00:00:00Z", "reportingDateTo": f"{end}T23:59:59Z"}
    return {"reportingDateFrom": f"{start}T00:00Z", "reportingDateTo": f"{end}T23:59Z"}


def _policy(day: dt.date, count: int | None, *, long_form: bool) -> dict:
    obj = {
        "reportingDateRange": _range(day - dt.timedelta(days=179), day, long_form=long_form),
        "status": "BAD" if count else "GOOD",
        "targetValue": 0,
        "targetCondition": "EQUALS",
    }
    if count is not None:
        obj["defectsCount"] = count
    return obj


def _odr(day: dt.date, orders: int, defects: int, *, long_form: bool, sparse: bool = False) -> dict:
    end = day - dt.timedelta(days=14)
    obj = {
        "reportingDateRange": _range(end - dt.timedelta(days=59), end, long_form=long_form),
        "status": "GOOD",
        "rate": defects / orders if orders else 0,
        "targetValue": 0.01,
        "targetCondition": "LESS_THAN",
        "fulfillmentType": "mfn",
    }
    if not sparse:
        obj |= {
            "orderCount": orders,
            "orderWithDefects": {"count": defects, "status": "GOOD"},
            "claims": {"count": min(defects, 1), "status": "NONE"},
            "chargebacks": {"count": 0, "status": "NONE"},
            "negativeFeedback": {"count": max(defects - 1, 0), "status": "NONE"},
        }
    return obj


def performance_metrics_schema_variant(day: dt.date, *, listing_violations: int = 2, food_safety: int = 0) -> dict:
    """performanceMetrics[] element as in the JSON schema (schema key spellings, short timestamps)."""
    short = {"long_form": False}
    return {
        "marketplaceId": US,
        "orderDefectRate": {"mfn": _odr(day, 360, 3, **short), "afn": _odr(day, 60, 0, **short)},
        "lateShipmentRate": {
            "reportingDateRange": _range(day - dt.timedelta(days=29), day, **short),
            "orderCount": 200,
            "lateShipmentCount": 10,
            "status": "BAD",
            "rate": 0.05,
            "targetValue": 0.04,
            "targetCondition": "LESS_THAN",
        },
        "preFulfillmentCancellationRate": {
            "reportingDateRange": _range(day - dt.timedelta(days=6), day, **short),
            "orderCount": 40,
            "cancellationCount": 1,
            "status": "GOOD",
            "rate": 0.025,
            "targetValue": 0.025,
            "targetCondition": "LESS_THAN",
        },
        "validTrackingRate": {
            "reportingDateRange": _range(day - dt.timedelta(days=29), day, **short),
            "shipmentCount": 100,
            "validTrackingCount": 97,
            "status": "GOOD",
            "rate": 0.97,
            "targetValue": 0.95,
            "targetCondition": "GREATER_THAN",
        },
        "onTimeDeliveryRate": {
            "reportingDateRange": _range(day - dt.timedelta(days=29), day, **short),
            "shipmentCountWithValidTracking": 100,
            "onTimeDeliveryCount": 90,
            "status": "GOOD",
            "rate": 0.9,
            "targetValue": 0.9,
            "targetCondition": "GREATER_THAN",
        },
        "unitOnTimeDeliveryRate": {
            "reportingDateRange": _range(day - dt.timedelta(days=29), day, **short),
            "unitOnTimeDeliveryCount": 146,
            "totalUnitCount": 165,
            "status": "GOOD",
            "rate": 0.8848,
            "targetValue": 0.9,
            "targetCondition": "GREATER_THAN",
        },
        "invoiceDefectRate": {
            "reportingDateRange": _range(day - dt.timedelta(days=6), day, **short),
            "orderCount": 0,
            "status": "NONE",
            "rate": 0,
            "targetValue": 0.05,
            "targetCondition": "LESS_THAN",
        },
        "warningStates": [{"warningType": "spammingSellerMessaging", "status": "BAD"}],
        "accountHealthRating": {
            "accountHealthRatingStatus": "GREAT",
            "reportingDateRange": _range(day - dt.timedelta(days=180), day, **short),
        },
        "listingPolicyViolations": _policy(day, listing_violations, **short),
        "productAuthenticityCustomerComplaints": _policy(day, 0, **short),
        "productConditionCustomerComplaints": _policy(day, 0, **short),
        "productSafetyCustomerComplaints": _policy(day, 0, **short),
        "receivedIntellectualPropertyComplaints": _policy(day, 0, **short),
        "restrictedProductPolicyViolations": _policy(day, 0, **short),
        "suspectedIntellectualPropertyViolations": _policy(day, 0, **short),
        "foodAndProductSafetyIssues": _policy(day, food_safety, **short),
        "otherPolicyViolations": _policy(day, 0, **short),
        "documentRequests": _policy(day, 0, **short),
    }


def performance_metrics_example_variant(day: dt.date) -> dict:
    """performanceMetrics[] element in Amazon's example / live-data spellings (long timestamps)."""
    long = {"long_form": True}
    return {
        "marketplaceId": DE,
        "orderDefectRate": {"mfn": _odr(day, 150, 1, **long), "afn": _odr(day, 0, 0, long_form=True, sparse=True)},
        "lateShipmentRate": {
            "reportingDateRange": _range(day - dt.timedelta(days=29), day, **long),
            "orderCount": 150,
            "lateShipmentCount": 3,
            "status": "GOOD",
            "rate": 0.02,
            "targetValue": 0.04,
            "targetCondition": "LESS_THAN",
        },
        "lateShipmentRateList": [
            {
                "reportingDateRange": _range(day - dt.timedelta(days=9), day, **long),
                "orderCount": 50,
                "lateShipmentCount": 3,
                "status": "BAD",
                "rate": 0.06,
                "targetValue": 0.04,
                "targetCondition": "LESS_THAN",
            },
            {
                "reportingDateRange": _range(day - dt.timedelta(days=29), day, **long),
                "status": "GOOD",
                "rate": 0.02,
                "targetValue": 0.04,
                "targetCondition": "LESS_THAN",
            },
        ],
        "prefulfillmentCancelRate": {
            "reportingDateRange": _range(day - dt.timedelta(days=6), day, **long),
            "orderCount": 20,
            "cancellationCount": 1,
            "status": "BAD",
            "rate": 0.05,
            "targetValue": 0.025,
            "targetCondition": "LESS_THAN",
        },
        "warningState": [{"warningType": "spammingSellerMessaging", "status": "GOOD"}],
        "accountHealthRating": {
            "ahrStatus": "WARNED",
            "ahrScore": 180,
            "reportingDateRange": _range(day - dt.timedelta(days=180), day, **long),
        },
        "documentRequest": _policy(day, 3, **long),
        "listingPolicyViolations": _policy(day, None, **long),  # sparse: zero count left out
        "policyViolationWarnings": {"warningsCount": 1},
        "somethingNewFromAmazon": {"foo": "bar", "rate": 0.5},
    }


def _document(statuses: list[dict], metrics: list[dict]) -> dict:
    return {"accountStatuses": statuses, "performanceMetrics": metrics, "unknownTopLevelKey": 1}


def _prov(report_id: str, account: str, marketplace: str, day: dt.date, row: int = 1) -> tuple:
    return (
        report_id,
        account,
        marketplace,
        day,
        f"{report_id}.json",
        dt.datetime.combine(day + dt.timedelta(days=1), dt.time(1, 0)),
        row,
    )


def _orders(account: str, marketplace: str, count: int, first_day: dt.date, days: int) -> list[tuple]:
    """`count` orders spread over `days` days from `first_day`; one item each; every 7th AFN,
    every 50th cancelled (a second, later version: Pending first, then Cancelled)."""
    rows = []
    currency = "USD" if marketplace == US else "EUR"
    for n in range(count):
        purchased = dt.datetime.combine(first_day + dt.timedelta(days=n % days), dt.time(10, 0))
        order_id = f"{account[:1].upper()}{marketplace[:2]}-{n:05d}"
        channel = "Amazon" if n % 7 == 0 else "Merchant"
        sku = f"SKU-{n % 3}"
        cancelled = n % 50 == 0
        versions = [("Pending", purchased)]
        versions.append(("Cancelled" if cancelled else "Shipped", purchased + dt.timedelta(days=1)))
        for status, updated in versions:
            rows.append(
                (
                    order_id,
                    None,
                    purchased,
                    updated,
                    status,
                    channel,
                    "Amazon.com",
                    None,
                    None,
                    "Standard",
                    f"Product {sku}",
                    sku,
                    f"B00{n % 3}",
                    status,
                    1,
                    currency,
                    10.00,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    None,
                    "US",
                    None,
                    False,
                    None,
                    None,
                    False,
                    False,
                    False,
                    None,
                    None,
                    None,
                )
                + _prov(f"ord-{account}-{marketplace}-{updated.date()}", account, marketplace, updated.date())
            )
    return rows


def build_raw(path: Path | str) -> None:
    """Create schema raw in the DuckDB file at `path` and fill it with the fixture data set."""
    con = duckdb.connect(str(path))
    try:
        for statement in DDL:
            con.execute(statement)
        _fill(con)
    finally:
        con.close()


def _fill(con: duckdb.DuckDBPyConnection) -> None:
    order_rows = (
        _orders("acme", US, 420, dt.date(2026, 9, 1), 61)
        + _orders("acme", DE, 199, dt.date(2026, 9, 1), 61)
        + _orders("bolt", US, 200, dt.date(2026, 9, 1), 61)
    )
    con.executemany(f"INSERT INTO raw.orders VALUES ({', '.join(['?'] * 43)})", order_rows)

    # Orders partitions are loaded every day (empty ones too), except bolt's on 2026-11-05.
    load_rows = []
    day = dt.date(2026, 9, 1)
    while day <= SNAPSHOT_DATES[-1]:
        for account, marketplace in (("acme", US), ("acme", DE), ("bolt", US)):
            if account == "bolt" and day == SNAPSHOT_DATES[-1]:
                continue
            n = sum(1 for r in order_rows if r[37] == account and r[38] == marketplace and r[39] == day)
            load_rows.append(
                (
                    ORDERS_REPORT,
                    f"ord-{account}-{marketplace}-{day}",
                    account,
                    marketplace,
                    day,
                    n,
                    f"orders/{account}/{day}.tsv",
                    None,
                    dt.datetime.combine(day, dt.time(23)),
                )
            )
        day += dt.timedelta(days=1)
    con.executemany(
        "INSERT INTO raw.load_log (report_type, report_id, account_id, marketplace_id, partition_date, rows_loaded, "
        "landing_file, sha256, loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        load_rows,
    )

    # acme/US feedback: order 00003 rating 1, 00010 rating 2 (MFN), 00014 (AFN) rating 3 (not negative).
    feedback = [
        (dt.date(2026, 10, 1), 1, "late", None, "AAT-00003", "hash1"),
        (dt.date(2026, 10, 2), 2, "meh", None, "AAT-00010", "hash2"),
        (dt.date(2026, 10, 3), 3, "ok", None, "AAT-00014", "hash3"),
    ]
    con.executemany(
        f"INSERT INTO raw.seller_feedback VALUES ({', '.join(['?'] * 14)})",
        [f + (None,) + _prov(f"fb-{f[0]}", "acme", US, f[0]) for f in feedback],
    )
    returns = [
        ("AAT-00003", dt.date(2026, 9, 4), dt.date(2026, 10, 5), "Approved", "RMA1", True, "SKU-0", "B000"),
        ("AAT-00020", dt.date(2026, 9, 21), dt.date(2026, 10, 6), "Approved", "RMA2", False, "SKU-2", "B002"),
    ]
    con.executemany(
        f"INSERT INTO raw.returns VALUES ({', '.join(['?'] * 41)})",
        [
            (
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                None,
                None,
                None,
                "USD",
                None,
                None,
                None,
                r[5],
                False,
                r[7],
                r[6],
                "Item",
                1,
                "DEFECTIVE",
                True,
                "C-Returns",
                "Refund",
                None,
                None,
                10,
                1,
                None,
                None,
                None,
                None,
                None,
                10,
                "Toys",
                None,
            )
            + _prov(f"ret-{r[2]}", "acme", US, r[2])
            for r in returns
        ],
    )

    perf_rows, v1_rows = [], []
    for day in SNAPSHOT_DATES:
        snap_at = dt.datetime.combine(day, dt.time(23, 59, 59))
        # acme: one document for both marketplaces (as Amazon serves it), one row per marketplace.
        us_pm = performance_metrics_schema_variant(day)
        de_pm = performance_metrics_example_variant(day)
        acme_doc = _document(
            [{"marketplaceId": US, "status": "NORMAL"}, {"marketplaceId": DE, "status": "SUSPENDED"}],
            [us_pm, de_pm],
        )
        perf_rows.append(
            (snap_at, "NORMAL", "GREAT", None, json.dumps(us_pm), json.dumps(acme_doc))
            + _prov(f"perf-acme-US-{day}", "acme", US, day)
        )
        # DE row as an older loader would have written it: statuses only in the JSON.
        perf_rows.append(
            (snap_at, None, None, None, json.dumps(de_pm), json.dumps(acme_doc))
            + _prov(f"perf-acme-DE-{day}", "acme", DE, day)
        )
        food = 1 if day >= dt.date(2026, 11, 3) else 0
        bolt_pm = performance_metrics_schema_variant(day, listing_violations=0, food_safety=food)
        bolt_pm["accountHealthRating"] = {"ahrStatus": "WARNED" if food else "GREAT", "ahrScore": 0 if food else 204}
        bolt_doc = _document([{"marketplaceId": US, "status": "AT_RISK" if food else "NORMAL"}], [bolt_pm])
        perf_rows.append(
            (
                snap_at,
                "AT_RISK" if food else "NORMAL",
                "WARNED" if food else "GREAT",
                0 if food else 204,
                json.dumps(bolt_pm),
                json.dumps(bolt_doc),
            )
            + _prov(f"perf-bolt-US-{day}", "bolt", US, day)
        )
        start = day - dt.timedelta(days=29)
        v1_rows.append(
            (
                snap_at,
                "contact_response_time",
                start,
                day,
                0.9375,
                0.9,
                "GREATER_THAN",
                "GOOD",
                json.dumps(
                    {
                        "contactCount": 320,
                        "responseUnder24HoursCount": 300,
                        "responseOver24HoursCount": 15,
                        "noResponseCount": 5,
                        "averageResponseTimeInHours": 11.2,
                    }
                ),
                "<contactResponseTime/>",
            )
            + _prov(f"v1-acme-US-{day}", "acme", US, day, 1)
        )
        v1_rows.append(
            (
                snap_at,
                "return_dissatisfaction",
                start,
                day,
                0.025,
                0.1,
                "LESS_THAN",
                "GOOD",
                json.dumps(
                    {
                        "returnCount": 120,
                        "negativeReturnFeedbackCount": 2,
                        "lateResponseCount": 1,
                        "invalidRejectionCount": 0,
                        "returnDissatisfactionCount": 3,
                    }
                ),
                "<returnDissatisfaction/>",
            )
            + _prov(f"v1-acme-US-{day}", "acme", US, day, 2)
        )
    con.executemany(f"INSERT INTO raw.seller_performance VALUES ({', '.join(['?'] * 13)})", perf_rows)
    con.executemany(f"INSERT INTO raw.seller_performance_v1 ({V1_COLUMNS}) VALUES ({', '.join(['?'] * 17)})", v1_rows)


if __name__ == "__main__":  # pragma: no cover - manual use: python tests/dbt/raw_fixtures.py out.duckdb
    import sys

    build_raw(sys.argv[1])
