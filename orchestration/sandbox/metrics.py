"""Amazon's account-health metrics computed from the sandbox world: the ground truth of the V1 and V2 reports.

Why it exists: tests compare the warehouse's numbers with what Amazon would report, so the sandbox
has to count orders the way Amazon's published definitions do. The definitions used (windows are
inclusive UTC days by order date, ``a`` = the snapshot's UTC date, ``t`` = the snapshot moment):

- Only Amazon marketplace orders count. Multi-channel fulfillment orders (``sales-channel`` =
  ``Non-Amazon``) are in no metric and not in the 180-day volume credit.
- An order still Pending at ``t`` (payment not authorized) is not yet the seller's order: it is in
  no denominator. Every other status counts where the metric's definition puts it.
- Order defect rate, per fulfillment channel (MFN = seller, AFN = Amazon), 60 days ending ``a - 14``:
  orders of the channel in any status (Unshipped, PartiallyShipped, Shipping, InvoiceUnconfirmed,
  Shipped, Cancelled); an order is defective once if it has 1-2 star feedback, an A-to-z claim or a
  chargeback known by ``a``.
- Pre-fulfillment cancellation rate (MFN), 7 days ending ``a - 1``: orders cancelled by the seller
  before shipment confirmation by ``t`` / all MFN orders. Cancellations the buyer requested
  (``is-buyer-requested-cancellation``) stay in the denominator and out of the numerator.
- Late shipment rate (MFN), 10 and 30 days ending ``a - 1``: orders shipment-confirmed after the
  expected ship date / orders shipment-confirmed by ``t`` (Shipped and InvoiceUnconfirmed; Unshipped
  and PartiallyShipped orders are not confirmed yet, cancelled ones never are).
- Valid tracking rate (MFN), 30 days ending ``a - 10``: shipments with valid tracking /
  shipment-confirmed orders. On-time delivery: delivered by the promise / shipments with valid
  tracking; unit on-time delivery over the units of shipment-confirmed orders.
- Invoice defect rate, 7 days ending ``a - 1``: missing plus late invoices / MFN business orders;
  missing and late invoices are drawn per snapshot, not derived from InvoiceUnconfirmed orders.
- V1 report (``v1_metrics``): the same counting over the V1 families' windows. Its customer
  experience family has one ``orderCount`` (MFN orders) for late shipments, cancellations and
  refunds (MFN orders with a return requested by ``a``); contact response times and return
  dissatisfaction are drawn from the orders' volume.

Each day's orders are indexed once (``DayIndex``): a count at any moment is then a bisection, so a
backfill of daily snapshots does not pass over the same orders again for each day.
"""

from __future__ import annotations

import hashlib
import random
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from orchestration.sandbox.accounts import AHR_SCORE_MARKETPLACES

if TYPE_CHECKING:
    from orchestration.sandbox.world import World

#: The ten policy categories of the V2 report, in report order.
POLICY_CATEGORIES = (
    "listingPolicyViolations",
    "productAuthenticityCustomerComplaints",
    "productConditionCustomerComplaints",
    "productSafetyCustomerComplaints",
    "receivedIntellectualPropertyComplaints",
    "restrictedProductPolicyViolations",
    "suspectedIntellectualPropertyViolations",
    "foodAndProductSafetyIssues",
    "otherPolicyViolations",
    "documentRequests",
)


@dataclass(frozen=True)
class DayFacts:
    """Counts over the orders purchased on one day, as known at one moment (see ``day_facts``)."""

    counts: Counter = field(default_factory=Counter)
    returns_by_date: Counter = field(default_factory=Counter)
    """Return request date -> returns of marketplace orders of the day requested by then."""


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def _rate(num: int, den: int) -> float:
    return round(num / den, 6) if den else 0.0


