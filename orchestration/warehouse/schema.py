"""Schema ``raw``: one table per report type, provenance on every row, plus ``raw.load_log``.

This module is the single source of the raw column lists (orchestration/README.md, "Schema raw"):
the DDL, the Arrow schemas the parsers build, the loader's INSERT column lists, and generated
documentation (dbt sources, Great Expectations suites) all come from :data:`RAW_TABLES`.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
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
        _c("metric_name", "VARCHAR", "snake_case of the metric element"),
        _c("window_start_date", "DATE"),
        _c("window_end_date", "DATE"),
        _c("rate", "DOUBLE"),
        _c("target_value", "DOUBLE"),
        _c("target_condition", "VARCHAR"),
        _c("status", "VARCHAR"),
        _c("measures", "JSON", "every other child element, numbers as numbers"),
        _c("element_xml", "VARCHAR", "the metric element"),
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
)

#: Every raw table and its full column list (report columns then provenance).
RAW_TABLES: dict[str, tuple[Column, ...]] = {
    **{name: cols + PROVENANCE for name, cols in REPORT_COLUMNS.items()},
    "load_log": LOAD_LOG_COLUMNS,
}


def raw_columns(table: str, *, include_provenance: bool = True) -> tuple[Column, ...]:
    """Columns of ``raw.<table>`` in DDL order (for dbt sources docs and GX suites)."""
    if table not in RAW_TABLES:
        raise KeyError(f"unknown raw table {table!r}; known: {', '.join(RAW_TABLES)}")
    if table == "load_log" or include_provenance:
        return RAW_TABLES[table]
    return REPORT_COLUMNS[table]


def parsed_columns(table: str) -> tuple[Column, ...]:
    """Columns of a parser's output table: the report columns + partition_date, source_row_number."""
    prov = {c.name: c for c in PROVENANCE}
    return REPORT_COLUMNS[table] + tuple(prov[n] for n in PARSER_PROVENANCE)


def parsed_arrow_schema(table: str) -> pa.Schema:
    """Arrow schema of a parser's output for ``raw.<table>``."""
    return pa.schema([pa.field(c.name, c.arrow_type) for c in parsed_columns(table)])


def arrow_schema(table: str) -> pa.Schema:
    """Arrow schema of the whole ``raw.<table>`` (provenance included)."""
    return pa.schema([pa.field(c.name, c.arrow_type) for c in raw_columns(table)])


def create_table_sql(table: str) -> str:
    cols = ",\n  ".join(f"{c.name} {c.ddl_type}" for c in raw_columns(table))
    return f"CREATE TABLE IF NOT EXISTS {SCHEMA}.{table} (\n  {cols}\n)"


def ddl() -> list[str]:
    """All statements that create schema raw (idempotent)."""
    return [f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"] + [create_table_sql(t) for t in RAW_TABLES]


def add_missing_columns_sql(table: str) -> list[str]:
    """``ALTER TABLE ... ADD COLUMN IF NOT EXISTS`` for every column of ``raw.<table>`` (idempotent)."""
    return [f"ALTER TABLE {SCHEMA}.{table} ADD COLUMN IF NOT EXISTS {c.name} {c.ddl_type}" for c in raw_columns(table)]


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema raw and its tables when missing, and add columns a newer version defines; safe on every run.

    A DuckDB file created by an older version keeps its rows: columns added since (e.g. the orders
    report's ``is_iba``, ``is_buyer_requested_cancellation``, ``buyer_requested_cancel_reason``) are
    appended with ``ADD COLUMN IF NOT EXISTS`` and read NULL on old rows. Columns are never dropped or
    retyped; the loader inserts by column name, so the physical order of an upgraded table does not matter.
    """
    for statement in ddl():
        con.execute(statement)
    for table in RAW_TABLES:
        for statement in add_missing_columns_sql(table):
            con.execute(statement)
