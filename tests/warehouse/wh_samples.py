"""Small hand-built report documents in the formats of orchestration/README.md (no sandbox needed)."""

from __future__ import annotations

import json

from orchestration.parsing import DocumentContext, ParseOptions, parse_bytes

US = "ATVPDKIKX0DER"
DE = "A1PA6795UKMFR9"
FR = "A13V1IB3VIYZZH"
SALT = "test-salt"

ORDER_HEADERS = [
    "amazon-order-id",
    "merchant-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "order-channel",
    "url",
    "ship-service-level",
    "product-name",
    "sku",
    "asin",
    "item-status",
    "quantity",
    "currency",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "gift-wrap-price",
    "gift-wrap-tax",
    "item-promotion-discount",
    "ship-promotion-discount",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "promotion-ids",
    "is-business-order",
    "purchase-order-number",
    "price-designation",
    "signature-confirmation-recommended",
]


def order_row(order_id: str, last_updated: str, **overrides: str) -> dict[str, str]:
    row = {
        "amazon-order-id": order_id,
        "merchant-order-id": "",
        "purchase-date": "2026-05-01T09:00:00+00:00",
        "last-updated-date": last_updated,
        "order-status": "Shipped",
        "fulfillment-channel": "Merchant",
        "sales-channel": "Amazon.com",
        "order-channel": "",
        "url": "",
        "ship-service-level": "Standard",
        "product-name": "Garden hose 20m",
        "sku": "SKU-1",
        "asin": "B000000001",
        "item-status": "Shipped",
        "quantity": "2",
        "currency": "USD",
        "item-price": "19.99",
        "item-tax": "1.60",
        "shipping-price": "4.99",
        "shipping-tax": "0.00",
        "gift-wrap-price": "",
        "gift-wrap-tax": "",
        "item-promotion-discount": "-2.00",
        "ship-promotion-discount": "0",
        "ship-city": "SPRINGFIELD",
        "ship-state": "IL",
        "ship-postal-code": "62704",
        "ship-country": "US",
        "promotion-ids": "",
        "is-business-order": "false",
        "purchase-order-number": "",
        "price-designation": "",
        "signature-confirmation-recommended": "true",
    }
    row.update(overrides)
    return row


def tsv(headers: list[str], rows: list[dict[str, str]] | list[list[str]]) -> bytes:
    lines = ["\t".join(headers)]
    for row in rows:
        values = [row.get(h, "") for h in headers] if isinstance(row, dict) else row
        lines.append("\t".join(values))
    return ("\n".join(lines) + "\n").encode()


def orders_doc(extra_headers: list[str] | None = None, rows: list[dict[str, str]] | None = None) -> bytes:
    headers = ORDER_HEADERS + (extra_headers or [])
    if rows is None:
        rows = [
            order_row("111-0000001-0000001", "2026-05-01T13:45:12+00:00"),
            order_row("111-0000002-0000002", "2026-05-01T23:30:00-02:00", **{"order-status": "Cancelled"}),
            order_row("111-0000003-0000003", "2026-05-02T08:00:00+00:00", **{"fulfillment-channel": "Amazon"}),
        ]
    return tsv(headers, rows)


FEEDBACK_HEADERS = ["Date", "Rating", "Comments", "Your Response", "Order ID", "Rater Email"]


def feedback_doc(rows: list[list[str]] | None = None, headers: list[str] | None = None) -> bytes:
    rows = rows or [
        ["11/25/26", "1", "Never arrived", "", "111-0000001-0000001", "Jane.Doe@example.com"],
        ["11/25/26", "2", "Late", "Sorry!", "111-0000002-0000002", "bob@example.com"],
        ["11/26/26", "3", "ok", "", "111-0000003-0000003", ""],
    ]
    return tsv(headers or FEEDBACK_HEADERS, rows)


RETURN_HEADERS = [
    "Order ID", "Order date", "Return request date", "Return request status", "Amazon RMA ID", "Seller RMA ID",
    "Label type", "Label cost", "Currency code", "Return carrier", "Tracking ID", "Label to be paid by",
    "A-to-Z Claim", "Is prime", "ASIN", "Merchant SKU", "Item Name", "Return quantity", "Return reason",
    "In policy", "Return type", "Resolution", "Invoice number", "Return delivery date", "Order Amount",
    "Order quantity", "SafeT action reason", "SafeT claim id", "SafeT claim state", "SafeT claim creation time",
    "SafeT claim reimbursement amount", "Refunded Amount", "Category",
]  # fmt: skip


def return_row(order_id: str, request_date: str, **overrides: str) -> dict[str, str]:
    row = {
        "Order ID": order_id,
        "Order date": "11/01/2026",
        "Return request date": request_date,
        "Return request status": "Approved",
        "Amazon RMA ID": "D1234",
        "Label type": "AmazonUnPaidLabel",
        "Label cost": "5.50",
        "Currency code": "USD",
        "A-to-Z Claim": "N",
        "Is prime": "Y",
        "ASIN": "B000000001",
        "Merchant SKU": "SKU-1",
        "Item Name": "Garden hose 20m",
        "Return quantity": "1",
        "Return reason": "DEFECTIVE",
        "In policy": "Y",
        "Return type": "C-Returns",
        "Order Amount": "19.99",
        "Order quantity": "1",
        "Refunded Amount": "19.99",
        "Category": "Garden",
    }
    row.update(overrides)
    return row


