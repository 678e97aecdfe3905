"""Alerts for people: open alerts from ``marts.fct_alerts``, acknowledgements, and the text of a message.

The mart is the truth about episodes (dbt builds it from the marts, the notifications and the
quality results); this module only reads it and keeps what people did about it
(``ops.alert_acknowledgements``). An acknowledged alert is not delivered again until its severity
rises above the severity it had when acknowledged.

Alert text is built from mart columns only (account names, marketplace ids, metric names, numbers):
marts carry no buyer data. :func:`scrub` still removes anything shaped like an e-mail address and
any secret it is given, so a future column cannot leak one into a message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from orchestration.notifications.tables import ALERT_ACKNOWLEDGEMENTS, ensure_tables

ALERTS_TABLE = "marts.fct_alerts"
SEVERITY_RANKS = {"low": 1, "medium": 2, "high": 3, "critical": 4}
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")

ALERT_COLUMNS = (
    "alert_id", "dedupe_key", "kind", "kind_label", "account_id", "marketplace_id", "subject", "severity",
    "severity_rank", "status", "first_seen_at", "last_seen_at", "resolved_at", "trigger_value", "threshold_value",
    "details", "sources",
)  # fmt: skip


class UnknownAlert(KeyError):
    """No alert with that id in marts.fct_alerts."""


@dataclass(frozen=True)
class Alert:
    """One row of ``marts.fct_alerts`` (details parsed)."""

    alert_id: str
    dedupe_key: str
    kind: str
    kind_label: str | None
    account_id: str | None
    marketplace_id: str | None
    subject: str
    severity: str
    severity_rank: int
    status: str
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    resolved_at: datetime | None
    trigger_value: float | None
    threshold_value: float | None
    details: dict
    sources: str | None

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def where(self) -> str:
        return " ".join(p for p in (self.account_id or "warehouse", self.marketplace_id or "") if p)


def _table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, table = qualified.split(".")
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
        ).fetchall()[0][0]
    )


def _alert(row: tuple) -> Alert:
    values = dict(zip(ALERT_COLUMNS, row, strict=True))
    raw = values.pop("details")
    details = json.loads(raw) if isinstance(raw, str) and raw else (raw or {})
    return Alert(**values, details=details if isinstance(details, dict) else {})


def read_alerts(con: duckdb.DuckDBPyConnection, *, status: str | None = None) -> list[Alert]:
    """Alerts of the mart (all, or ``open`` / ``resolved``), most severe and newest first; [] without the mart."""
    if not _table_exists(con, ALERTS_TABLE):
        return []
    where = "where status = ?" if status else ""
    rows = con.execute(
        f"select {', '.join(ALERT_COLUMNS)} from {ALERTS_TABLE} {where} "
        "order by severity_rank desc, first_seen_at desc, alert_id",
        [status] if status else [],
    ).fetchall()
    return [_alert(r) for r in rows]


def acknowledgements(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """alert_id -> severity rank at acknowledgement."""
    if not _table_exists(con, ALERT_ACKNOWLEDGEMENTS.qualified):
        return {}
    return dict(con.execute(f"select alert_id, severity_rank from {ALERT_ACKNOWLEDGEMENTS.qualified}").fetchall())


def acknowledge(con: duckdb.DuckDBPyConnection, alert_id: str, *, by: str, note: str | None = None) -> Alert:
    """Acknowledge an alert at its current severity; UnknownAlert when the mart has no such id."""
    found = [a for a in read_alerts(con) if a.alert_id == alert_id]
    if not found:
        raise UnknownAlert(alert_id)
    alert = found[0]
    ensure_tables(con)
    con.execute(
        f"insert into {ALERT_ACKNOWLEDGEMENTS.qualified} values (?, ?, ?, ?, ?) on conflict (alert_id) do update set "
        "severity_rank = excluded.severity_rank, acknowledged_at = excluded.acknowledged_at, "
        "acknowledged_by = excluded.acknowledged_by, note = excluded.note",
        [alert.alert_id, alert.severity_rank, datetime.now(UTC).replace(tzinfo=None), by, note],
    )
    return alert


def counts(alerts: Iterable[Alert]) -> dict[str, dict[str, int]]:
    """Open alerts by kind and by severity (for metadata and the demo summary)."""
    by_kind: dict[str, int] = {}
    by_severity: dict[str, int] = {}
    for a in alerts:
        if a.is_open:
            by_kind[a.kind] = by_kind.get(a.kind, 0) + 1
            by_severity[a.severity] = by_severity.get(a.severity, 0) + 1
    return {"by_kind": dict(sorted(by_kind.items())), "by_severity": dict(sorted(by_severity.items()))}


# ---------------------------------------------------------------------------------------------- text
def _pct(value: object) -> str:
    return f"{100 * float(value):.2f}%" if isinstance(value, int | float) else "n/a"


def _condition(value: object) -> str:
    return {"LESS_THAN": "below", "GREATER_THAN": "above", "EQUALS": "equal to"}.get(str(value), "within")


def _scope(channel: object, window_days: object) -> str:
    """``MFN, 10 days``; only the parts the report gave."""
    parts = [str(channel)] if channel else []
    if isinstance(window_days, int | float):
        parts.append(f"{window_days:g} days")
    return ", ".join(parts) or "window not reported"


def _counts(numerator: object, denominator: object) -> str:
    """`` (15 of 1,241 orders)`` when Amazon gave both counts; nothing when it gave a rate alone (as its
    ``lateShipmentRateList`` entries often do): a sentence never shows counts it does not have."""
    if isinstance(numerator, int | float) and isinstance(denominator, int | float):
        return f" ({numerator:,.0f} of {denominator:,.0f})"
    return ""


def _num(value: object, unit: str = "") -> str | None:
    """A count or rating as people write it (``1,241``, ``2.5``), with its unit; None when absent."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return f"{text}{unit}"


