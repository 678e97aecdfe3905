"""Render report documents in Amazon's formats from the world's ground truth.

Why it exists: parsers are tested against what Amazon actually sends, not against what we wish it
sent. Flat files follow orchestration/README.md, written in the marketplace's date formats and text
encoding (``formats.py`` has the table of which account writes which); the V1 XML has the shape
Amazon's report documentation describes (metric families nested in groups, several windows per
family, rates in percent, no marketplace id); the V2 JSON follows ``accountHealthReport-2020-11-18``
*plus* the quirks real payloads show (the AHR status under ``ahrStatus``, extra and sparse keys,
Amazon's example spellings, both timestamp forms), spread deterministically over accounts and
marketplaces (see ``v2_style``) so that every quirk reaches the parser in a normal sandbox run:

============================  ==========================================================
acme-home US                  ``ahrStatus`` + ``ahrScore``; short timestamps (``T00:00Z``)
acme-home CA                  ``ahrStatus``, no ``ahrScore``; short timestamps
brightline-outdoor GB, FR,    ``ahrStatus``; long timestamps (``T23:59:59Z``); sparse objects
NL                            (zero counts omitted); ``lateShipmentRateList`` items without
                              counts; ``policyViolationWarnings``; GB has ``ahrScore``
brightline-outdoor DE         schema spelling ``accountHealthRatingStatus`` + ``ahrScore``
cobalt-gadgets US             Amazon-example spellings ``prefulfillmentCancelRate``,
                              ``warningState``, ``documentRequest``; ``ahrScore``;
                              ``customerProductReviewsPolicyViolations``
cobalt-gadgets MX             like US but ``accountHealthRatingStatus``, no ``ahrScore``
hinoki-kitchen JP             ``ahrStatus`` + ``ahrScore``; short timestamps
hinoki-kitchen AU             ``ahrStatus``, no ``ahrScore``; short timestamps
============================  ==========================================================

Every value comes from ``World.performance`` / ``World.v1_metrics`` so document and ground truth
always agree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from orchestration.sandbox.formats import STRUCTURED, UTF8, TextEncoding
from orchestration.sandbox.world import (
    AHR_SCORE_MARKETPLACES,
    FEEDBACK_COLUMNS,
    ORDERS_COLUMNS,
    POLICY_CATEGORIES,
    RETURNS_COLUMNS,
    World,
)
from orchestration.spapi.report_types import ORDERS, RETURNS, SELLER_FEEDBACK

FLAT_COLUMNS = {ORDERS.name: ORDERS_COLUMNS, SELLER_FEEDBACK.name: FEEDBACK_COLUMNS, RETURNS.name: RETURNS_COLUMNS}

#: German headers Amazon.de serves for the feedback report (``schema_localized_headers`` fault).
GERMAN_FEEDBACK_HEADERS = {
    "Date": "Datum", "Rating": "Bewertung", "Comments": "Kommentare", "Your Response": "Ihre Antwort",
    "Order ID": "Bestellnummer", "Rater Email": "E-Mail-Adresse des Bewerters",
}  # fmt: skip
#: Column dropped by ``schema_missing_column`` / renamed by ``schema_renamed_column``.
REQUIRED_COLUMN = {ORDERS.name: "order-status", SELLER_FEEDBACK.name: "Rating", RETURNS.name: "Return request date"}
RENAMED_COLUMN = {ORDERS.name: "order-state", SELLER_FEEDBACK.name: "Stars", RETURNS.name: "Return requested date"}
EXTRA_COLUMN = "sandbox-unknown-column"


# ---------------------------------------------------------------------------------------- flat files
def flat_rows(world: World, report_type: str, account_name: str, marketplace_id: str,
              start: datetime, end: datetime, as_of: datetime | None = None) -> list[dict[str, str]]:  # fmt: skip
    """Rows of a flat report for ``start..end`` (orders by last-updated timestamp, others by date),
    as a report generated at ``as_of`` shows them (orders: their status then; default: the end of the world)."""
    rows: list[dict[str, str]] = []
    day = start.astimezone(UTC).date()
    last = end.astimezone(UTC).date()
    while day <= last:
        if report_type == ORDERS.name:
            for r in world.order_item_rows(account_name, marketplace_id, day, as_of):
                ts = datetime.fromisoformat(r["last-updated-date"])
                if start <= ts <= end:
                    rows.append(r)
        elif report_type == SELLER_FEEDBACK.name:
            rows.extend(world.feedback_rows(account_name, marketplace_id, day))
        elif report_type == RETURNS.name:
            rows.extend(world.return_rows(account_name, marketplace_id, day))
        else:
            raise ValueError(f"{report_type} is not a flat-file report")
        day += timedelta(days=1)
    return rows


#: Column that ``out_of_range_values`` makes negative (a value the parser accepts but cannot be true).
OUT_OF_RANGE_COLUMN = {ORDERS.name: "quantity", RETURNS.name: "Return quantity"}


def apply_tsv_fault(kind: str | None, report_type: str, columns: list[str],
                    rows: list[dict[str, str]]) -> tuple[list[str], list[dict[str, str]]]:  # fmt: skip
    """Distort a flat document the way real files sometimes are (see faults.py for the kinds)."""
    columns = list(columns)
    if kind == "schema_missing_column":
        columns.remove(REQUIRED_COLUMN[report_type])
    elif kind == "schema_extra_column":
        columns.insert(len(columns) // 2, EXTRA_COLUMN)
        rows = [{**r, EXTRA_COLUMN: f"x{i}"} for i, r in enumerate(rows)]
    elif kind == "schema_renamed_column":
        old, new = REQUIRED_COLUMN[report_type], RENAMED_COLUMN[report_type]
        columns[columns.index(old)] = new
        rows = [{(new if k == old else k): v for k, v in r.items()} for r in rows]
    elif kind == "schema_localized_headers" and report_type == SELLER_FEEDBACK.name:
        columns = [GERMAN_FEEDBACK_HEADERS[c] for c in columns]
        rows = [{GERMAN_FEEDBACK_HEADERS[k]: v for k, v in r.items()} for r in rows]
    elif kind == "duplicate_rows":
        rows = rows + rows[: max(1, len(rows) // 5)]
    elif kind == "empty_document":
        rows = []
    elif kind == "out_of_range_values" and report_type in OUT_OF_RANGE_COLUMN:
        column, n = OUT_OF_RANGE_COLUMN[report_type], max(1, len(rows) // 5)
        rows = [{**r, column: f"-{r[column]}"} if i < n else r for i, r in enumerate(rows)]
    return columns, rows


def render_tsv(columns: list[str], rows: list[dict[str, str]], encoding: TextEncoding = UTF8) -> bytes:
    """Tab-separated text with a header row in ``encoding`` (values never contain tabs or newlines).

    Raises UnicodeEncodeError when a value has a character the encoding cannot write: the sandbox
    never replaces characters silently.
    """
    lines = ["\t".join(columns)]
    lines.extend("\t".join(r.get(c, "") for c in columns) for r in rows)
    return ("\n".join(lines) + "\n").encode(encoding.codec)


# ---------------------------------------------------------------------------------------- V2 JSON
@dataclass(frozen=True)
class V2Style:
    """Which real-data quirks one (account, marketplace) shows. See the module docstring."""

    status_key: str = "ahrStatus"
    with_score: bool = True
    long_timestamps: bool = False
    sparse: bool = False
    list_without_counts: bool = False
    policy_violation_warnings: bool = False
    example_spellings: bool = False
    extra_policy_key: bool = False


def v2_style(account_name: str, marketplace_id: str) -> V2Style:
    with_score = marketplace_id in AHR_SCORE_MARKETPLACES
    if account_name == "brightline-outdoor":
        return V2Style(
            status_key="accountHealthRatingStatus" if marketplace_id == "A1PA6795UKMFR9" else "ahrStatus",
            with_score=with_score, long_timestamps=True, sparse=marketplace_id != "A1PA6795UKMFR9",
            list_without_counts=True, policy_violation_warnings=True,
        )  # fmt: skip
    if account_name == "cobalt-gadgets":
        return V2Style(
            status_key="accountHealthRatingStatus" if marketplace_id == "A1AM78C64UM0Y8" else "ahrStatus",
            with_score=with_score, example_spellings=True, extra_policy_key=True,
        )  # fmt: skip
    return V2Style(with_score=with_score)


def _range(window: tuple[date, date], style: V2Style) -> dict[str, str]:
    first, last = window
    if style.long_timestamps:
        return {
            "reportingDateFrom": f"{first.isoformat()}T00:00:00Z",
            "reportingDateTo": f"{last.isoformat()}T23:59:59Z",
        }
    return {"reportingDateFrom": f"{first.isoformat()}T00:00Z", "reportingDateTo": f"{last.isoformat()}T23:59Z"}


def _status(rate: float, target: float, condition: str, count: int) -> str:
    if count == 0:
        return "NONE"
    ok = rate < target if condition == "LESS_THAN" else rate > target if condition == "GREATER_THAN" else rate == target
    return "GOOD" if ok else "BAD"


def _counted(count: int, style: V2Style, status: str = "NONE") -> dict:
    return {"status": status} if style.sparse and count == 0 else {"count": count, "status": status}


def _put(obj: dict, key: str, value: int, style: V2Style) -> None:
    if not (style.sparse and value == 0):
        obj[key] = value


def performance_metrics(perf: dict, style: V2Style) -> dict:
    """One ``performanceMetrics[]`` element rendered from ``World.performance``."""
    w = perf["windows"]
    pm: dict = {"marketplaceId": perf["marketplace_id"]}
    odr = {}
    for ch in ("mfn", "afn"):
        c = perf["order_defect_rate"][ch]
        status = _status(c["rate"], 0.01, "LESS_THAN", c["order_count"])
        odr[ch] = {
            "reportingDateRange": _range(c["window"], style),
            "orderCount": c["order_count"],
            "orderWithDefects": _counted(c["order_with_defects"], style, status),
            "claims": _counted(c["claims"], style),
            "chargebacks": _counted(c["chargebacks"], style),
            "negativeFeedback": _counted(c["negative_feedback"], style),
            "fulfillmentType": ch,
            "status": status,
            "rate": c["rate"],
            "targetValue": 0.01,
            "targetCondition": "LESS_THAN",
        }
    pm["orderDefectRate"] = odr

    ls = perf["late_shipment_rate"]
    pm["lateShipmentRate"] = {"reportingDateRange": _range(ls["window"], style), "orderCount": ls["order_count"]}
    _put(pm["lateShipmentRate"], "lateShipmentCount", ls["late_shipment_count"], style)
    pm["lateShipmentRate"].update(status=_status(ls["rate"], 0.04, "LESS_THAN", ls["order_count"]), rate=ls["rate"],
                                  targetValue=0.04, targetCondition="LESS_THAN")  # fmt: skip
    items = []
    for key in ("late_shipment_rate_10d", "late_shipment_rate"):
        m = perf[key]
        item = {"reportingDateRange": _range(m["window"], style)}
        if not style.list_without_counts:
            item.update(orderCount=m["order_count"], lateShipmentCount=m["late_shipment_count"])
        item.update(status=_status(m["rate"], 0.04, "LESS_THAN", m["order_count"]), rate=m["rate"],
                    targetValue=0.04, targetCondition="LESS_THAN")  # fmt: skip
        items.append(item)
    pm["lateShipmentRateList"] = items

    cr = perf["pre_fulfillment_cancellation_rate"]
    cancel = {"reportingDateRange": _range(cr["window"], style), "orderCount": cr["order_count"]}
    _put(cancel, "cancellationCount", cr["cancellation_count"], style)
    cancel.update(status=_status(cr["rate"], 0.025, "LESS_THAN", cr["order_count"]), rate=cr["rate"],
                  targetValue=0.025, targetCondition="LESS_THAN")  # fmt: skip
    pm["prefulfillmentCancelRate" if style.example_spellings else "preFulfillmentCancellationRate"] = cancel

    vt = perf["valid_tracking_rate"]
    pm["validTrackingRate"] = {
        "reportingDateRange": _range(vt["window"], style), "shipmentCount": vt["shipment_count"],
        "validTrackingCount": vt["valid_tracking_count"],
        "status": _status(vt["rate"], 0.95, "GREATER_THAN", vt["shipment_count"]), "rate": vt["rate"],
        "targetValue": 0.95, "targetCondition": "GREATER_THAN",
    }  # fmt: skip
    ot = perf["on_time_delivery_rate"]
    pm["onTimeDeliveryRate"] = {
        "reportingDateRange": _range(ot["window"], style),
        "shipmentCountWithValidTracking": ot["shipment_count_with_valid_tracking"],
        "onTimeDeliveryCount": ot["on_time_delivery_count"],
        "status": _status(ot["rate"], 0.9, "GREATER_THAN", ot["shipment_count_with_valid_tracking"]),
        "rate": ot["rate"], "targetValue": 0.9, "targetCondition": "GREATER_THAN",
    }  # fmt: skip
    uo = perf["unit_on_time_delivery_rate"]
    pm["unitOnTimeDeliveryRate"] = {
        "reportingDateRange": _range(uo["window"], style),
        "status": _status(uo["rate"], 0.9, "GREATER_THAN", uo["total_unit_count"]),
        "targetValue": 0.9, "targetCondition": "GREATER_THAN",
        "unitOnTimeDeliveryCount": uo["unit_on_time_delivery_count"], "totalUnitCount": uo["total_unit_count"],
        "rate": uo["rate"],
    }  # fmt: skip
    inv = perf["invoice_defect_rate"]
    pm["invoiceDefectRate"] = {
        "reportingDateRange": _range(inv["window"], style), "orderCount": inv["order_count"],
        "invoiceDefect": _counted(inv["invoice_defect"], style, _status(inv["rate"], 0.05, "LESS_THAN", inv["order_count"])),
        "missingInvoice": _counted(inv["missing_invoice"], style), "lateInvoice": _counted(inv["late_invoice"], style),
        "status": _status(inv["rate"], 0.05, "LESS_THAN", inv["order_count"]), "rate": inv["rate"],
        "targetValue": 0.05, "targetCondition": "LESS_THAN",
    }  # fmt: skip
    pm["warningState" if style.example_spellings else "warningStates"] = list(perf["warning_states"])

    ahr: dict = {style.status_key: perf["ahr_status"], "reportingDateRange": _range(w["account_health_rating"], style)}
    if style.with_score and perf["ahr_score"] is not None:
        ahr["ahrScore"] = perf["ahr_score"]
    pm["accountHealthRating"] = ahr

    for cat in POLICY_CATEGORIES:
        count = perf["violations"][cat]
        key = "documentRequest" if (cat == "documentRequests" and style.example_spellings) else cat
        pm[key] = {"reportingDateRange": _range(w["policy_violations"], style), "defectsCount": count,
                   "status": "BAD" if count else "GOOD", "targetValue": 0, "targetCondition": "EQUALS"}  # fmt: skip
    if style.extra_policy_key:
        pm["customerProductReviewsPolicyViolations"] = {
            "reportingDateRange": _range(w["policy_violations"], style), "defectsCount": 0, "status": "GOOD",
            "targetValue": 0, "targetCondition": "EQUALS"}  # fmt: skip
    if style.policy_violation_warnings:
        pm["policyViolationWarnings"] = {"warningsCount": perf["policy_violation_warnings"]}
    return pm


def v2_document(world: World, account_name: str, marketplace_ids: list[str], as_of: datetime,
                *, unknown_keys: bool = False) -> dict:  # fmt: skip
    """The GET_V2_SELLER_PERFORMANCE_REPORT document as a dict (requested dates are ignored)."""
    statuses, metrics = [], []
    for m in marketplace_ids:
        perf = world.performance(account_name, m, as_of)
        statuses.append({"marketplaceId": m, "status": perf["account_status"]})
        metrics.append(performance_metrics(perf, v2_style(account_name, m)))
    doc = {"accountStatuses": statuses, "performanceMetrics": metrics}
    if unknown_keys:
        for s in statuses:
            s["status"] = "SUSPENDED"
            s["suspensionReason"] = "sandbox-unknown"
        for pm in metrics:
            pm["sandboxFutureMetric"] = {"value": 42, "status": "GOOD"}
            pm["accountHealthRating"]["ahrTrend"] = "DOWN"
        doc["reportMetadata"] = {"schemaVersion": "2099-01-01", "generatedBy": "sandbox"}
    return doc


# ---------------------------------------------------------------------------------------- V1 XML
def _percent(fraction: float) -> str:
    """A V1 rate: percent with at most two decimals (``0.5`` is half a percent)."""
    return f"{round(fraction * 100, 2):g}"


def _time_frame(window: tuple[date, date]) -> str:
    first, last = window
    return f"<timeFrame><start>{first.isoformat()}T00:00:00Z</start><end>{last.isoformat()}T23:59:59Z</end></timeFrame>"


def _counted_rate(element: str, count: int, denominator: int) -> str:
    return f"<{element}><count>{count}</count><rate>{_percent(count / denominator if denominator else 0.0)}</rate></{element}>"


def v1_report_xml(v1: dict) -> list[str]:
    """One ``<sellerPerformanceReport>`` from ``World.v1_metrics``: the shape of Amazon's report
    documentation (families nested in groups, one element per window, rates in percent, no marketplace id)."""
    out = ["  <sellerPerformanceReport>", "    <performanceChecklist>"]
    out += [f"      <{name}><status>{status}</status></{name}>" for name, status in v1["performance_checklist"].items()]
    out += ["    </performanceChecklist>", "    <orderDefects>"]
    for m in v1["order_defects"]:
        n = m["order_count"]
        out.append(
            f"      <orderDefectMetrics>{_time_frame(m['window'])}<fulfilledBy>{m['fulfilled_by']}</fulfilledBy>"
            f"<orderCount>{n}</orderCount>{_counted_rate('orderWithDefects', m['order_with_defects'], n)}"
            f"{_counted_rate('negativeFeedbacks', m['negative_feedbacks'], n)}{_counted_rate('a_z_claims', m['a_z_claims'], n)}"
            f"{_counted_rate('chargebacks', m['chargebacks'], n)}</orderDefectMetrics>"
        )
    out += ["    </orderDefects>", "    <customerExperience>"]
    for m in v1["customer_experience"]:
        n = m["order_count"]
        out.append(
            f"      <customerExperienceMetrics>{_time_frame(m['window'])}<orderCount>{n}</orderCount>"
            f"{_counted_rate('lateShipment', m['late_shipment'], n)}"
            f"{_counted_rate('preFulfillmentCancellation', m['pre_fulfillment_cancellation'], n)}"
            f"{_counted_rate('refunds', m['refunds'], n)}</customerExperienceMetrics>"
        )
    out += ["    </customerExperience>", "    <trackingInformation>"]
    for m in v1["tracking"]:
        out.append(
            f"      <trackingMetrics>{_time_frame(m['window'])}<shipmentCount>{m['shipment_count']}</shipmentCount>"
            f"{_counted_rate('validTracking', m['valid_tracking'], m['shipment_count'])}"
            f"{_counted_rate('onTimeDelivery', m['on_time_delivery'], m['valid_tracking'])}</trackingMetrics>"
        )
    out += ["    </trackingInformation>", "    <returnDissatisfaction>"]
    for m in v1["return_dissatisfaction"]:
        n = m["return_count"]
        out.append(
            f"      <returnDissatisfactionMetrics>{_time_frame(m['window'])}<returnCount>{n}</returnCount>"
            f"{_counted_rate('returnDissatisfaction', m['return_dissatisfaction'], n)}"
            f"{_counted_rate('negativeReturnFeedback', m['negative_return_feedback'], n)}"
            f"{_counted_rate('lateResponse', m['late_response'], n)}"
            f"{_counted_rate('invalidRejection', m['invalid_rejection'], n)}</returnDissatisfactionMetrics>"
        )
    out += ["    </returnDissatisfaction>", "    <buyerSellerContactResponseTimeMetrics>"]
    for m in v1["contact_response_time"]:
        out.append(
            f"      <responseTimeMetrics>{_time_frame(m['window'])}"
            f"<averageResponseTimeInHours>{m['average_response_time_hours']}</averageResponseTimeInHours>"
            f"<responseUnder24Hours>{m['response_under_24_hours']}</responseUnder24Hours>"
            f"<responseTimeGreaterThan24Hours>{m['response_over_24_hours']}</responseTimeGreaterThan24Hours>"
            f"<noResponseForContactsOlderThan24Hours>{m['no_response']}</noResponseForContactsOlderThan24Hours>"
            "</responseTimeMetrics>"
        )
    out += ["    </buyerSellerContactResponseTimeMetrics>", "  </sellerPerformanceReport>"]
    return out


def v1_document(world: World, account_name: str, marketplace_ids: list[str], as_of: datetime) -> bytes:
    """GET_V1_SELLER_PERFORMANCE_REPORT XML as Amazon documents it, one report per marketplace
    (the document names no marketplace: the request did)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<sellerPerformanceReports>"]
    for m in marketplace_ids:
        out += v1_report_xml(world.v1_metrics(account_name, m, as_of))
    out.append("</sellerPerformanceReports>")
    return ("\n".join(out) + "\n").encode(STRUCTURED.codec)


def json_bytes(doc: dict) -> bytes:
    return json.dumps(doc, indent=2, ensure_ascii=False).encode(STRUCTURED.codec)


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
