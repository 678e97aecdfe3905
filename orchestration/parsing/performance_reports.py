"""Seller performance reports: the V2 JSON and the V1 XML, one marketplace's rows each.

V2 (``accountHealthReport-2020-11-18``): real payloads differ from Amazon's schema (orchestration/README.md,
"Document formats"): nothing here assumes a key exists; the document and the marketplace's element are
kept as received for the staging models. A ``performanceMetrics`` entry without ``marketplaceId`` in a
document whose ``accountStatuses`` names a single marketplace -- or a single one that no other entry
names -- belongs to that marketplace (flagged ``marketplace_inferred``).

V1 (``GET_V1_SELLER_PERFORMANCE_REPORT``), as Amazon's report documentation describes it: metric
families nested in groups, found by element name wherever they sit in the tree, each with its own
``timeFrame``, several windows per family, no marketplace id (the requested marketplace is meant):
- ``orderDefectMetrics`` (``fulfilledBy`` Seller -> MFN, Amazon -> AFN; ``orderCount``):
  ``orderWithDefects``, ``negativeFeedbacks``, ``a_z_claims``, ``chargebacks`` (count + rate);
- ``customerExperienceMetrics`` (``orderCount``; seller-fulfilled metrics): ``lateShipment``,
  ``preFulfillmentCancellation``, ``refunds`` (count + rate);
- ``trackingMetrics`` (seller-fulfilled): ``validTracking`` over ``shipmentCount``, ``onTimeDelivery``
  over the validly tracked shipments;
- ``returnDissatisfactionMetrics`` (``returnCount``): ``returnDissatisfaction`` and its parts
  ``negativeReturnFeedback``, ``lateResponse``, ``invalidRejection``;
- ``responseTimeMetrics``: ``averageResponseTimeInHours``, ``responseUnder24Hours``,
  ``responseTimeGreaterThan24Hours``, ``noResponseForContactsOlderThan24Hours``;
- ``performanceChecklist``: one status per metric.
The documented ``rate`` values are PERCENT (2 defects of 400 orders -> ``0.5``): ``rate`` stores the
fraction (0.005), ``reported_rate`` the number as written. One row per metric x channel x window.
Elements the parser does not map are kept as generic rows and listed in the load log
(``unmapped_elements``). The flat shape an earlier sandbox served (``contactResponseTime`` and
``returnDissatisfaction`` with their own ``timeFrame``, ``rate`` as a fraction, ``targetValue``) is still read.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from typing import Any
from xml.etree.ElementTree import Element, ParseError
from xml.etree.ElementTree import tostring as xml_tostring

import pyarrow as pa
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from orchestration.parsing.documents import DocumentContext, DocumentError, DocumentFacts, ParsedDocument, ParseOptions
from orchestration.parsing.encodings import UnknownCharset, resolve_encoding
from orchestration.parsing.streams import Opener, read_whole
from orchestration.parsing.values import written_date
from orchestration.raw_schema import parsed_arrow_schema
from orchestration.spapi.report_types import SELLER_PERFORMANCE, SELLER_PERFORMANCE_V1, ReportType


def _decode(
    data: bytes, context: DocumentContext, options: ParseOptions, document_format: str
) -> tuple[str, DocumentFacts]:
    """Whole-document decoding for JSON/XML: BOM, declared charset, then the format's own default."""
    facts = DocumentFacts()
    try:
        codec, source, skip = resolve_encoding(
            document_format, data[:200], options.declared_charset, options.charset_source
        )
    except UnknownCharset as exc:
        raise DocumentError.for_context(context, str(exc)) from None
    assert codec is not None
    try:
        text = data[skip:].decode(codec)
    except UnicodeDecodeError as exc:
        raise DocumentError.for_context(
            context,
            f"the document does not decode as {codec}: byte offset {skip + exc.start} "
            f"(bytes {exc.object[exc.start : exc.start + 4].hex(' ')}) {exc.reason}",
        ) from None
    facts.encoding, facts.encoding_source = codec, source
    return text, facts


# --------------------------------------------------------------------------------------------
# V2 JSON (accountHealthReport-2020-11-18)