def _join(*parts: str | None, sep: str = " ") -> str:
    return sep.join(p for p in parts if p)


def describe(alert: Alert) -> str:
    """One sentence saying what the alert is about, with the numbers the mart has: a value the source
    did not give (counts of a rate-only metric, a missing window or score) is left out, never printed
    as "None"."""
    d = alert.details
    if alert.kind == "account_status_changed":
        previous = d.get("previous_account_status")
        where = ", ".join(d.get("affected_marketplace_ids") or []) or "no marketplace named (Amazon's notification)"
        status = d.get("account_status") or "unknown"
        return f"Amazon account status is {status}{f' (was {previous})' if previous else ''}; marketplaces: {where}."
    if alert.kind in ("reported_band_changed", "estimated_band_changed"):
        which = "Amazon's reported" if alert.kind == "reported_band_changed" else "The estimated"
        rating = _num(d.get("reported_ahr") if alert.kind == "reported_band_changed" else d.get("estimated_ahr"))
        band = d.get("band")
        text = f"{which} Account Health Rating is {rating}" if rating else f"{which} Account Health Rating is not given"
        return f"{text}{f', in band {band}' if band else ''} (Healthy is 200-1000)."
    if alert.kind == "metric_target_missed":
        return (f"{d.get('metric_name') or 'a metric'} ({_scope(d.get('fulfillment_channel'), d.get('window_days'))}) "
                f"is {_pct(d.get('value'))}; the target is {_condition(d.get('target_condition'))} "
                f"{_pct(d.get('target_value'))}{_counts(d.get('numerator'), d.get('denominator'))}.")  # fmt: skip
    if alert.kind == "projected_breach":
        channel = d.get("fulfillment_channel")
        days_ahead = _num(d.get("days_ahead"))
        after = _join(f"{days_ahead} day(s) after" if days_ahead else None,
                      f"the snapshot of {d.get('as_of_date')}" if d.get("as_of_date") else None)  # fmt: skip
        when = _join(f"on {d.get('breach_date')}" if d.get("breach_date") else "soon", f", {after}" if after else None,
                     sep="")  # fmt: skip
        return (f"{d.get('metric_name') or 'a metric'}{f' ({channel})' if channel else ''} is projected to miss its "
                f"target {when}: {_pct(d.get('projected_value'))} against {_condition(d.get('target_condition'))} "
                f"{_pct(d.get('target_value'))}, if nothing new happens.")  # fmt: skip
    if alert.kind == "policy_violation_opened":
        defects = _num(d.get("defects_count"))
        points = _num(d.get("points_deducted"))
        detail = _join(f"severity {d.get('severity')}" if d.get("severity") else None,
                       f"{points} points off the estimate" if points else None, sep=", ")  # fmt: skip
        return (f"{defects + ' open' if defects else 'Open'} defect(s) in policy category "
                f"{d.get('category') or 'unknown'}{f' ({detail})' if detail else ''}.")  # fmt: skip
    if alert.kind == "rating_drift":
        gap, bound = _num(d.get("ahr_gap")), _num(alert.threshold_value)
        return _join(f"Amazon's reported rating {_num(d.get('reported_ahr')) or '(not given)'} and the estimate "
                     f"{_num(d.get('estimated_ahr')) or '(not given)'} differ",
                     f"by {gap} points" if gap else None, f"(bound {bound})" if bound else None) + "."  # fmt: skip
    if alert.kind == "stale_source":
        missing, bound = _num(d.get("missing_days")), _num(alert.threshold_value)
        last = d.get("last_snapshot_date")
        return _join(f"No seller performance snapshot after {last}" if last else "No seller performance snapshot",
                     f": {missing} day(s) missing" if missing else None,
                     f" (alert from {bound} days)" if bound else None, sep="") + "."  # fmt: skip
    if alert.kind == "quality_gate_failed":
        blocking = _num(d.get("failed_blocking_count"))
        span = (f" for partitions {d.get('partition_start')}..{d.get('partition_end')}"
                if d.get("partition_start") else "")  # fmt: skip
        return (f"Quality suite {d.get('suite_name') or 'unknown'} failed on {d.get('table_name') or 'its table'}{span}"
                f"{f': {blocking} blocking expectation(s)' if blocking else ''}; the data readers see was not "
                "refreshed.")  # fmt: skip
    value, bound = _num(alert.trigger_value), _num(alert.threshold_value)
    return _join(f"{alert.kind_label or alert.kind}", f": {value}" if value else None,
                 f" (threshold {bound})" if bound else None, sep="") + "."  # fmt: skip


