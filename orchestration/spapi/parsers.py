"""Report document bytes -> an Arrow table shaped like its ``raw`` table, or a DocumentError.

One entry point, :func:`parse_document`. Formats are those of orchestration/README.md:
- flat files (orders, seller feedback, returns): tab-separated, header row, no quoting, UTF-8
  (BOM tolerated) or cp1252; headers are mapped to snake_case columns (localized feedback headers
  are accepted as aliases), unknown headers go to ``extra_columns`` JSON, buyer PII is dropped or
  salted-hashed (orchestration.warehouse.pii) before anything leaves this module;
- GET_V2_SELLER_PERFORMANCE_REPORT: JSON, one row for the requested marketplace;
- GET_V1_SELLER_PERFORMANCE_REPORT: XML, one row per metric element of the requested marketplace.

The output has the report columns of the raw table plus ``partition_date`` (the row's daily
partition per the README; None for the snapshot reports, which the loader assigns) and
``source_row_number``. Everything else of the provenance is added by the loader.
"""

from __future__ import annotations

from orchestration.spapi.flat_file_parser import FLAT_SPECS, parse_flat_file
from orchestration.spapi.parsed_document import (
    DocumentContext,
    DocumentError,
    ParsedDocument,
    snake_case,
)
from orchestration.spapi.performance_report_parser import (
    latest_reporting_date_to,
    parse_v1_xml,
    parse_v2_json,
    snapshot_partition_date,
)
from orchestration.spapi.report_types import (
    SELLER_PERFORMANCE,
    SELLER_PERFORMANCE_V1,
    ReportType,
)

__all__ = [
    "DocumentContext",
    "DocumentError",
    "ParsedDocument",
    "latest_reporting_date_to",
    "parse_document",
    "snake_case",
    "snapshot_partition_date",
]


def parse_document(report_type: ReportType, data: bytes, *, context: DocumentContext, salt: str) -> ParsedDocument:
    """Parse decompressed document bytes into the Arrow shape of ``raw.<report_type.raw_table>``.

    Raises DocumentError (naming report type, account, marketplace, report id and the problem) for
    anything that cannot be loaded faithfully: undecodable bytes, missing required columns,
    malformed values, invalid JSON/XML, or a document without the requested marketplace.
    """
    if report_type.name in FLAT_SPECS:
        return parse_flat_file(report_type, data, context, salt)
    if report_type.name == SELLER_PERFORMANCE.name:
        return parse_v2_json(report_type, data, context)
    if report_type.name == SELLER_PERFORMANCE_V1.name:
        return parse_v1_xml(report_type, data, context)
    raise DocumentError.for_context(context, f"no parser for report type {report_type.name}")