def parse_v2_json(
    report_type: ReportType, opener: Opener, context: DocumentContext, options: ParseOptions
) -> ParsedDocument:
    schema = parsed_arrow_schema(report_type.raw_table)
    data = read_whole(opener, options.max_snapshot_bytes, context)
    text, facts = _decode(data, context, options, "json")
    warnings: list[str] = []
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
    statuses = doc.get("accountStatuses") if isinstance(doc.get("accountStatuses"), list) else []
    element = _marketplace_element(metrics, statuses, context, warnings, facts)
    if element is None:
        found = [m.get("marketplaceId") for m in metrics if isinstance(m, dict)]
        raise DocumentError.for_context(
            context, f"performanceMetrics has no entry for marketplace {context.marketplace_id} (found: {found})"
        )

    account_status = None
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

    if "marketplaceId" not in element:
        # Staging reads the element; keep it self-describing (the document column keeps it as received).
        element = {"marketplaceId": context.marketplace_id, **element}
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
    batch = pa.RecordBatch.from_pylist([row], schema=schema)
    parsed = ParsedDocument(schema, lambda doc: iter([batch]), facts)
    parsed.warnings = warnings
    parsed.facts.rows_read = 1
    return parsed


def _marketplace_element(
    metrics: list, statuses: list, context: DocumentContext, warnings: list[str], facts: DocumentFacts
) -> dict | None:
    entries = [m for m in metrics if isinstance(m, dict)]
    matches = [m for m in entries if m.get("marketplaceId") == context.marketplace_id]
    if len(matches) > 1:
        warnings.append(f"performanceMetrics has {len(matches)} entries for the marketplace; using the first")
    if matches:
        return matches[0]
    anonymous = [m for m in entries if "marketplaceId" not in m]
    if len(anonymous) != 1:
        return None
    named = {e.get("marketplaceId") for e in statuses if isinstance(e, dict) and e.get("marketplaceId")}
    with_entry = {m.get("marketplaceId") for m in entries if "marketplaceId" in m}
    if named == {context.marketplace_id}:
        warnings.append(
            f"the performanceMetrics entry has no marketplaceId; accountStatuses names only "
            f"{context.marketplace_id}, so it is that marketplace's"
        )
    elif named - with_entry == {context.marketplace_id}:
        warnings.append(
            f"the performanceMetrics entry without marketplaceId is the only one left and {context.marketplace_id} "
            "the only marketplace of accountStatuses without an entry, so it is that marketplace's"
        )
    elif not named and len(entries) == 1:
        warnings.append("the only performanceMetrics entry has no marketplaceId; assumed the requested marketplace")
    else:
        return None
    facts.flag("marketplace_inferred")
    return anonymous[0]


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


def latest_reporting_day(performance_metrics_json: str) -> date | None:
    """Latest ``reportingDateTo`` anywhere in a performanceMetrics element, as the calendar date it is written with.

    The written date, not its UTC date: a window Amazon ends at ``2026-11-13T23:59:59-08:00`` ends on
    13 November (the V1 ``timeFrame`` is read the same way).
    """
    latest: date | None = None

    def walk(node: Any) -> None:
        nonlocal latest
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "reportingDateTo" and isinstance(value, str):
                    try:
                        day = written_date(value)
                    except ValueError:
                        continue
                    if latest is None or day > latest:
                        latest = day
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(performance_metrics_json))
    return latest


# --------------------------------------------------------------------------------------------
# V1 XML