def message(alert: Alert, event: str) -> tuple[str, str]:
    """(title, body) of a delivery: ``event`` is opened, escalated or resolved."""
    label = alert.kind_label or alert.kind
    verb = {"opened": "", "escalated": " (escalated)", "resolved": " resolved"}.get(event, "")
    title = f"[{alert.severity.upper()}] {label}{verb}: {alert.where}"
    seen = f"First seen {alert.first_seen_at:%Y-%m-%d %H:%M} UTC" if alert.first_seen_at else "First seen: unknown"
    if alert.last_seen_at:
        seen += f", last seen {alert.last_seen_at:%Y-%m-%d %H:%M} UTC"
    if alert.resolved_at:
        seen += f", resolved {alert.resolved_at:%Y-%m-%d %H:%M} UTC"
    elif event == "resolved":
        seen += ", no longer observed"
    lines = [
        describe(alert) if alert.details else f"{label}.",
        seen + ".",
        f"Subject: {alert.subject}." if alert.subject else "",
        f"Seen in: {alert.sources}." if alert.sources else "",
        f"Alert {alert.alert_id} ({alert.dedupe_key})."
        + (f" Acknowledge with: ahw alerts ack {alert.alert_id}" if event != "resolved" else ""),
    ]
    return title, "\n".join(line for line in lines if line)


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove e-mail addresses and the given secrets (and long parts of them) from a text."""
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "[secret removed]")
    return _EMAIL.sub("[e-mail removed]", text)
