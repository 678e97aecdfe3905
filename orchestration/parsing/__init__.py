"""Parsing: report documents -> Arrow record batches shaped like their ``raw`` tables.

The one home of everything that reads a document (the extractor and ``ahw import-report`` both come
through :func:`parse_document`, via ``orchestration.warehouse.loader``):

- ``documents``: the document's identity, its errors, the facts the load log records, the parsed shape;
- ``streams``: a landed file as a bounded, gunzipped stream (size caps against gzip bombs);
- ``encodings``: decoding by what Amazon declares (BOM, download charset, catalogue), with byte offsets;
- ``headers``: localized header variants (catalogue data) matched accent- and case-insensitively;
- ``dates``: each date column's format inferred from the document, the catalogue only as tie-breaker;
- ``values``: typed cells from the raw schema's column types;
- ``pii``: buyer PII dropped or salted-hashed before anything leaves this package;
- ``flat_files``: orders, feedback and returns TSVs, streamed row by row; rows that do not fit kept aside;
- ``performance_reports``: the V2 JSON and the V1 XML (documented nested shape and the old flat one).

Column types come from ``orchestration.raw_schema``; nothing here imports the warehouse.
"""

from __future__ import annotations

from orchestration.catalogue import MARKETPLACES
from orchestration.parsing.documents import (
    DocumentContext,
    DocumentError,
    DocumentFacts,
    ParsedDocument,
    ParseOptions,
    RejectedRow,
)
from orchestration.parsing.flat_files import FLAT_SPECS, parse_flat_file
from orchestration.parsing.performance_reports import (
    latest_reporting_day,
    parse_v1_xml,
    parse_v2_json,
    snapshot_partition_date,
)
from orchestration.parsing.streams import Opener, bytes_opener, file_opener
from orchestration.spapi.report_types import SELLER_PERFORMANCE, SELLER_PERFORMANCE_V1, ReportType

__all__ = [
    "DocumentContext",
    "DocumentError",
    "DocumentFacts",
    "ParseOptions",
    "ParsedDocument",
    "RejectedRow",
    "bytes_opener",
    "file_opener",
    "latest_reporting_day",
    "parse_bytes",
    "parse_document",
    "snapshot_partition_date",
]


def parse_document(
    report_type: ReportType, opener: Opener, *, context: DocumentContext, options: ParseOptions
) -> ParsedDocument:
    """Parse the document ``opener`` opens into the shape of ``raw.<report_type.raw_table>``.

    Raises DocumentError (naming report type, account, marketplace, report id and the problem) for
    anything that cannot be loaded faithfully: undecodable bytes (with the encoding and byte offset),
    an unknown marketplace for a flat file, missing required columns (with the closest header),
    malformed values (row, column, value), mixed date orders (rows), invalid JSON/XML, too many rows
    that do not fit the header, or a document without the requested marketplace. Flat files raise
    some of these only while their batches are read.
    """
    if report_type.name in FLAT_SPECS:
        return parse_flat_file(report_type, opener, context, options)
    if report_type.name == SELLER_PERFORMANCE.name:
        parsed = parse_v2_json(report_type, opener, context, options)
    elif report_type.name == SELLER_PERFORMANCE_V1.name:
        parsed = parse_v1_xml(report_type, opener, context, options)
    else:
        raise DocumentError.for_context(context, f"no parser for report type {report_type.name}")
    if context.marketplace_id not in MARKETPLACES:
        # JSON and XML need no locale: they load, and the load log says the id is not in the catalogue.
        parsed.facts.flag("unknown_marketplace")
        parsed.warnings.append(
            f"marketplace {context.marketplace_id} is not in the catalogue (orchestration/catalogue/marketplaces.csv)"
        )
    return parsed


def parse_bytes(
    report_type: ReportType, data: bytes, *, context: DocumentContext, options: ParseOptions
) -> ParsedDocument:
    """:func:`parse_document` over in-memory bytes (gzip or plain)."""
    return parse_document(
        report_type, bytes_opener(data, options.max_document_bytes, context), context=context, options=options
    )
