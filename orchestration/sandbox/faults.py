"""Switchable fault injection: the failure modes the extractor has to survive, on demand.

Why it exists: Amazon throttles, fails, serves stale or oddly shaped documents and lets pre-signed
URLs expire; tests and demos need each of those reproducibly. A ``Fault`` matches requests or
reports by report type, seller, marketplace and operation, and fires ``times`` times (None:
forever).

Kinds and what they do:
- ``throttle_storm``: matching API requests answer 429 QuotaExceeded (tokens are not consumed).
- ``server_error`` / ``service_unavailable``: matching API requests answer 500 InternalFailure /
  503 ServiceUnavailable.
- ``fatal``: a matching new report ends FATAL, with a reportDocumentId of a small JSON error document.
- ``stuck``: a matching new report stays IN_PROGRESS forever.
- ``expired_url``: getReportDocument returns a URL that has already expired (download -> 403).
- ``truncated_gzip``: the download returns the gzip stream cut in half.
- ``schema_missing_column``: a required column is dropped (orders ``order-status``, feedback
  ``Rating``, returns ``Return request date``).
- ``schema_extra_column``: an unknown column ``sandbox-unknown-column`` is added.
- ``schema_renamed_column``: the required column is renamed (``order-state``, ``Stars``,
  ``Return requested date``).
- ``schema_localized_headers``: feedback headers in German (Datum, Bewertung, ...).
- ``duplicate_rows``: the first fifth of the rows (at least one) is repeated at the end.
- ``empty_document``: header only; the report ends DONE rather than CANCELLED.
- ``out_of_range_values``: values the parser accepts but that cannot be true: the first fifth of the
  rows (at least one) get a negative quantity (orders ``quantity``, returns ``Return quantity``),
  as a mis-keyed adjustment line would; feedback is left as is (its parser refuses ratings outside 1-5).
- ``unknown_keys``: V2 JSON gets unknown keys and the unknown account status ``SUSPENDED``.
- ``stale_snapshot``: V2 JSON is the snapshot of 45 days before the clock.
Report-level kinds (all but the first three and ``expired_url``/``truncated_gzip``) are decided when
the report is created, so they count reports, not polls.

Notification kinds (matched on ``seller_id``, ``marketplace_id`` and ``operation`` = the notification
type, e.g. ``ACCOUNT_STATUS_CHANGED``; see ``notifications.py``), decided per published message:
- ``duplicate_delivery``: the message reaches the queue twice (same notificationId).
- ``out_of_order_delivery``: the message is sent after the other messages of the same clock move.
- ``malformed_body``: the message body is cut in half (not JSON).
- ``unknown_subscription``: the message names a subscriptionId that does not exist.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

REQUEST_KINDS = frozenset({"throttle_storm", "server_error", "service_unavailable"})
REPORT_KINDS = frozenset({"fatal", "stuck"})
DOCUMENT_KINDS = frozenset({
    "schema_missing_column", "schema_extra_column", "schema_renamed_column", "schema_localized_headers",
    "duplicate_rows", "empty_document", "out_of_range_values", "unknown_keys", "stale_snapshot",
})  # fmt: skip
URL_KINDS = frozenset({"expired_url"})
DOWNLOAD_KINDS = frozenset({"truncated_gzip"})
NOTIFICATION_KINDS = frozenset(
    {"duplicate_delivery", "out_of_order_delivery", "malformed_body", "unknown_subscription"}
)
KINDS = REQUEST_KINDS | REPORT_KINDS | DOCUMENT_KINDS | URL_KINDS | DOWNLOAD_KINDS | NOTIFICATION_KINDS


@dataclass
class Fault:
    kind: str
    report_type: str | None = None
    seller_id: str | None = None
    marketplace_id: str | None = None
    operation: str | None = None
    times: int | None = 1

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(sorted(KINDS))}")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be >= 1 or None (forever)")

    def matches(self, *, report_type=None, seller_id=None, marketplace_id=None, operation=None) -> bool:
        """A None filter on the fault matches anything; a filter set on the fault needs an equal value."""
        return all(
            want is None or want == got
            for want, got in ((self.report_type, report_type), (self.seller_id, seller_id),
                              (self.marketplace_id, marketplace_id), (self.operation, operation))
        )  # fmt: skip

    def to_dict(self) -> dict:
        return asdict(self)


class FaultPlan:
    """The server's active faults. ``take`` finds a matching fault of the given kinds and uses it up once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, kinds, **context) -> Fault | None:
        kinds = {kinds} if isinstance(kinds, str) else set(kinds)
        with self._lock:
            for fault in self._faults:
                if fault.kind in kinds and fault.matches(**context):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return fault
        return None