@dataclass(frozen=True)
class DayIndex:
    """The orders purchased on one day, arranged so that what is known at any moment is a bisection.

    Why: every snapshot (V2 and V1, each day of a backfill) counts the same orders at a different
    moment; sorted moments make each count O(log n) instead of a pass over the day's orders.
    Defect dates need no status check: feedback, returns and chargebacks all come after shipment,
    so after the payment was authorized.
    """

    purchases: tuple[datetime, ...]
    """Amazon marketplace orders' purchase moments."""
    authorized: dict[str, tuple[datetime, ...]]
    """Channel (afn/mfn) -> payment authorizations of its marketplace orders (Pending before)."""
    defect_dates: dict[str, dict[str, tuple[date, ...]]]
    """Channel -> negative_feedback / claims / chargebacks / defects (the first of them) -> dates."""
    return_dates: tuple[date, ...]
    mfn: dict[str, tuple]
    """MFN: business (authorizations), refunds (return dates), seller_cancelled / buyer_cancelled
    (cancellation moments), shipped (confirmation moments)."""
    shipped_sums: dict[str, tuple[int, ...]]
    """Prefix sums over ``mfn['shipped']`` (in its order): late, valid, on_time, units, units_on_time."""
    mcf_purchases: tuple[datetime, ...]


def day_index(world: World, account_name: str, marketplace_id: str, day: date) -> DayIndex:
    """Index the orders purchased on ``day`` (see ``DayIndex``)."""
    purchases, mcf, returns = [], [], []
    authorized: dict[str, list[datetime]] = {"afn": [], "mfn": []}
    defects: dict[str, dict[str, list[date]]] = {
        ch: {"negative_feedback": [], "claims": [], "chargebacks": [], "defects": []} for ch in ("afn", "mfn")
    }
    mfn: dict[str, list] = {"business": [], "refunds": [], "seller_cancelled": [], "buyer_cancelled": []}
    shipped: list[tuple[datetime, int, int, int, int, int]] = []
    for o in world.orders(account_name, marketplace_id, day):
        if o.is_mcf:
            mcf.append(o.purchase)
            continue
        ch = o.channel.lower()
        purchases.append(o.purchase)
        authorized[ch].append(o.authorized)
        dates = o.defect_dates
        for kind, d in zip(("negative_feedback", "claims", "chargebacks"), dates, strict=True):
            if d is not None:
                defects[ch][kind].append(d)
        known = [d for d in dates if d is not None]
        if known:
            defects[ch]["defects"].append(min(known))
        if o.return_ is not None:
            returns.append(o.return_[0])
        if ch != "mfn":
            continue
        if o.business:
            mfn["business"].append(o.authorized)
        if o.return_ is not None:
            mfn["refunds"].append(o.return_[0])
        if o.cancelled_at is not None:
            mfn["buyer_cancelled" if o.buyer_cancel_reason else "seller_cancelled"].append(o.cancelled_at)
        if o.shipped_at:
            units = sum(q for _, q in o.items)
            confirmed = max(max(o.shipped_at), o.authorized)
            shipped.append((confirmed, o.late_shipment, o.valid_tracking, o.valid_tracking and o.on_time_delivery,
                            units, units if o.on_time_delivery else 0))  # fmt: skip
    shipped.sort(key=lambda s: s[0])
    sums = {}
    for i, name in enumerate(("late", "valid", "on_time", "units", "units_on_time"), start=1):
        running, prefix = 0, [0]
        for s in shipped:
            running += s[i]
            prefix.append(running)
        sums[name] = tuple(prefix)
    return DayIndex(
        purchases=tuple(sorted(purchases)),
        authorized={ch: tuple(sorted(v)) for ch, v in authorized.items()},
        defect_dates={ch: {k: tuple(sorted(v)) for k, v in kinds.items()} for ch, kinds in defects.items()},
        return_dates=tuple(sorted(returns)),
        mfn={**{k: tuple(sorted(v)) for k, v in mfn.items()}, "shipped": tuple(s[0] for s in shipped)},
        shipped_sums=sums,
        mcf_purchases=tuple(sorted(mcf)),
    )


