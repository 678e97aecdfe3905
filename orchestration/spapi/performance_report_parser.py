"""Seller performance reports: the V2 JSON and the V1 XML, one marketplace's rows each.

Real V2 payloads differ from Amazon's schema (DESIGN.md section 2): nothing here assumes a key
exists; the document and the marketplace's element are kept as received for the staging models.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import date, datetime
from typing import Any
from xml.etree.ElementTree import Element, ParseError
from xml.etree.ElementTree import tostring as xml_tostring

import pyarrow as pa
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from orchestration.spapi.parsed_document import (
    DocumentContext,
    DocumentError,
    ParsedDocument,
    camel_to_snake,
    decode_text,
    parse_iso_timestamp,
)
from orchestration.spapi.report_types import (
    SELLER_PERFORMANCE,
    SELLER_PERFORMANCE_V1,
    ReportType,
)
from orchestration.warehouse.schema import parsed_arrow_schema

# --------------------------------------------------------------------------------------------
# V2 JSON (accountHealthReport-2020-11-18)


def parse_v2_json(report_type: ReportType, data: bytes, context: DocumentContext) -> ParsedDocument:
    schema = parsed_arrow_schema(report_type.raw_table)
    warnings: list[str] = []
    text = decode_text(data, warnings, context)
    if not text.strip():
        raise DocumentError.for_context(context, "document is empty (expected JSON)")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError.for_context(context, f"invalid or truncated JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise DocumentError.for_context(context, f"expected a JSON object, got {type(doc).__name__}")
    metrics = doc.get("performanceMetrics")
    if not isinstance(metrics, list):
        raise DocumentError.for_context(context, "performanceMetrics is missing or not a list")
    element = _marketplace_element(metrics, context, warnings)
    if element is None:
        found = [m.get("marketplaceId") for m in metrics if isinstance(m, dict)]
        raise DocumentError.for_context(
            context, f"performanceMetrics has no entry for marketplace {context.marketplace_id} (found: {found})"
        )

    account_status = None
    statuses = doc.get("accountStatuses")
    if isinstance(statuses, list):
        for entry in statuses:
            if isinstance(entry, dict) and entry.get("marketplaceId") == context.marketplace_id:
                status = entry.get("status")
                account_status = None if status is None else str(status)
                break
    if account_status is None:
        warnings.append(f"accountStatuses has no status for marketplace {context.marketplace_id}")

    ahr_status = None
    ahr_score = None
    ahr = element.get("accountHealthRating")
    if isinstance(ahr, dict):
        raw_status = ahr.get("ahrStatus", ahr.get("accountHealthRatingStatus"))
        ahr_status = None if raw_status is None else str(raw_status)
        ahr_score = _int_or_none(ahr.get("ahrScore"), "accountHealthRating.ahrScore", warnings)
    elif ahr is not None:
        warnings.append("accountHealthRating is not an object; ahr_status/ahr_score left NULL")

    row = {
        "snapshot_at": None,
        "account_status": account_status,
        "ahr_status": ahr_status,
        "ahr_score": ahr_score,
        "performance_metrics": json.dumps(element, ensure_ascii=False),
        "document": text,
        "partition_date": None,
        "source_row_number": 1,
    }
    return ParsedDocument(pa.Table.from_pylist([row], schema=schema), [], warnings)


def _marketplace_element(metrics: list, context: DocumentContext, warnings: list[str]) -> dict | None:
    matches = [m for m in metrics if isinstance(m, dict) and m.get("marketplaceId") == context.marketplace_id]
    if len(matches) > 1:
        warnings.append(f"performanceMetrics has {len(matches)} entries for the marketplace; using the first")
    return matches[0] if matches else None


def _int_or_none(value: Any, what: str, warnings: list[str]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        warnings.append(f"{what} is not a number ({value!r}); stored NULL")
        return None
    if isinstance(value, int):
        n = value
    elif (
        isinstance(value, float)
        and value.is_integer()
        or isinstance(value, str)
        and re.fullmatch(r"\s*-?\d+\s*", value)
    ):
        n = int(value)
    else:
        warnings.append(f"{what} is not an integer ({value!r}); stored NULL")
        return None
    if not -(2**31) <= n < 2**31:
        warnings.append(f"{what} is out of range ({value!r}); stored NULL")
        return None
    return n


def latest_reporting_date_to(performance_metrics_json: str) -> datetime | None:
    """Latest ``reportingDateTo`` (UTC naive) anywhere in a performanceMetrics element."""
    latest: datetime | None = None

    def walk(node: Any) -> None:
        nonlocal latest
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "reportingDateTo" and isinstance(value, str):
                    try:
                        ts = parse_iso_timestamp(value)
                    except ValueError:
                        continue
                    if latest is None or ts > latest:
                        latest = ts
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(performance_metrics_json))
    return latest


# --------------------------------------------------------------------------------------------
# V1 XML

_V1_FIXED = {"timeFrame", "rate", "targetValue", "targetCondition", "status"}


def _local(tag: Any) -> str:
    tag = str(tag)
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def _scalar(text: str | None) -> Any:
    if text is None:
        return None
    v = text.strip()
    if re.fullmatch(r"[+-]?\d+", v):
        return int(v)
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?", v):
        return float(v)
    return v


def _element_value(elem: Element) -> Any:
    children = list(elem)
    if not children:
        return _scalar(elem.text)
    out: dict[str, Any] = {}
    for child in children:
        key = _local(child.tag)
        value = _element_value(child)
        if key in out:  # repeated elements become a list
            if not isinstance(out[key], list):
                out[key] = [out[key]]
            out[key].append(value)
        else:
            out[key] = value
    return out


def _child_text(elem: Element, name: str) -> str | None:
    for child in elem:
        if _local(child.tag) == name:
            text = (child.text or "").strip()
            return text or None
    return None


def parse_v1_xml(report_type: ReportType, data: bytes, context: DocumentContext) -> ParsedDocument:
    schema = parsed_arrow_schema(report_type.raw_table)
    warnings: list[str] = []
    if not data.strip():
        raise DocumentError.for_context(context, "document is empty (expected XML)")
    try:
        root = SafeET.fromstring(data)
    except (ParseError, DefusedXmlException) as exc:
        raise DocumentError.for_context(context, f"malformed XML: {exc}") from None
    except ValueError as exc:  # e.g. unknown encoding declaration
        raise DocumentError.for_context(context, f"malformed XML: {exc}") from None

    if _local(root.tag) == "sellerPerformanceReport":
        reports = [root]
    else:
        reports = [r for r in root.iter() if _local(r.tag) == "sellerPerformanceReport"]
    mine = [r for r in reports if _child_text(r, "marketplaceId") == context.marketplace_id]
    if not mine and len(reports) == 1 and _child_text(reports[0], "marketplaceId") is None:
        warnings.append("the only sellerPerformanceReport has no marketplaceId; assumed the requested one")
        mine = reports
    if not mine:
        found = [_child_text(r, "marketplaceId") for r in reports]
        raise DocumentError.for_context(
            context, f"no sellerPerformanceReport for marketplace {context.marketplace_id} (found: {found})"
        )

    rows: list[dict[str, Any]] = []
    for report in mine:
        for metric in report:
            tag = _local(metric.tag)
            if tag == "marketplaceId":
                continue
            name = camel_to_snake(tag)
            where = f"metric {tag}"
            start = end = None
            measures: dict[str, Any] = {}
            for child in metric:
                ctag = _local(child.tag)
                if ctag == "timeFrame":
                    start = _xml_date(_child_text(child, "start"), f"{where} timeFrame/start", context)
                    end = _xml_date(_child_text(child, "end"), f"{where} timeFrame/end", context)
                elif ctag not in _V1_FIXED:
                    value = _element_value(child)
                    if ctag in measures:
                        if not isinstance(measures[ctag], list):
                            measures[ctag] = [measures[ctag]]
                        measures[ctag].append(value)
                    else:
                        measures[ctag] = value
            if not list(metric):
                warnings.append(f"{where} has no child elements")
            serialized = copy.copy(metric)
            serialized.tail = None
            rows.append(
                {
                    "snapshot_at": None,
                    "metric_name": name,
                    "window_start_date": start,
                    "window_end_date": end,
                    "rate": _xml_float(_child_text(metric, "rate"), f"{where} rate", context),
                    "target_value": _xml_float(_child_text(metric, "targetValue"), f"{where} targetValue", context),
                    "target_condition": _child_text(metric, "targetCondition"),
                    "status": _child_text(metric, "status"),
                    "measures": json.dumps(measures, ensure_ascii=False),
                    "element_xml": xml_tostring(serialized, encoding="unicode"),
                    "partition_date": None,
                    "source_row_number": len(rows) + 1,
                }
            )
    return ParsedDocument(pa.Table.from_pylist(rows, schema=schema), [], warnings)


def _xml_date(text: str | None, where: str, context: DocumentContext) -> date | None:
    if text is None:
        return None
    try:
        if "T" in text:
            return parse_iso_timestamp(text).date()
        return date.fromisoformat(text)
    except ValueError:
        raise DocumentError.for_context(context, f"{where}: value {text!r} is not an ISO date") from None


def _xml_float(text: str | None, where: str, context: DocumentContext) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        raise DocumentError.for_context(context, f"{where}: value {text!r} is not a number") from None


def snapshot_partition_date(report_type: ReportType, parsed: ParsedDocument) -> date | None:
    """The partition a hand-imported snapshot belongs to: latest reportingDateTo (V2) / timeFrame end (V1)."""
    table = parsed.table
    if table.num_rows == 0:
        return None
    if report_type.name == SELLER_PERFORMANCE.name:
        latest = latest_reporting_date_to(table.column("performance_metrics")[0].as_py())
        return latest.date() if latest else None
    if report_type.name == SELLER_PERFORMANCE_V1.name:
        ends = [d for d in table.column("window_end_date").to_pylist() if d is not None]
        return max(ends) if ends else None
    raise ValueError(f"{report_type.name} is not a snapshot report")