#: Documented metric families: element -> (channel when fulfilledBy is absent, {metric element:
#: (metric_name, denominator)}). The denominator is a child of the family (``orderCount``) or the count
#: of another metric (``validTracking/count``: on-time delivery is measured over validly tracked
#: shipments). Metric names are those of the V2 staging (order_defect_rate_*, valid_tracking_rate ...)
#: and of the seed metric_targets.
_RATE_FAMILIES: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "orderDefectMetrics": (
        "ALL",
        {
            "orderWithDefects": ("order_defect_rate", "orderCount"),
            "negativeFeedbacks": ("order_defect_rate_negative_feedback", "orderCount"),
            "a_z_claims": ("order_defect_rate_claims", "orderCount"),
            "chargebacks": ("order_defect_rate_chargebacks", "orderCount"),
        },
    ),
    # Late shipment, pre-fulfillment cancellation, refund, tracking and delivery rates are measured on
    # seller-fulfilled orders.
    "customerExperienceMetrics": (
        "MFN",
        {
            "lateShipment": ("late_shipment_rate", "orderCount"),
            "preFulfillmentCancellation": ("pre_fulfillment_cancellation_rate", "orderCount"),
            "refunds": ("refund_rate", "orderCount"),
        },
    ),
    "trackingMetrics": (
        "MFN",
        {
            "validTracking": ("valid_tracking_rate", "shipmentCount"),
            "onTimeDelivery": ("on_time_delivery_rate", "validTracking/count"),
        },
    ),
    "returnDissatisfactionMetrics": (
        "ALL",
        {
            "returnDissatisfaction": ("return_dissatisfaction", "returnCount"),
            "negativeReturnFeedback": ("return_dissatisfaction_negative_feedback", "returnCount"),
            "lateResponse": ("return_dissatisfaction_late_response", "returnCount"),
            "invalidRejection": ("return_dissatisfaction_invalid_rejection", "returnCount"),
        },
    ),
}
_RESPONSE_FAMILY = "responseTimeMetrics"
_RESPONSE_COUNTS = ("responseUnder24Hours", "responseTimeGreaterThan24Hours", "noResponseForContactsOlderThan24Hours")
_FULFILLED_BY = {"seller": "MFN", "merchant": "MFN", "amazon": "AFN"}
#: The flat shape of the earlier sandbox: element -> (numerator, denominator) among its children.
_FLAT_SHAPE = {
    "contactResponseTime": ("responseUnder24HoursCount", "contactCount"),
    "returnDissatisfaction": ("returnDissatisfactionCount", "returnCount"),
}
_FAMILY_FIXED = {"timeFrame", "fulfilledBy"}


def _local(tag: Any) -> str:
    tag = str(tag)
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def camel_to_snake(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).replace("-", "_").lower()


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


def _child(elem: Element, name: str) -> Element | None:
    for child in elem:
        if _local(child.tag) == name:
            return child
    return None


def _child_text(elem: Element, name: str) -> str | None:
    child = _child(elem, name)
    if child is None:
        return None
    text = (child.text or "").strip()
    return text or None


def _xml(elem: Element) -> str:
    serialized = copy.copy(elem)
    serialized.tail = None
    return xml_tostring(serialized, encoding="unicode")


