"""Open alerts of the account x marketplace (shown only when the warehouse has an alerts mart)."""

from __future__ import annotations

import pandas as pd

from orchestration.report.data import ReportData
from orchestration.report.labels import day, is_missing, words
from orchestration.report.layout import Section, esc, table

#: Severity order for sorting (unknown severities after the known ones).
SEVERITY_ORDER = {"critical": 0, "high": 1, "warning": 2, "medium": 2, "low": 3, "info": 4}


def open_alerts(alerts: pd.DataFrame | None) -> pd.DataFrame | None:
    """Alert episodes not resolved yet, most severe and most recent first; None without an alerts mart."""
    if alerts is None:
        return None
    current = alerts[alerts["resolved"].isna()].copy()
    current["_severity"] = current["severity"].map(lambda s: SEVERITY_ORDER.get(str(s).lower(), 9))
    return current.sort_values(["_severity", "last_seen"], ascending=[True, False]).drop(columns="_severity")


def render(data: ReportData) -> Section | None:
    current = open_alerts(data.alerts)
    if current is None:
        return None
    if current.empty:
        body = "<p class='empty'>No open alerts.</p>"
    else:
        rows = [
            [
                esc(r.severity if not is_missing(r.severity) else "-"),
                esc(words(str(r.kind)) if not is_missing(r.kind) else "-"),
                esc(r.marketplace_id if not is_missing(r.marketplace_id) else "all marketplaces"),
                esc(day(r.first_seen)),
                esc(day(r.last_seen)),
                esc(r.detail if not is_missing(r.detail) else ""),
            ]
            for r in current.itertuples()
        ]
        body = table(["Severity", "Alert", "Marketplace", "First seen", "Last seen", "Detail"], rows)
    lead = "Alert episodes the warehouse raised that are not resolved yet, most severe first."
    return Section("alerts", f"Open alerts ({len(current)})", lead, body)
