"""One order's life in the sandbox world, and the status Amazon's all-orders report shows for it.

Why it exists: the all-orders report (``..._BY_LAST_UPDATE_GENERAL``) lists an order item with the
order's state *when the report is generated*, dated by its last update; the metrics count orders by
their state at the snapshot moment. An order therefore carries the moments of its life, and every
status is derived from those moments -- for a document, for a metric, for a test.

Order statuses (``order-status``; item statuses in brackets), as of a moment ``t``:

==================  ==========================================================================
Pending             placed, payment not yet authorized (items ``Unshipped``; no prices shown,
                    as Amazon shows none before authorization)
Unshipped           MFN: authorized, no item shipment-confirmed yet (``Unshipped``)
PartiallyShipped    MFN: some items shipment-confirmed (``Shipped`` / ``Unshipped``)
Shipping            AFN (and multi-channel fulfillment): Amazon is fulfilling it (``Unshipped``)
InvoiceUnconfirmed  MFN business order in an EU marketplace (the invoice defect rate's scope) without
                    invoicing by Amazon: every item shipped, the seller has not yet confirmed the
                    invoice (``Shipped``)
Shipped             every item shipped (``Shipped``)
Cancelled           cancelled before shipment, by the seller or at the buyer's request
                    (``Cancelled``; the item's ``quantity`` shows 0, as real reports do)
==================  ==========================================================================

``is-buyer-requested-cancellation`` is true (with ``buyer-requested-cancel-reason``) on orders the
buyer asked to cancel; Amazon's pre-fulfillment cancellation rate counts only the others.
Multi-channel fulfillment (MCF) orders come from the seller's own shop and are fulfilled by Amazon:
``sales-channel`` = ``Non-Amazon``, AFN, usually without prices; they are not Amazon marketplace orders.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime

#: ``sales-channel`` of multi-channel fulfillment orders in the all-orders report.
NON_AMAZON = "Non-Amazon"

ORDER_STATUSES = ("Pending", "Unshipped", "PartiallyShipped", "Shipping", "InvoiceUnconfirmed", "Shipped", "Cancelled")
#: Statuses whose every item is shipment-confirmed (the late shipment and valid tracking rates' orders).
SHIPMENT_CONFIRMED = frozenset({"Shipped", "InvoiceUnconfirmed"})

#: Longest time from purchase to an order's last update in the world (pending payment, late
#: shipment, invoice confirmation): documents look this far back for orders updated on a day.
MAX_LIFECYCLE_DAYS = 10


@dataclass(frozen=True)
class Order:
    """World facts of one order (the TSV shows only some of them). Times are UTC."""

    order_id: str
    merchant_order_id: str
    purchase: datetime
    channel: str
    """``AFN`` (fulfilled by Amazon, including MCF) or ``MFN`` (seller-fulfilled)."""
    sales_channel: str
    """The marketplace's name (Amazon.com, ...) or ``Non-Amazon`` for multi-channel fulfillment."""
    items: tuple[tuple[int, int], ...]
    """(product index, quantity) per order item."""
    ship_level: str
    business: bool
    ship_to: tuple[str, str, str]
    """City, state or prefecture, postal code."""
    authorized: datetime
    """Payment authorized: the order is Pending before."""
    cancelled_at: datetime | None
    buyer_cancel_reason: str | None
    """Set when the buyer asked for the cancellation (``is-buyer-requested-cancellation``)."""
    shipped_at: tuple[datetime, ...] | None
    """Shipment confirmation per item (None for cancelled orders)."""
    invoice_at: datetime | None
    """When the seller confirmed the invoice of a business order that needs one."""
    is_iba: bool
    """Invoicing by Amazon (``is-iba``)."""
    priced: bool
    """Whether the report shows prices (MCF orders usually carry none)."""
    late_shipment: bool
    """MFN: shipment confirmed after the expected ship date."""
    valid_tracking: bool
    on_time_delivery: bool
    feedback: tuple[date, int, str, str, str] | None
    """date, rating, comment, response, rater email."""
    return_: tuple[date, bool, str, int] | None
    """request date, A-to-z claim, reason, item index."""
    chargeback: date | None

    @property
    def is_mcf(self) -> bool:
        return self.sales_channel == NON_AMAZON

    @property
    def cancelled(self) -> bool:
        """Cancelled at some point of the world (use ``status_at`` for a moment)."""
        return self.cancelled_at is not None

    @property
    def is_buyer_requested_cancellation(self) -> bool:
        return self.cancelled_at is not None and self.buyer_cancel_reason is not None

    events: tuple[datetime, ...] = field(init=False, repr=False, compare=False)
    """Every moment the order changed, in time order (derived once: documents ask for it per report)."""

    def __post_init__(self) -> None:
        moments = [self.purchase, self.authorized]
        if self.cancelled_at is not None:
            moments.append(self.cancelled_at)
        if self.shipped_at:
            moments.extend(self.shipped_at)
        if self.invoice_at is not None:
            moments.append(self.invoice_at)
        object.__setattr__(self, "events", tuple(sorted(moments)))

    @property
    def defect_dates(self) -> tuple[date | None, date | None, date | None]:
        """(1-2 star feedback, A-to-z claim, chargeback) dates, None where the order has none."""
        negative = self.feedback[0] if self.feedback is not None and self.feedback[1] <= 2 else None
        claim = self.return_[0] if self.return_ is not None and self.return_[1] else None
        return negative, claim, self.chargeback

    def last_updated_at(self, t: datetime) -> datetime | None:
        """The order's ``last-updated-date`` as a report generated at ``t`` shows it (None: not placed yet)."""
        events = self.events
        i = bisect_right(events, t)
        return events[i - 1] if i else None

    def status_at(self, t: datetime) -> str | None:
        """``order-status`` at ``t`` (see the module docstring); None before the purchase."""
        if t < self.purchase:
            return None
        if self.cancelled_at is not None and t >= self.cancelled_at:
            return "Cancelled"
        if t < self.authorized:
            return "Pending"
        shipped = sum(s <= t for s in self.shipped_at or ())
        if self.channel == "AFN":
            return "Shipped" if shipped == len(self.items) else "Shipping"
        if shipped == 0:
            return "Unshipped"
        if shipped < len(self.items):
            return "PartiallyShipped"
        if self.invoice_at is not None and t < self.invoice_at:
            return "InvoiceUnconfirmed"
        return "Shipped"

    def item_status_at(self, index: int, t: datetime) -> str:
        """``item-status`` of item ``index`` at ``t``."""
        if self.cancelled_at is not None and t >= self.cancelled_at:
            return "Cancelled"
        if t >= self.authorized and self.shipped_at and self.shipped_at[index] <= t:
            return "Shipped"
        return "Unshipped"

    def shipment_confirmed_by(self, t: datetime) -> bool:
        """Every item shipment-confirmed by ``t`` (InvoiceUnconfirmed and Shipped orders)."""
        return bool(self.shipped_at) and t >= self.authorized and max(self.shipped_at) <= t

    def seller_cancelled_by(self, t: datetime) -> bool:
        """Cancelled by the seller (not at the buyer's request) by ``t``: the cancellation rate's numerator."""
        return self.cancelled_at is not None and self.cancelled_at <= t and self.buyer_cancel_reason is None