def day_facts(world: World, account_name: str, marketplace_id: str, day: date, as_of: datetime) -> DayFacts:
    """Counts over the orders purchased on ``day`` as known at ``as_of`` (``t``; ``a`` = its UTC date).

    Keys of ``counts`` (``<ch>`` = ``afn`` or ``mfn``, Amazon marketplace orders only):
    ``orders_<ch>`` (placed by ``t`` and not Pending), ``defects_<ch>``, ``claims_<ch>``,
    ``chargebacks_<ch>``, ``negative_feedback_<ch>`` (known by ``a``); MFN only: ``seller_cancelled``,
    ``buyer_cancelled``, ``shipped`` (shipment-confirmed by ``t``) and among those ``late``, ``valid``,
    ``on_time``, ``units``, ``units_on_time``; ``business``, ``refunds``; ``mcf_orders``, ``pending``.
    """
    index = world.day_index(account_name, marketplace_id, day)
    t, a = as_of, as_of.date()
    c: Counter = Counter()
    for ch in ("afn", "mfn"):
        c[f"orders_{ch}"] = bisect_right(index.authorized[ch], t)
        for kind, dates in index.defect_dates[ch].items():
            c[f"{kind}_{ch}"] = bisect_right(dates, a)
    c["pending"] = bisect_right(index.purchases, t) - c["orders_afn"] - c["orders_mfn"]
    c["business"] = bisect_right(index.mfn["business"], t)
    c["refunds"] = bisect_right(index.mfn["refunds"], a)
    c["seller_cancelled"] = bisect_right(index.mfn["seller_cancelled"], t)
    c["buyer_cancelled"] = bisect_right(index.mfn["buyer_cancelled"], t)
    shipped = bisect_right(index.mfn["shipped"], t)
    c["shipped"] = shipped
    for name, prefix in index.shipped_sums.items():
        c[name] = prefix[shipped]
    c["mcf_orders"] = bisect_right(index.mcf_purchases, t)
    returns = Counter(index.return_dates[: bisect_right(index.return_dates, a)])
    return DayFacts(c, returns)


def window_facts(world: World, account_name: str, marketplace_id: str, window: tuple[date, date],
                 as_of: datetime) -> DayFacts:  # fmt: skip
    """``day_facts`` summed over the order days of ``window`` (inclusive), as known at ``as_of``."""
    first, last = window
    total = DayFacts()
    day = first
    while day <= last:
        facts = world.day_facts(account_name, marketplace_id, day, as_of)
        total.counts.update(facts.counts)
        total.returns_by_date.update(facts.returns_by_date)
        day += timedelta(days=1)
    return total


def account_status(score: int, open_violations: list, day: date) -> str:
    """Amazon's account status on ``day``: DEACTIVATED 10 days after a critical violation opened (AT_RISK
    before that), AT_RISK below a rating of 200, else NORMAL. The one rule the V2 document and the
    notifications both follow."""
    critical = [v for v in open_violations if v.severity == "critical"]
    if critical:
        return "DEACTIVATED" if (day - min(v.opened for v in critical)).days >= 10 else "AT_RISK"
    return "AT_RISK" if score < 200 else "NORMAL"