class _V1Rows:
    """Builds the rows of one sellerPerformanceReport element."""

    def __init__(self, context: DocumentContext, facts: DocumentFacts, warnings: list[str]):
        self.context = context
        self.facts = facts
        self.warnings = warnings
        self.rows: list[dict[str, Any]] = []

    def add(self, **values: Any) -> None:
        row = {
            "snapshot_at": None, "metric_group": None, "fulfillment_channel": "ALL", "window_start_date": None,
            "window_end_date": None, "rate": None, "reported_rate": None, "reported_rate_unit": None,
            "numerator": None, "denominator": None, "value": None, "value_unit": None, "target_value": None,
            "target_condition": None, "status": None, "measures": None, "element_xml": None, "partition_date": None,
        }  # fmt: skip
        row.update(values)
        row["source_row_number"] = len(self.rows) + 1
        self.rows.append(row)

    def window(self, elem: Element, where: str) -> tuple[date | None, date | None]:
        frame = _child(elem, "timeFrame")
        if frame is None:
            return None, None
        return (
            _xml_date(_child_text(frame, "start"), f"{where} timeFrame/start", self.context),
            _xml_date(_child_text(frame, "end"), f"{where} timeFrame/end", self.context),
        )

    def unmapped(self, path: str, elem: Element, start: date | None = None, end: date | None = None) -> None:
        """Keep an element the parser does not know as a generic row and list it in the load log."""
        if path not in self.facts.unmapped_elements:
            self.facts.unmapped_elements.append(path)
        self.add(
            metric_group=path.rsplit("/", 1)[0] if "/" in path else None,
            metric_name=camel_to_snake(_local(elem.tag)),
            window_start_date=start,
            window_end_date=end,
            measures=json.dumps(_element_value(elem), ensure_ascii=False),
            element_xml=_xml(elem),
        )

    # the tree -------------------------------------------------------------------------------
    def walk(self, elem: Element, path: list[str]) -> None:
        for child in elem:
            tag = _local(child.tag)
            here = [*path, tag]
            if tag in _RATE_FAMILIES:
                self.rate_family(child, here)
            elif tag == _RESPONSE_FAMILY:
                self.response_family(child, here)
            elif tag == "performanceChecklist":
                self.checklist(child, here)
            elif tag == "marketplaceId":
                continue
            elif _child(child, "timeFrame") is not None:
                self.flat_shape(child, here)
            elif len(child):
                self.walk(child, here)  # a group (orderDefects, customerExperience, ...): look inside
            else:
                self.unmapped("/".join(here), child)

    def rate_family(self, family: Element, path: list[str]) -> None:
        default_channel, metrics = _RATE_FAMILIES[path[-1]]
        where = "/".join(path)
        start, end = self.window(family, where)
        by = _child_text(family, "fulfilledBy")
        channel = _FULFILLED_BY.get(by.lower(), by.upper()) if by else default_channel
        family_counts = {d for _, d in metrics.values() if "/" not in d}
        self.facts.flag("rates_in_percent")
        for child in family:
            tag = _local(child.tag)
            if tag in _FAMILY_FIXED or tag in family_counts:
                continue
            if tag not in metrics:
                self.unmapped(f"{where}/{tag}", child, start, end)
                continue
            name, denominator_path = metrics[tag]
            denominator = self._count(family, denominator_path, where)
            reported = _xml_float(_child_text(child, "rate"), f"{where}/{tag}/rate", self.context)
            count = _xml_int(_child_text(child, "count"), f"{where}/{tag}/count", self.context)
            self.add(
                metric_group=where,
                metric_name=name,
                fulfillment_channel=channel,
                window_start_date=start,
                window_end_date=end,
                rate=None if reported is None else reported / 100,
                reported_rate=reported,
                reported_rate_unit=None if reported is None else "percent",
                numerator=count,
                denominator=denominator,
                status=_child_text(child, "status"),
                measures=json.dumps({**_as_dict(_element_value(child)), "denominator": denominator}),
                element_xml=_xml(family),
            )
            self._check_percent(where, tag, count, denominator, reported)

    def _count(self, family: Element, path: str, where: str) -> int | None:
        """The integer at ``path`` (``orderCount`` or ``validTracking/count``) inside the family element."""
        node: Element | None = family
        for part in path.split("/"):
            node = _child(node, part) if node is not None else None
        text = None if node is None else (node.text or "").strip() or None
        return _xml_int(text, f"{where}/{path}", self.context)

    def _check_percent(
        self, where: str, tag: str, count: int | None, denominator: int | None, rate: float | None
    ) -> None:
        """Warn when a documented rate is not count / denominator in percent (rounded as Amazon does)."""
        if count is None or not denominator or rate is None:
            return
        if abs(rate - 100 * count / denominator) > 0.01 + 0.005 * max(rate, 1):
            self.warnings.append(
                f"{where}/{tag}: rate {rate} is not {count}/{denominator} in percent; stored as written / 100"
            )

    def response_family(self, family: Element, path: list[str]) -> None:
        where = "/".join(path)
        start, end = self.window(family, where)
        counts = {t: _xml_int(_child_text(family, t), f"{where}/{t}", self.context) for t in _RESPONSE_COUNTS}
        present = [v for v in counts.values() if v is not None]
        measures = json.dumps(_as_dict(_element_value(family)), ensure_ascii=False)
        xml = _xml(family)
        if present:
            self.add(
                metric_group=where,
                metric_name="contact_response_time",
                window_start_date=start,
                window_end_date=end,
                numerator=counts["responseUnder24Hours"],
                denominator=sum(present),
                measures=measures,
                element_xml=xml,
            )
        average = _xml_float(_child_text(family, "averageResponseTimeInHours"), f"{where}/average", self.context)
        if average is not None:
            self.add(
                metric_group=where,
                metric_name="contact_response_time_average_hours",
                window_start_date=start,
                window_end_date=end,
                value=average,
                value_unit="hours",
                measures=measures,
                element_xml=xml,
            )
        known = {"timeFrame", "averageResponseTimeInHours", *_RESPONSE_COUNTS}
        for child in family:
            if _local(child.tag) not in known:
                self.unmapped(f"{where}/{_local(child.tag)}", child, start, end)

    def checklist(self, checklist: Element, path: list[str]) -> None:
        where = "/".join(path)
        for child in checklist:
            status = _child_text(child, "status") if len(child) else (child.text or "").strip() or None
            self.add(
                metric_group=where,
                metric_name=camel_to_snake(_local(child.tag)),
                status=status,
                measures=json.dumps(_as_dict(_element_value(child)), ensure_ascii=False),
                element_xml=_xml(child),
            )

    def flat_shape(self, metric: Element, path: list[str]) -> None:
        """An element with its own timeFrame: the earlier sandbox's flat shape, or an unknown metric."""
        tag = path[-1]
        where = "/".join(path)
        start, end = self.window(metric, where)
        if tag not in _FLAT_SHAPE:
            self.unmapped(where, metric, start, end)
            return
        numerator_tag, denominator_tag = _FLAT_SHAPE[tag]
        measures = {
            _local(c.tag): _element_value(c)
            for c in metric
            if _local(c.tag) not in {"timeFrame", "rate", "targetValue", "targetCondition", "status"}
        }
        rate = _xml_float(_child_text(metric, "rate"), f"{where} rate", self.context)
        self.add(
            metric_name=camel_to_snake(tag),
            window_start_date=start,
            window_end_date=end,
            rate=rate,
            reported_rate=rate,
            reported_rate_unit=None if rate is None else "fraction",
            numerator=_int_measure(measures.get(numerator_tag)),
            denominator=_int_measure(measures.get(denominator_tag)),
            target_value=_xml_float(_child_text(metric, "targetValue"), f"{where} targetValue", self.context),
            target_condition=_child_text(metric, "targetCondition"),
            status=_child_text(metric, "status"),
            measures=json.dumps(measures, ensure_ascii=False),
            element_xml=_xml(metric),
        )


