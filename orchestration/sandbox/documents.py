"""Render report documents in Amazon's formats from the world's ground truth.

Why it exists: parsers are tested against what Amazon actually sends, not against what we wish it
sent. Flat files follow orchestration/README.md exactly; the V2 JSON follows
``accountHealthReport-2020-11-18`` *plus* the real-data quirks of DESIGN.md section 2, spread
deterministically over accounts and marketplaces (see ``v2_style``) so that every quirk reaches
the parser in a normal sandbox run:

============================  ==========================================================
acme-home US                  ``ahrStatus`` + ``ahrScore``; short timestamps (``T00:00Z``)
acme-home CA                  ``ahrStatus``, no ``ahrScore``; short timestamps
brightline-outdoor GB, FR     ``ahrStatus``; long timestamps (``T23:59:59Z``); sparse objects
                              (zero counts omitted); ``lateShipmentRateList`` items without
                              counts; ``policyViolationWarnings``; GB has ``ahrScore``
brightline-outdoor DE         schema spelling ``accountHealthRatingStatus`` + ``ahrScore``
cobalt-gadgets US             Amazon-example spellings ``prefulfillmentCancelRate``,
                              ``warningState``, ``documentRequest``; ``ahrScore``;
                              ``customerProductReviewsPolicyViolations``
cobalt-gadgets MX             like US but ``accountHealthRatingStatus``, no ``ahrScore``
============================  ==========================================================

Every value comes from ``World.performance`` so document and ground truth always agree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from xml.sax.saxutils import escape

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
              start: datetime, end: datetime) -> list[dict[str, str]]:  # fmt: skip
    """Rows of a flat report for ``start..end`` (orders by last-updated timestamp, others by date)."""
    rows: list[dict[str, str]] = []
    day = start.astimezone(UTC).date()
    last = end.astimezone(UTC).date()
    while day <= last:
        if report_type == ORDERS.name:
            for r in world.order_item_rows(account_name, marketplace_id, day):
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


def render_tsv(columns: list[str], rows: list[dict[str, str]]) -> bytes:
    """Tab-separated UTF-8 with a header row (values never contain tabs or newlines)."""
    lines = ["\t".join(columns)]
    lines.extend("\t".join(r.get(c, "") for c in columns) for r in rows)
    return ("\n".join(lines) + "\n").encode("utf-8")


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
def v1_document(world: World, account_name: str, marketplace_ids: list[str], as_of: datetime) -> bytes:
    """GET_V1_SELLER_PERFORMANCE_REPORT XML per orchestration/README.md."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<sellerPerformanceReports>"]
    for m in marketplace_ids:
        v1 = world.v1_metrics(account_name, m, as_of)
        out.append("  <sellerPerformanceReport>")
        out.append(f"    <marketplaceId>{escape(m)}</marketplaceId>")
        for key, element in (
            ("contact_response_time", "contactResponseTime"),
            ("return_dissatisfaction", "returnDissatisfaction"),
        ):
            metric = v1[key]
            first, last = metric["window"]
            parts = [f"<timeFrame><start>{first.isoformat()}</start><end>{last.isoformat()}</end></timeFrame>"]
            parts += [f"<{k}>{v}</{k}>" for k, v in metric.items() if k != "window"]
            out.append(f"    <{element}>{''.join(parts)}</{element}>")
        out.append("  </sellerPerformanceReport>")
    out.append("</sellerPerformanceReports>")
    return ("\n".join(out) + "\n").encode("utf-8")


def json_bytes(doc: dict) -> bytes:
    return json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8")


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