def performance(world: World, account_name: str, marketplace_id: str, as_of: datetime) -> dict:
    """Amazon's view of one marketplace as of ``as_of``: the values the V2 document is rendered from.

    Windows (``(first_day, last_day)`` inclusive, UTC) and counting: the module docstring. Also
    returns ``orders_180d`` (marketplace orders in the volume credit's 180 days ending ``a``) and
    ``mcf_orders_180d`` (multi-channel fulfillment orders of the same days, in no metric).
    """
    world._check(account_name, marketplace_id)
    acct = world.account(account_name)
    t = world.moment(as_of)
    if as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)
    a = as_of.astimezone(UTC).date()
    yest = a - timedelta(days=1)
    windows = {
        "order_defect_rate": (a - timedelta(days=73), a - timedelta(days=14)),
        "pre_fulfillment_cancellation_rate": (a - timedelta(days=7), yest),
        "late_shipment_rate": (a - timedelta(days=30), yest),
        "late_shipment_rate_10d": (a - timedelta(days=10), yest),
        "valid_tracking_rate": (a - timedelta(days=39), a - timedelta(days=10)),
        "on_time_delivery_rate": (a - timedelta(days=39), a - timedelta(days=10)),
        "invoice_defect_rate": (a - timedelta(days=7), yest),
        "policy_violations": (a - timedelta(days=179), a),
        "account_health_rating": (a - timedelta(days=179), a),
    }

    def facts(key: str) -> Counter:
        return window_facts(world, account_name, marketplace_id, windows[key], t).counts

    odr_counts = facts("order_defect_rate")
    odr = {}
    for ch in ("mfn", "afn"):
        c = {
            "order_count": odr_counts[f"orders_{ch}"],
            "order_with_defects": odr_counts[f"defects_{ch}"],
            "claims": odr_counts[f"claims_{ch}"],
            "chargebacks": odr_counts[f"chargebacks_{ch}"],
            "negative_feedback": odr_counts[f"negative_feedback_{ch}"],
        }
        c["rate"] = _rate(c["order_with_defects"], c["order_count"])
        c["window"] = windows["order_defect_rate"]
        odr[ch] = c

    cancel = facts("pre_fulfillment_cancellation_rate")
    late30 = facts("late_shipment_rate")
    late10 = facts("late_shipment_rate_10d")
    track = facts("valid_tracking_rate")
    inv = cancel  # same 7-day window
    rr = _rng(world.config.seed, account_name, marketplace_id, a.isoformat(), "invoice")
    missing = sum(rr.random() < 0.02 for _ in range(inv["business"]))
    late_inv = sum(rr.random() < 0.01 for _ in range(inv["business"] - missing))

    score, open_now = world._true_score(account_name, marketplace_id, a)
    violations = dict.fromkeys(POLICY_CATEGORIES, 0)
    for v in open_now:
        violations[v.category] += v.defects
    status = account_status(score, open_now, a)
    late30_rate = _rate(late30["late"], late30["shipped"])
    mcf_180 = sum(world.mcf_count(account_name, marketplace_id, a - timedelta(days=i)) for i in range(180))
    return {
        "account_name": account_name,
        "seller_id": acct.seller_id,
        "marketplace_id": marketplace_id,
        "as_of": as_of,
        "account_status": status,
        "ahr_status": "GREAT" if score >= 200 else "WARNED",
        "ahr_score": score if marketplace_id in AHR_SCORE_MARKETPLACES else None,
        "orders_180d": world.orders_180d(account_name, marketplace_id, a),
        "mcf_orders_180d": mcf_180,
        "order_defect_rate": odr,
        "late_shipment_rate": {"order_count": late30["shipped"], "late_shipment_count": late30["late"],
                               "rate": late30_rate, "window": windows["late_shipment_rate"]},
        "late_shipment_rate_10d": {"order_count": late10["shipped"], "late_shipment_count": late10["late"],
                                   "rate": _rate(late10["late"], late10["shipped"]),
                                   "window": windows["late_shipment_rate_10d"]},
        "pre_fulfillment_cancellation_rate": {"order_count": cancel["orders_mfn"],
                                              "cancellation_count": cancel["seller_cancelled"],
                                              "buyer_cancellation_count": cancel["buyer_cancelled"],
                                              "rate": _rate(cancel["seller_cancelled"], cancel["orders_mfn"]),
                                              "window": windows["pre_fulfillment_cancellation_rate"]},
        "valid_tracking_rate": {"shipment_count": track["shipped"], "valid_tracking_count": track["valid"],
                                "rate": _rate(track["valid"], track["shipped"]),
                                "window": windows["valid_tracking_rate"]},
        "on_time_delivery_rate": {"shipment_count_with_valid_tracking": track["valid"],
                                  "on_time_delivery_count": track["on_time"],
                                  "rate": _rate(track["on_time"], track["valid"]),
                                  "window": windows["on_time_delivery_rate"]},
        "unit_on_time_delivery_rate": {"total_unit_count": track["units"], "unit_on_time_delivery_count": track["units_on_time"],
                                       "rate": _rate(track["units_on_time"], track["units"]),
                                       "window": windows["on_time_delivery_rate"]},
        "invoice_defect_rate": {"order_count": inv["business"], "missing_invoice": missing, "late_invoice": late_inv,
                                "invoice_defect": missing + late_inv,
                                "rate": _rate(missing + late_inv, inv["business"]),
                                "window": windows["invoice_defect_rate"]},
        "violations": violations,
        "policy_violation_warnings": sum(1 for v in open_now if v.severity == "low"),
        "warning_states": ([{"warningType": "lateShipment", "status": "BAD"}] if late30_rate >= 0.04 else []),
        "windows": windows,
    }  # fmt: skip


