"""The contract of schema ``raw``: one table per report type, provenance on every row, plus
``raw.load_log``, ``raw.rejected_rows`` and the notifications (``raw.notifications``,
``raw.notification_rejects``).

This module is the single source of the raw column lists (orchestration/README.md, "Schema raw"):
the parsers derive their Arrow types from it (``orchestration.parsing``), the warehouse its DDL and
INSERT column lists (``orchestration.warehouse.schema``), the quality suites their column sets, and
a test keeps the dbt sources YAML equal to it. It depends on nothing else in the package, so the
parsing and warehouse packages can both import it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

SCHEMA = "raw"


@dataclass(frozen=True)
class Column:
    name: str
    ddl_type: str
    """DuckDB type in the DDL."""
    arrow_type: pa.DataType
    """Arrow type of the column in a parsed table (JSON columns travel as strings)."""
    description: str = ""
    provenance: bool = False

    @property
    def is_json(self) -> bool:
        return self.ddl_type == "JSON"


def _c(name: str, ddl: str, description: str = "") -> Column:
    return Column(name, ddl, _ARROW[ddl], description)


_ARROW: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "JSON": pa.string(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "DECIMAL(18,2)": pa.decimal128(18, 2),
}

#: Provenance columns on every row of every raw table (README "Schema raw").
PROVENANCE: tuple[Column, ...] = tuple(
    Column(name, ddl, _ARROW[ddl], desc, provenance=True)
    for name, ddl, desc in (
        ("report_id", "VARCHAR", "SP-API reportId (or import-<sha256 prefix> for hand-imported files)"),
        ("account_id", "VARCHAR", "configured account name"),
        ("marketplace_id", "VARCHAR", "Amazon marketplace id"),
        ("partition_date", "DATE", "daily partition (UTC) the row belongs to"),
        ("landing_file", "VARCHAR", "document path relative to the landing root"),
        ("loaded_at", "TIMESTAMP", "UTC time of the load"),
        ("source_row_number", "INTEGER", "1-based data row in the document; 1 for JSON"),
    )
)

#: Provenance columns the parser itself produces (the loader fills the rest).
PARSER_PROVENANCE = ("partition_date", "source_row_number")

_DEC = "DECIMAL(18,2)"

#: Typed (report) columns per raw table, in README order.
REPORT_COLUMNS: dict[str, tuple[Column, ...]] = {
    "orders": (
        _c("amazon_order_id", "VARCHAR"),
        _c("merchant_order_id", "VARCHAR"),
        _c("purchase_date", "TIMESTAMP", "UTC"),
        _c("last_updated_date", "TIMESTAMP", "UTC; its date is the partition"),
        _c("order_status", "VARCHAR", "Pending, Unshipped, Shipped, Cancelled"),
        _c("fulfillment_channel", "VARCHAR", "Amazon (AFN) or Merchant (MFN)"),
        _c("sales_channel", "VARCHAR"),
        _c("order_channel", "VARCHAR"),
        _c("url", "VARCHAR"),
        _c("ship_service_level", "VARCHAR"),
        _c("product_name", "VARCHAR"),
        _c("sku", "VARCHAR"),
        _c("asin", "VARCHAR"),
        _c("item_status", "VARCHAR"),
        _c("quantity", "INTEGER"),
        _c("currency", "VARCHAR"),
        _c("item_price", _DEC),
        _c("item_tax", _DEC),
        _c("shipping_price", _DEC),
        _c("shipping_tax", _DEC),
        _c("gift_wrap_price", _DEC),
        _c("gift_wrap_tax", _DEC),
        _c("item_promotion_discount", _DEC),
        _c("ship_promotion_discount", _DEC),
        _c("ship_state", "VARCHAR"),
        _c("ship_country", "VARCHAR"),
        _c("promotion_ids", "VARCHAR"),
        _c("is_business_order", "BOOLEAN"),
        _c("purchase_order_number", "VARCHAR"),
        _c("price_designation", "VARCHAR"),
        _c("signature_confirmation_recommended", "BOOLEAN"),
        _c("is_iba", "BOOLEAN", "is-iba as received (true/false); NULL when the report lacks the column"),
        _c(
            "is_buyer_requested_cancellation",
            "BOOLEAN",
            "is-buyer-requested-cancellation: the buyer asked to cancel (not a seller cancellation, so Amazon's "
            "pre-fulfillment cancellation rate leaves it out); NULL when the report lacks the column",
        ),
        _c(
            "buyer_requested_cancel_reason",
            "VARCHAR",
            "buyer-requested-cancel-reason: the reason the buyer gave, as received; NULL when none",
        ),
        _c("buyer_email_hash", "VARCHAR", "salted SHA-256 of buyer-email when the report has it, else NULL"),
        _c("extra_columns", "JSON", "unknown headers {header: value}, NULL when none"),
    ),
    "seller_feedback": (
        _c("feedback_date", "DATE", "the partition"),
        _c("rating", "INTEGER", "1-5 (the report carries 1-3)"),
        _c("comments", "VARCHAR"),
        _c("your_response", "VARCHAR"),
        _c("order_id", "VARCHAR"),
        _c("rater_email_hash", "VARCHAR", "salted SHA-256 of Rater Email"),
        _c("extra_columns", "JSON", "unknown headers {header: value}, NULL when none"),
    ),
    "returns": (
        _c("order_id", "VARCHAR"),
        _c("order_date", "DATE"),
        _c("return_request_date", "DATE", "the partition"),
        _c("return_request_status", "VARCHAR"),
        _c("amazon_rma_id", "VARCHAR"),
        _c("seller_rma_id", "VARCHAR"),
        _c("label_type", "VARCHAR"),
        _c("label_cost", _DEC),
        _c("currency_code", "VARCHAR"),
        _c("return_carrier", "VARCHAR"),
        _c("tracking_id", "VARCHAR"),
        _c("label_to_be_paid_by", "VARCHAR"),
        _c("a_to_z_claim", "BOOLEAN"),
        _c("is_prime", "BOOLEAN"),
        _c("asin", "VARCHAR"),
        _c("merchant_sku", "VARCHAR"),
        _c("item_name", "VARCHAR"),
        _c("return_quantity", "INTEGER"),
        _c("return_reason", "VARCHAR"),
        _c("in_policy", "BOOLEAN"),
        _c("return_type", "VARCHAR"),
        _c("resolution", "VARCHAR"),
        _c("invoice_number", "VARCHAR"),
        _c("return_delivery_date", "DATE"),
        _c("order_amount", _DEC),
        _c("order_quantity", "INTEGER"),
        _c("safet_action_reason", "VARCHAR"),
        _c("safet_claim_id", "VARCHAR"),
        _c("safet_claim_state", "VARCHAR"),
        _c("safet_claim_creation_time", "VARCHAR"),
        _c("safet_claim_reimbursement_amount", _DEC),
        _c("refunded_amount", _DEC),
        _c("category", "VARCHAR"),
        _c("extra_columns", "JSON", "unknown headers {header: value}, NULL when none"),
    ),
    "seller_performance": (
        _c("snapshot_at", "TIMESTAMP", "UTC, when the snapshot was taken"),
        _c("account_status", "VARCHAR", "accountStatuses entry of the marketplace"),
        _c("ahr_status", "VARCHAR", "ahrStatus or accountHealthRatingStatus"),
        _c("ahr_score", "INTEGER", "Amazon's reported rating 0-1000, NULL when absent"),
        _c("performance_metrics", "JSON", "the marketplace's performanceMetrics[] element as received"),
        _c("document", "JSON", "the whole document as received"),
    ),
    "seller_performance_v1": (
        _c("snapshot_at", "TIMESTAMP", "UTC, when the snapshot was taken"),
        _c(
            "metric_group",
            "VARCHAR",
            "path of the element's family, e.g. orderDefects/orderDefectMetrics; NULL for the old flat shape",
        ),  # fmt: skip
        _c("metric_name", "VARCHAR", "snake_case metric name, e.g. order_defect_rate, late_shipment_rate"),
        _c("fulfillment_channel", "VARCHAR", "MFN (fulfilledBy Seller), AFN (fulfilledBy Amazon) or ALL"),
        _c("window_start_date", "DATE", "timeFrame start"),
        _c("window_end_date", "DATE", "timeFrame end"),
        _c("rate", "DOUBLE", "the rate as a FRACTION (the documented report writes percent: 0.5 -> 0.005)"),
        _c("reported_rate", "DOUBLE", "the rate exactly as written in the document"),
        _c("reported_rate_unit", "VARCHAR", "percent or fraction: how the document wrote the rate"),
        _c("numerator", "BIGINT", "count of the metric's events (e.g. orders with a defect), where defined"),
        _c("denominator", "BIGINT", "count the rate is taken over (e.g. orderCount), where defined"),
        _c("value", "DOUBLE", "a value that is not a rate, in value_unit (average response time in hours)"),
        _c("value_unit", "VARCHAR", "unit of value (hours); NULL when value is NULL"),
        _c("target_value", "DOUBLE", "as a fraction, when the element carries one"),
        _c("target_condition", "VARCHAR"),
        _c("status", "VARCHAR", "Amazon's status for the metric (performanceChecklist or the element)"),
        _c("measures", "JSON", "every child element as received, numbers as numbers"),
        _c("element_xml", "VARCHAR", "the metric element as received"),
    ),
}

LOAD_LOG_COLUMNS: tuple[Column, ...] = (
    _c("report_type", "VARCHAR", "Amazon reportType"),
    _c("report_id", "VARCHAR"),
    _c("account_id", "VARCHAR"),
    _c("marketplace_id", "VARCHAR"),
    _c("partition_date", "DATE"),
    _c("rows_loaded", "BIGINT"),
    _c("landing_file", "VARCHAR"),
    _c("sha256", "VARCHAR", "sha256 of the landed file (NULL when unknown)"),
    _c("loaded_at", "TIMESTAMP", "UTC"),
    _c(
        "generated_at",
        "TIMESTAMP",
        "UTC: when Amazon produced the document (the report's processingEndTime): a flat file lists each order, "
        "feedback or return as it stood then; NULL when unknown (a hand-imported file)",
    ),  # fmt: skip
    # Facts about the document (the same on every partition row of one load).
    _c("encoding", "VARCHAR", "Python codec the document was decoded with (cp932, cp1252, utf-8); NULL: empty"),
    _c(
        "encoding_source",
        "VARCHAR",
        "what decided the encoding: download charset, bom, import option, catalogue, xml declaration or json default",
    ),  # fmt: skip
    _c("date_formats", "JSON", "per date column: the format used and what decided it (document or catalogue)"),
    _c("flags", "JSON", "list of notes such as unknown_marketplace, marketplace_inferred, rates_in_percent"),
    _c("rows_rejected", "INTEGER", "rows of the document kept aside in raw.rejected_rows (whole document)"),
    _c("unmapped_elements", "JSON", "V1 XML elements the parser does not map (kept in raw as generic rows)"),
)

#: Rows of flat files that do not fit the header, kept aside so the rest of the document loads.
REJECTED_ROW_COLUMNS: tuple[Column, ...] = (
    _c("report_type", "VARCHAR", "Amazon reportType"),
    _c("report_id", "VARCHAR"),
    _c("account_id", "VARCHAR"),
    _c("marketplace_id", "VARCHAR"),
    _c("landing_file", "VARCHAR", "document path relative to the landing root"),
    _c("source_row_number", "INTEGER", "1-based data row in the document (the header is row 0)"),
    _c(
        "raw_text",
        "VARCHAR",
        "the row as received, e-mail addresses replaced by their salted hash and the "
        "fields of dropped PII columns by <redacted>",
    ),  # fmt: skip
    _c("reason", "VARCHAR", "why the row was kept aside, e.g. 34 fields but the header has 33"),
    _c("loaded_at", "TIMESTAMP", "UTC"),
)

#: ACCOUNT_STATUS_CHANGED (and other) notifications received from the SQS queue, one row per
#: notificationId; written by the notifications intake (orchestration/notifications/intake.py).
NOTIFICATION_COLUMNS: tuple[Column, ...] = (
    _c("notification_id", "VARCHAR", "notificationMetadata.notificationId: Amazon's unique id of the notification"),
    _c("notification_type", "VARCHAR", "notificationType, e.g. ACCOUNT_STATUS_CHANGED"),
    _c("notification_version", "VARCHAR", "notificationVersion"),
    _c("payload_version", "VARCHAR", "payloadVersion (ACCOUNT_STATUS_CHANGED: 2021-01-01)"),
    _c("event_time", "TIMESTAMP", "eventTime, UTC: when the change happened"),
    _c("publish_time", "TIMESTAMP", "notificationMetadata.publishTime, UTC: when Amazon sent it"),
    _c("subscription_id", "VARCHAR", "notificationMetadata.subscriptionId"),
    _c("application_id", "VARCHAR", "notificationMetadata.applicationId"),
    _c(
        "account_id",
        "VARCHAR",
        "configured account name, through ops.notification_subscriptions (the "
        "documented payload names no seller and no marketplace)",
    ),
    _c(
        "previous_account_status",
        "VARCHAR",
        "ACCOUNT_STATUS_CHANGED: previousAccountStatus (NORMAL, AT_RISK, DEACTIVATED)",
    ),
    _c("current_account_status", "VARCHAR", "ACCOUNT_STATUS_CHANGED: currentAccountStatus"),
    _c("payload", "JSON", "payload as received"),
    _c("envelope", "JSON", "the whole message body as received"),
    _c("sqs_message_id", "VARCHAR", "SQS MessageId of the first delivery recorded"),
    _c("received_at", "TIMESTAMP", "UTC, when the warehouse received the message"),
    _c("recorded_at", "TIMESTAMP", "UTC, when the row was committed"),
)

#: SQS messages that could not be recorded as a notification, kept with the reason (never blocking the queue).
NOTIFICATION_REJECT_COLUMNS: tuple[Column, ...] = (
    _c("sqs_message_id", "VARCHAR", "SQS MessageId (a message redelivered after a crash keeps its id)"),
    _c("body", "VARCHAR", "the message body exactly as received (may not be JSON)"),
    _c("body_sha256", "VARCHAR", "SHA-256 of the body"),
    _c("reason", "VARCHAR", "why it was kept aside: not JSON, missing notificationId, unknown subscription, ..."),
    _c("notification_id", "VARCHAR", "notificationId when readable"),
    _c("notification_type", "VARCHAR", "notificationType when readable"),
    _c("subscription_id", "VARCHAR", "subscriptionId when readable"),
    _c("received_at", "TIMESTAMP", "UTC"),
)

#: Keys DuckDB enforces where a duplicate would be a bug (SQS delivers at least once).
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "notifications": ("notification_id",),
    "notification_rejects": ("sqs_message_id",),
}

#: Every raw table and its full column list (report columns then provenance).
RAW_TABLES: dict[str, tuple[Column, ...]] = {
    **{name: cols + PROVENANCE for name, cols in REPORT_COLUMNS.items()},
    "load_log": LOAD_LOG_COLUMNS,
    "rejected_rows": REJECTED_ROW_COLUMNS,
    "notifications": NOTIFICATION_COLUMNS,
    "notification_rejects": NOTIFICATION_REJECT_COLUMNS,
}

#: Tables that are not report tables (no provenance block, no parser output).
SERVICE_TABLES = ("load_log", "rejected_rows", "notifications", "notification_rejects")


def raw_columns(table: str, *, include_provenance: bool = True) -> tuple[Column, ...]:
    """Columns of ``raw.<table>`` in DDL order (for dbt sources docs and GX suites)."""
    if table not in RAW_TABLES:
        raise KeyError(f"unknown raw table {table!r}; known: {', '.join(RAW_TABLES)}")
    if table in SERVICE_TABLES or include_provenance:
        return RAW_TABLES[table]
    return REPORT_COLUMNS[table]


def parsed_columns(table: str) -> tuple[Column, ...]:
    """Columns of a parser's output table: the report columns + partition_date, source_row_number."""
    prov = {c.name: c for c in PROVENANCE}
    return REPORT_COLUMNS[table] + tuple(prov[n] for n in PARSER_PROVENANCE)


def parsed_arrow_schema(table: str) -> pa.Schema:
    """Arrow schema of a parser's output for ``raw.<table>``."""
    return pa.schema([pa.field(c.name, c.arrow_type) for c in parsed_columns(table)])
