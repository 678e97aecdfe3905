"""The SP-API report types the warehouse extracts, and what each one implies for extraction.

Limits come from Amazon's documentation (docs/amazon.md, "Report types"): order reports accept
at most 30 days per request, returns 60; the seller performance reports are snapshots of the
current state whose requested dates are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class ReportType:
    name: str
    """Amazon's reportType, e.g. ``GET_V2_SELLER_PERFORMANCE_REPORT``."""
    key: str
    """Short name used for asset keys, landing folders and the raw table."""
    format: Literal["json", "tsv", "xml"]
    raw_table: str
    """Table in schema ``raw`` that holds the parsed rows."""
    is_snapshot: bool
    """True when Amazon serves only the current state (requested dates ignored)."""
    max_window_days: int | None
    """Longest dataStartTime..dataEndTime span Amazon accepts per request (None: snapshot)."""
    description: str


SELLER_PERFORMANCE = ReportType(
    name="GET_V2_SELLER_PERFORMANCE_REPORT",
    key="seller_performance",
    format="json",
    raw_table="seller_performance",
    is_snapshot=True,
    max_window_days=None,
    description="Account health: performance metrics, policy violations, account status, AHR.",
)
SELLER_PERFORMANCE_V1 = ReportType(
    name="GET_V1_SELLER_PERFORMANCE_REPORT",
    key="seller_performance_v1",
    format="xml",
    raw_table="seller_performance_v1",
    is_snapshot=True,
    max_window_days=None,
    description="Customer-service metrics the V2 report lacks: contact response time, return dissatisfaction.",
)
ORDERS = ReportType(
    name="GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL",
    key="orders",
    format="tsv",
    raw_table="orders",
    is_snapshot=False,
    max_window_days=30,
    description="One row per order item, by last-updated date: volume, cancellations, channel split.",
)
SELLER_FEEDBACK = ReportType(
    name="GET_SELLER_FEEDBACK_DATA",
    key="seller_feedback",
    format="tsv",
    raw_table="seller_feedback",
    is_snapshot=False,
    # Amazon documents no span limit for this report; 90 days keeps a request inside the
    # ~90 days Amazon retains reports and bounds the document size.
    max_window_days=90,
    description="1-3 star seller feedback by feedback date (negative feedback is an ODR defect).",
)
RETURNS = ReportType(
    name="GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE",
    key="returns",
    format="tsv",
    raw_table="returns",
    is_snapshot=False,
    max_window_days=60,
    description="Returns by return request date, with the A-to-Z Claim flag.",
)

REPORT_TYPES: dict[str, ReportType] = {
    rt.name: rt for rt in (SELLER_PERFORMANCE, SELLER_PERFORMANCE_V1, ORDERS, SELLER_FEEDBACK, RETURNS)
}
BY_KEY: dict[str, ReportType] = {rt.key: rt for rt in REPORT_TYPES.values()}


def report_type(name_or_key: str) -> ReportType:
    """Look a report type up by Amazon's name or our short key, with a helpful error."""
    found = REPORT_TYPES.get(name_or_key) or BY_KEY.get(name_or_key)
    if found is None:
        known = ", ".join(sorted(REPORT_TYPES))
        raise KeyError(f"unknown report type {name_or_key!r}; known: {known}")
    return found