# ---------------------------------------------------------------------------------------------- V1
#: V1 families and the lengths (days) of the windows the report carries for each.
V1_WINDOWS = {
    "order_defects": (60, 90),
    "customer_experience": (7, 30, 90),
    "tracking": (30, 60),
    "return_dissatisfaction": (30, 60),
    "contact_response_time": (7, 30, 90),
}
#: Targets behind the V1 performance checklist (Amazon's published targets; fractions).
V1_TARGETS = {
    "orderDefectRate": (0.01, "LESS_THAN"),
    "orderCancellationRate": (0.025, "LESS_THAN"),
    "lateShipmentRate": (0.04, "LESS_THAN"),
    "validTrackingRate": (0.95, "GREATER_THAN"),
    "onTimeDelivery": (0.90, "GREATER_THAN"),
    "contactResponseTime": (0.90, "GREATER_THAN"),
    "returnDissatisfactionRate": (0.10, "LESS_THAN"),
}


def checklist_status(rate: float, denominator: int, target: float, condition: str) -> str:
    """Seller Central's word for a metric: None (no orders), Good, Fair (within a quarter of the
    target's headroom), Poor (target missed)."""
    if not denominator:
        return "None"
    if condition == "LESS_THAN":
        return "Good" if rate < 0.75 * target else "Fair" if rate < target else "Poor"
    return "Good" if rate >= target + (1 - target) / 2 else "Fair" if rate > target else "Poor"