def returns_doc(rows: list[dict[str, str]] | None = None) -> bytes:
    rows = rows or [
        return_row("111-0000001-0000001", "11/20/2026", **{"A-to-Z Claim": "Y"}),
        return_row("111-0000002-0000002", "11/21/2026"),
    ]
    return tsv(RETURN_HEADERS, rows)


def v2_doc(marketplaces: tuple[str, ...] = (US,), *, ahr_key: str = "ahrStatus", score: int | None = 780) -> dict:
    metrics = []
    for mp in marketplaces:
        ahr = {
            ahr_key: "GREAT",
            "reportingDateRange": {"reportingDateFrom": "2026-05-29T00:00Z", "reportingDateTo": "2026-11-25T23:59:59Z"},
        }
        if score is not None:
            ahr["ahrScore"] = score
        metrics.append(
            {
                "marketplaceId": mp,
                "orderDefectRate": {
                    "mfn": {
                        "reportingDateRange": {
                            "reportingDateFrom": "2026-09-12T00:00Z",
                            "reportingDateTo": "2026-11-10T23:59Z",
                        },
                        "orderCount": 500,
                        "orderWithDefects": {"count": 3, "status": "GOOD"},
                        "status": "GOOD",
                        "rate": 0.006,
                        "targetValue": 0.01,
                        "targetCondition": "LESS_THAN",
                    }
                },
                "lateShipmentRateList": [{"reportingDateRange": {"reportingDateFrom": "2026-11-16T00:00Z",
                                                                 "reportingDateTo": "2026-11-25T23:59Z"}}],
                "accountHealthRating": ahr,
                "someFutureMetric": {"status": "SHINY"},
            }
        )  # fmt: skip
    return {
        "accountStatuses": [{"marketplaceId": mp, "status": "NORMAL"} for mp in marketplaces],
        "performanceMetrics": metrics,
    }


V1_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<sellerPerformanceReports>
  <sellerPerformanceReport>
    <marketplaceId>{US}</marketplaceId>
    <contactResponseTime>
      <timeFrame><start>2026-10-27</start><end>2026-11-25</end></timeFrame>
      <contactCount>320</contactCount><responseUnder24HoursCount>300</responseUnder24HoursCount>
      <responseOver24HoursCount>15</responseOver24HoursCount><noResponseCount>5</noResponseCount>
      <averageResponseTimeInHours>11.2</averageResponseTimeInHours>
      <rate>0.9375</rate><targetValue>0.9</targetValue><targetCondition>GREATER_THAN</targetCondition>
      <status>GOOD</status>
    </contactResponseTime>
    <returnDissatisfaction>
      <timeFrame><start>2026-10-27</start><end>2026-11-25</end></timeFrame>
      <returnCount>120</returnCount><negativeReturnFeedbackCount>2</negativeReturnFeedbackCount>
      <lateResponseCount>1</lateResponseCount><invalidRejectionCount>0</invalidRejectionCount>
      <returnDissatisfactionCount>3</returnDissatisfactionCount>
      <rate>0.025</rate><targetValue>0.1</targetValue><targetCondition>LESS_THAN</targetCondition>
      <status>GOOD</status>
    </returnDissatisfaction>
  </sellerPerformanceReport>
  <sellerPerformanceReport>
    <marketplaceId>A2EUQ1WTGCTBG2</marketplaceId>
    <contactResponseTime>
      <timeFrame><start>2026-10-27</start><end>2026-11-25</end></timeFrame>
      <rate>0.5</rate><status>BAD</status>
    </contactResponseTime>
  </sellerPerformanceReport>
</sellerPerformanceReports>
""".encode()


def ctx(report_type: str, marketplace: str = US, report_id: str = "R1", account: str = "acme") -> DocumentContext:
    return DocumentContext(report_type=report_type, account_id=account, marketplace_id=marketplace, report_id=report_id)


def json_bytes(doc: dict) -> bytes:
    return json.dumps(doc).encode()


class Parsed:
    """A parsed document read to the end: its table, warnings, facts and rejected rows."""

    def __init__(self, document):
        self.table = document.table()
        self.document = document
        self.warnings = document.warnings
        self.unknown_columns = document.unknown_columns
        self.facts = document.facts
        self.rejected = document.rejected


def parse_all(report_type, data: bytes, marketplace: str = US, *, report_id: str = "R1", **options) -> Parsed:
    """Parse ``data`` as ``report_type`` for account acme and read every batch."""
    context = ctx(report_type.name, marketplace, report_id)
    return Parsed(parse_bytes(report_type, data, context=context, options=ParseOptions(salt=SALT, **options)))