def _as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {"value": value}


def _int_measure(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_v1_xml(
    report_type: ReportType, opener: Opener, context: DocumentContext, options: ParseOptions
) -> ParsedDocument:
    schema = parsed_arrow_schema(report_type.raw_table)
    data = read_whole(opener, options.max_snapshot_bytes, context)
    warnings: list[str] = []
    if not data.strip():
        raise DocumentError.for_context(context, "document is empty (expected XML)")
    text, facts = _decode(data, context, options, "xml")
    try:
        root = SafeET.fromstring(text)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise DocumentError.for_context(context, f"malformed XML: {exc}") from None

    if _local(root.tag) == "sellerPerformanceReport":
        reports = [root]
    else:
        reports = [r for r in root.iter() if _local(r.tag) == "sellerPerformanceReport"]
    mine = [r for r in reports if _child_text(r, "marketplaceId") == context.marketplace_id]
    if not mine and len(reports) == 1 and _child_text(reports[0], "marketplaceId") is None:
        # Amazon's documented V1 report carries no marketplace id: it is the requested marketplace's.
        mine = reports
        facts.flag("marketplace_inferred")
    if not mine:
        found = [_child_text(r, "marketplaceId") for r in reports]
        raise DocumentError.for_context(
            context, f"no sellerPerformanceReport for marketplace {context.marketplace_id} (found: {found})"
        )
    builder = _V1Rows(context, facts, warnings)
    for report in mine:
        builder.walk(report, [])
    if facts.unmapped_elements:
        warnings.append(f"V1 element(s) not mapped, kept as generic rows: {', '.join(facts.unmapped_elements)}")
    facts.rows_read = len(builder.rows)
    batch = pa.RecordBatch.from_pylist(builder.rows, schema=schema)
    parsed = ParsedDocument(schema, lambda doc: iter([batch]), facts)
    parsed.warnings = warnings
    return parsed


def _xml_date(text: str | None, where: str, context: DocumentContext) -> date | None:
    if text is None:
        return None
    try:
        return written_date(text)  # a window is calendar days as Amazon writes them, never shifted to UTC
    except ValueError:
        raise DocumentError.for_context(context, f"{where}: value {text!r} is not an ISO date") from None


def _xml_float(text: str | None, where: str, context: DocumentContext) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        raise DocumentError.for_context(context, f"{where}: value {text!r} is not a number") from None


def _xml_int(text: str | None, where: str, context: DocumentContext) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise DocumentError.for_context(context, f"{where}: value {text!r} is not an integer") from None


def snapshot_partition_date(report_type: ReportType, table: pa.Table) -> date | None:
    """The partition a hand-imported snapshot belongs to: latest reportingDateTo (V2) / timeFrame end (V1)."""
    if table.num_rows == 0:
        return None
    if report_type.name == SELLER_PERFORMANCE.name:
        return latest_reporting_day(table.column("performance_metrics")[0].as_py())
    if report_type.name == SELLER_PERFORMANCE_V1.name:
        ends = [d for d in table.column("window_end_date").to_pylist() if d is not None]
        return max(ends) if ends else None
    raise ValueError(f"{report_type.name} is not a snapshot report")