def v1_metrics(world: World, account_name: str, marketplace_id: str, as_of: datetime) -> dict:
    """The V1 report's metric families as of ``as_of``, every window, rates as fractions.

    Windows end on the snapshot day ``a`` (order defects on ``a - 14``, tracking on ``a - 10``), so
    the latest window end is the snapshot date. Shape::

        {"marketplace_id", "as_of",
         "order_defects": [{"fulfilled_by": "Seller"|"Amazon", "window", "order_count",
                            "order_with_defects", "negative_feedbacks", "a_z_claims", "chargebacks", "rate"}],
         "customer_experience": [{"window", "order_count", "late_shipment", "pre_fulfillment_cancellation",
                                  "refunds", "late_shipment_rate", "pre_fulfillment_cancellation_rate",
                                  "refund_rate"}],
         "tracking": [{"window", "shipment_count", "valid_tracking", "valid_tracking_rate",
                       "on_time_delivery", "on_time_delivery_rate"}],
         "return_dissatisfaction": [{"window", "return_count", "negative_return_feedback", "late_response",
                                     "invalid_rejection", "return_dissatisfaction", "rate"}],
         "contact_response_time": [{"window", "contact_count", "response_under_24_hours",
                                    "response_over_24_hours", "no_response", "average_response_time_hours", "rate"}],
         "performance_checklist": {"orderDefectRate": "Good", ...}}
    """
    world._check(account_name, marketplace_id)
    acct = world.account(account_name)
    t = world.moment(as_of)
    if as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)
    a = as_of.astimezone(UTC).date()
    bad = marketplace_id in acct.affected_marketplace_ids and acct.scenario == "at_risk"
    k = world._drift(a) if bad else 0.0

    def window(days: int, end: date) -> tuple[date, date]:
        return end - timedelta(days=days - 1), end

    def counts(w: tuple[date, date]) -> DayFacts:
        return window_facts(world, account_name, marketplace_id, w, t)

    out: dict = {"marketplace_id": marketplace_id, "as_of": as_of}
    out["order_defects"] = []
    for days in V1_WINDOWS["order_defects"]:
        w = window(days, a - timedelta(days=14))
        c = counts(w).counts
        for fulfilled_by, ch in (("Seller", "mfn"), ("Amazon", "afn")):
            out["order_defects"].append({
                "fulfilled_by": fulfilled_by, "window": w, "order_count": c[f"orders_{ch}"],
                "order_with_defects": c[f"defects_{ch}"], "negative_feedbacks": c[f"negative_feedback_{ch}"],
                "a_z_claims": c[f"claims_{ch}"], "chargebacks": c[f"chargebacks_{ch}"],
                "rate": _rate(c[f"defects_{ch}"], c[f"orders_{ch}"]),
            })  # fmt: skip
    out["customer_experience"] = []
    for days in V1_WINDOWS["customer_experience"]:
        w = window(days, a)
        c = counts(w).counts
        n = c["orders_mfn"]
        out["customer_experience"].append({
            "window": w, "order_count": n, "late_shipment": c["late"],
            "pre_fulfillment_cancellation": c["seller_cancelled"], "refunds": c["refunds"],
            "late_shipment_rate": _rate(c["late"], n), "pre_fulfillment_cancellation_rate": _rate(c["seller_cancelled"], n),
            "refund_rate": _rate(c["refunds"], n),
        })  # fmt: skip
    out["tracking"] = []
    for days in V1_WINDOWS["tracking"]:
        w = window(days, a - timedelta(days=10))
        c = counts(w).counts
        out["tracking"].append({
            "window": w, "shipment_count": c["shipped"], "valid_tracking": c["valid"],
            "valid_tracking_rate": _rate(c["valid"], c["shipped"]), "on_time_delivery": c["on_time"],
            "on_time_delivery_rate": _rate(c["on_time"], c["valid"]),
        })  # fmt: skip
    out["return_dissatisfaction"] = []
    for days in V1_WINDOWS["return_dissatisfaction"]:
        w = window(days, a)
        # returns requested in the window come from orders of up to 20 days before it
        by_date = counts((w[0] - timedelta(days=20), w[1])).returns_by_date
        returns = sum(n for d, n in by_date.items() if w[0] <= d <= w[1])
        rng = _rng(world.config.seed, account_name, marketplace_id, a.isoformat(), "v1-returns", days)
        neg = sum(rng.random() < 0.01 + 0.05 * k for _ in range(returns))
        late_resp = sum(rng.random() < 0.01 + 0.04 * k for _ in range(returns))
        invalid = sum(rng.random() < 0.005 for _ in range(returns))
        out["return_dissatisfaction"].append({
            "window": w, "return_count": returns, "negative_return_feedback": neg, "late_response": late_resp,
            "invalid_rejection": invalid, "return_dissatisfaction": neg + late_resp + invalid,
            "rate": _rate(neg + late_resp + invalid, returns),
        })  # fmt: skip
    out["contact_response_time"] = []
    for days in V1_WINDOWS["contact_response_time"]:
        w = window(days, a)
        orders = sum(world._day_count(account_name, marketplace_id, w[0] + timedelta(days=i)) for i in range(days))
        rng = _rng(world.config.seed, account_name, marketplace_id, a.isoformat(), "v1-contacts", days)
        contacts = int(orders * 0.04 * rng.uniform(0.8, 1.2))
        no_resp = sum(rng.random() < 0.01 + 0.03 * k for _ in range(contacts))
        over = sum(rng.random() < 0.04 + 0.12 * k for _ in range(contacts - no_resp))
        under = contacts - no_resp - over
        out["contact_response_time"].append({
            "window": w, "contact_count": contacts, "response_under_24_hours": under,
            "response_over_24_hours": over, "no_response": no_resp,
            "average_response_time_hours": round(rng.uniform(6, 14) + 20 * k, 1) if contacts else 0.0,
            "rate": _rate(under, contacts),
        })  # fmt: skip

    odr60 = out["order_defects"][0]
    cx7 = next(m for m in out["customer_experience"] if (m["window"][1] - m["window"][0]).days == 6)
    cx30 = next(m for m in out["customer_experience"] if (m["window"][1] - m["window"][0]).days == 29)
    tr30 = out["tracking"][0]
    crt30 = next(m for m in out["contact_response_time"] if (m["window"][1] - m["window"][0]).days == 29)
    rd30 = out["return_dissatisfaction"][0]
    figures = {
        "orderDefectRate": (odr60["rate"], odr60["order_count"]),
        "orderCancellationRate": (cx7["pre_fulfillment_cancellation_rate"], cx7["order_count"]),
        "lateShipmentRate": (cx30["late_shipment_rate"], cx30["order_count"]),
        "validTrackingRate": (tr30["valid_tracking_rate"], tr30["shipment_count"]),
        "onTimeDelivery": (tr30["on_time_delivery_rate"], tr30["valid_tracking"]),
        "contactResponseTime": (crt30["rate"], crt30["contact_count"]),
        "returnDissatisfactionRate": (rd30["rate"], rd30["return_count"]),
    }
    checklist = {name: checklist_status(rate, den, *V1_TARGETS[name]) for name, (rate, den) in figures.items()}
    _, open_now = world._true_score(account_name, marketplace_id, a)
    serious = [v for v in open_now if v.severity != "low"]
    checklist["policyViolation"] = "Poor" if serious else ("Fair" if open_now else "None")
    out["performance_checklist"] = checklist
    return out
