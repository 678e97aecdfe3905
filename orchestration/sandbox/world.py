"""The sandbox's synthetic seller world: orders, feedback, returns and policy violations = ground truth.

Why it exists: the whole warehouse runs by default against a local SP-API emulator, and tests of
every other layer need *ground truth* to compare against. This module is that truth. The server
renders documents from it, and tests ask it directly (``order_item_rows``, ``orders``,
``performance``, ``v1_metrics`` ...).

Determinism: everything is derived from ``random.Random`` instances seeded by SHA-256 of
``(seed, account, marketplace, date, purpose)`` -- never Python's salted ``hash`` -- so the same
``WorldConfig`` gives byte-identical data in every process. Days are generated lazily and cached,
so asking for a 30-day window does not generate the whole 200-day history.

Scenarios (fixed accounts, see ``accounts.py`` for who sells where):
- ``acme-home`` (healthy, NA US+CA, high volume): rating stays >= 200, status NORMAL.
- ``brightline-outdoor`` (at_risk, EU GB+DE+FR, plus a healthy NL): operational metrics degrade and
  violations pile up over the last ~60 days; the rating ends the window in 100..199 (AT_RISK).
- ``cobalt-gadgets`` (critical, NA US+MX): a critical product-safety violation opens in US on
  ``critical_date`` (end_date - 20 days); the US rating is 0 from that day on.
- ``hinoki-kitchen`` (healthy, FE JP+AU, modest volume): Japanese texts in Shift_JIS files.

Orders live through the statuses of ``orders.py``: recent orders are still Pending, Unshipped,
Shipping or PartiallyShipped at the end of the world; EU business orders wait in InvoiceUnconfirmed;
some orders are cancelled by the seller, some at the buyer's request (with a reason); accounts with
multi-channel fulfillment have ``Non-Amazon`` orders in the all-orders report. Nothing happens after
``end_date`` 23:59:59 UTC: a document generated later shows the world as of that moment.

The rating here is the sandbox's *hidden* Amazon formula (200 + a capped volume credit - points per
open violation, not below 200 without serious violations, 0 once a critical violation is open),
whose unpublished numbers are drawn from the seed (``rating.py``; the default seed draws the rules
the sandbox always had). Like Amazon's, it is in no document: the V2 report carries the counts and,
for some marketplaces, ``ahrScore``; tests and the evaluation ask ``true_rating``. How each Amazon
metric counts orders is written down in ``metrics.py``.
"""

from __future__ import annotations

import hashlib
import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from orchestration.catalogue import marketplace
from orchestration.sandbox import metrics, texts
from orchestration.sandbox.accounts import (
    ACCOUNTS,
    AHR_SCORE_MARKETPLACES,
    LWA_CLIENT_ID,
    LWA_CLIENT_SECRET,
    SandboxAccount,
)
from orchestration.sandbox.formats import date_formats, render_date
from orchestration.sandbox.metrics import POLICY_CATEGORIES
from orchestration.sandbox.orders import MAX_LIFECYCLE_DAYS, NON_AMAZON, Order
from orchestration.sandbox.rating import (
    DEFAULT_SEED,
    SEVERITY_WEIGHT,
    RatingRules,
    draw_rating_rules,
    severity_of,
)

__all__ = [
    "ACCOUNTS",
    "AHR_SCORE_MARKETPLACES",
    "FEEDBACK_COLUMNS",
    "ORDERS_COLUMNS",
    "POLICY_CATEGORIES",
    "RETURNS_COLUMNS",
    "Order",
    "Product",
    "RatingRules",
    "SandboxAccount",
    "Violation",
    "World",
    "WorldConfig",
]

#: Header of the all-orders report as Amazon sends it today (the last three columns are the newest).
ORDERS_COLUMNS = [
    "amazon-order-id",
    "merchant-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "order-channel",
    "url",
    "ship-service-level",
    "product-name",
    "sku",
    "asin",
    "item-status",
    "quantity",
    "currency",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "gift-wrap-price",
    "gift-wrap-tax",
    "item-promotion-discount",
    "ship-promotion-discount",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "promotion-ids",
    "is-business-order",
    "purchase-order-number",
    "price-designation",
    "signature-confirmation-recommended",
    "is-iba",
    "is-buyer-requested-cancellation",
    "buyer-requested-cancel-reason",
]

FEEDBACK_COLUMNS = ["Date", "Rating", "Comments", "Your Response", "Order ID", "Rater Email"]

RETURNS_COLUMNS = [
    "Order ID", "Order date", "Return request date", "Return request status", "Amazon RMA ID",
    "Seller RMA ID", "Label type", "Label cost", "Currency code", "Return carrier", "Tracking ID",
    "Label to be paid by", "A-to-Z Claim", "Is prime", "ASIN", "Merchant SKU", "Item Name",
    "Return quantity", "Return reason", "In policy", "Return type", "Resolution", "Invoice number",
    "Return delivery date", "Order Amount", "Order quantity", "SafeT action reason", "SafeT claim id",
    "SafeT claim state", "SafeT claim creation time", "SafeT claim reimbursement amount",
    "Refunded Amount", "Category",
]  # fmt: skip

# Simulation parameters of the sandbox's prices (not marketplace facts): units of a currency per USD,
# sales tax or VAT rate per ship-to country (10% where not listed), currencies without minor units.
_FX = {"USD": 1.0, "CAD": 1.36, "MXN": 17.0, "BRL": 5.0, "GBP": 0.79, "EUR": 0.92, "SEK": 10.5, "PLN": 4.0,
       "TRY": 32.0, "AED": 3.67, "SAR": 3.75, "EGP": 48.0, "INR": 83.0, "ZAR": 18.5, "JPY": 150.0, "AUD": 1.52,
       "SGD": 1.35}  # fmt: skip
_TAX = {"US": 0.07, "CA": 0.13, "MX": 0.16, "GB": 0.20, "DE": 0.19, "FR": 0.20, "NL": 0.21, "JP": 0.10}
_NO_MINOR_UNITS = frozenset({"JPY"})

# Share of orders the buyer asks to cancel before shipment (sandbox choice: ~0.6%, a fraction of the
# seller cancellations of a struggling account, so both kinds show up in a month of data).
_BUYER_CANCEL_SHARE = 0.006
#: Account x marketplace x purchase days whose generated orders a world keeps (its largest cache).
ORDERS_CACHE_DAYS = 4096

_RETURN_REASONS = [
    "DEFECTIVE",
    "NOT_AS_DESCRIBED",
    "UNWANTED_ITEM",
    "DAMAGED_BY_CARRIER",
    "WRONG_ITEM",
    "MISSED_ESTIMATED_DELIVERY",
]


def _default_end_date() -> date:
    return datetime.now(UTC).date() - timedelta(days=1)


@dataclass(frozen=True)
class WorldConfig:
    """Everything that determines the world. Same config -> same data, in any process."""

    seed: int = DEFAULT_SEED
    end_date: date = field(default_factory=_default_end_date)
    days: int = 200
    volume_scale: float = 1.0
    rating_rules: RatingRules | None = None
    """The hidden rating formula; None draws it from ``seed`` (tests set one to know the truth they fit).
    Never served: ``as_dict`` (the admin endpoint's view of the world) leaves it out, as Amazon's is unpublished."""

    def as_dict(self) -> dict:
        return {"seed": self.seed, "end_date": self.end_date.isoformat(), "days": self.days,
                "volume_scale": self.volume_scale}  # fmt: skip


@dataclass(frozen=True)
class Violation:
    """``defects`` violations of one policy category opened on one day (the V2 report counts each one
    in the category's ``defectsCount``); each costs the world's points for its category."""

    account_name: str
    marketplace_id: str
    category: str
    severity: str
    opened: date
    resolved: date | None
    defects: int

    def is_open(self, day: date) -> bool:
        return self.opened <= day and (self.resolved is None or day < self.resolved)


@dataclass(frozen=True)
class Product:
    sku: str
    asin: str
    name: str
    price_usd: float
    category: str
    local_names: tuple[tuple[str, str], ...] = ()
    """(language, name) for marketplaces whose catalogue language has its own listing title."""

    def name_in(self, language: str) -> str:
        """The listing title in a marketplace of ``language`` (English when the seller has no local title)."""
        return dict(self.local_names).get(language, self.name)


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def _clamp(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


def _money(amount: float, currency: str) -> str:
    return f"{amount:.0f}" if currency in _NO_MINOR_UNITS else f"{amount:.2f}"


class World:
    """Ground truth of the sandbox. See the module docstring for scenarios and determinism.

    ``accounts`` replaces the fixed accounts (tests build worlds that sell in every marketplace of
    the catalogue this way); marketplace facts always come from the catalogue.
    """

    lwa_client_id = LWA_CLIENT_ID
    lwa_client_secret = LWA_CLIENT_SECRET

    def __init__(self, config: WorldConfig | None = None, accounts: tuple[SandboxAccount, ...] | None = None):
        self.config = config or WorldConfig()
        self.accounts: list[SandboxAccount] = list(ACCOUNTS if accounts is None else accounts)
        self._by_name = {a.name: a for a in self.accounts}
        self._by_seller = {a.seller_id: a for a in self.accounts}
        self._lock = threading.Lock()
        self.rules: RatingRules = self.config.rating_rules or draw_rating_rules(self.config.seed)
        self._catalogs = {a.name: self._catalog(a) for a in self.accounts}
        # Order ids carry a marketplace number: the world's marketplaces in account order.
        ordered = dict.fromkeys(m for a in self.accounts for m in a.marketplace_ids)
        self._marketplace_index = {m: i + 1 for i, m in enumerate(ordered)}
        # Bounded caches, per instance (a process may hold several worlds).
        self._orders_of_day = lru_cache(maxsize=ORDERS_CACHE_DAYS)(self._generate_orders)
        self._day_count = lru_cache(maxsize=65536)(self._order_count)
        self.mcf_count = lru_cache(maxsize=65536)(self._mcf_count)
        self.day_index = lru_cache(maxsize=8192)(self._day_index)
        self._updated_on = lru_cache(maxsize=4096)(self._orders_by_update_day)
        # Feedback and returns reports ask each purchase day for up to 20 later dates: index it once.
        self._feedback_on = lru_cache(maxsize=4096)(self._orders_by_feedback_date)
        self._returns_on = lru_cache(maxsize=4096)(self._orders_by_return_date)
        # V2 and V1 of one snapshot count the same days at the same moment: share those counts.
        self.day_facts = lru_cache(maxsize=65536)(self._day_facts)
        self._violations: dict[tuple[str, str], list[Violation]] = {}
        for a in self.accounts:
            for m in a.marketplace_ids:
                self._violations[(a.name, m)] = self._make_violations(a, m)

    def warm(self, stop: threading.Event | None = None) -> int:
        """Generate every day's orders of every account x marketplace, oldest day first, into the
        caches the report renderers read; returns the days generated.

        The world is the same with or without it (each day's orders come from their own seed): a server
        calls it in the background so the orders are ready by the time a first run asks for months of
        them, instead of generating them while the requests wait. Stops early when ``stop`` is set.
        """
        generated = 0
        pairs = sum(len(account.marketplace_ids) for account in self.accounts)
        # Never more days than the cache holds (a larger world would evict what it just made).
        day = max(self.start_date, self.end_date - timedelta(days=ORDERS_CACHE_DAYS // max(pairs, 1) - 1))
        while day <= self.end_date:
            for account in self.accounts:
                for marketplace_id in account.marketplace_ids:
                    if stop is not None and stop.is_set():
                        return generated
                    self._orders_of_day(account.name, marketplace_id, day)
                    generated += 1
            day += timedelta(days=1)
        return generated

    # ------------------------------------------------------------------ accounts and dates
    @property
    def start_date(self) -> date:
        return self.config.end_date - timedelta(days=self.config.days - 1)

    @property
    def end_date(self) -> date:
        return self.config.end_date

    @property
    def end_moment(self) -> datetime:
        """The last moment of the world (end_date 23:59:59 UTC): nothing happens after it."""
        return datetime.combine(self.end_date, time(23, 59, 59), tzinfo=UTC)

    def account(self, name: str) -> SandboxAccount:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"unknown sandbox account {name!r}; known: {', '.join(self._by_name)}") from None

    def account_by_seller_id(self, seller_id: str) -> SandboxAccount:
        try:
            return self._by_seller[seller_id]
        except KeyError:
            raise KeyError(f"unknown sandbox seller id {seller_id!r}") from None

    def critical_date(self, account_name: str) -> date | None:
        """The scripted day the Critical scenario starts (None for other scenarios)."""
        if self.account(account_name).scenario != "critical":
            return None
        return self.end_date - timedelta(days=20)

    def violations(self, account_name: str, marketplace_id: str) -> list[Violation]:
        return list(self._violations[(account_name, marketplace_id)])

    def catalog(self, account_name: str) -> list[Product]:
        """The account's products (index = the product index of ``Order.items``)."""
        return list(self._catalogs[self.account(account_name).name])

    def _check(self, account_name: str, marketplace_id: str) -> SandboxAccount:
        acct = self.account(account_name)
        if marketplace_id not in acct.marketplace_ids:
            raise KeyError(f"account {account_name!r} does not sell in marketplace {marketplace_id!r}")
        return acct

    def moment(self, as_of: datetime | None) -> datetime:
        """``as_of`` in UTC, never past the end of the world (None: the end of the world)."""
        if as_of is None:
            return self.end_moment
        if as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=UTC)
        return min(as_of.astimezone(UTC), self.end_moment)

    # ------------------------------------------------------------------ generation
    def _catalog(self, acct: SandboxAccount) -> list[Product]:
        rng = _rng(self.config.seed, acct.name, "catalog")
        adjectives, nouns, category = texts.PRODUCT_WORDS.get(acct.name, texts.PRODUCT_WORDS["acme-home"])
        local = texts.LOCAL_PRODUCT_WORDS.get(acct.name, {})
        prefix = acct.name.split("-")[0].upper()
        brands = texts.BRANDS.get(acct.name, {})
        products = []
        for i, (a_idx, n_idx) in enumerate((a, n) for a in range(len(adjectives)) for n in range(len(nouns))):
            asin = "B0" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(8))
            price = round(rng.uniform(8, 90), 2) - 0.01 if rng.random() < 0.5 else round(rng.uniform(8, 90), 0) - 0.01
            name = f"{brands.get('en', prefix.title())} {adjectives[a_idx]} {nouns[n_idx]}"
            local_names = tuple(
                (language, f"{brands.get(language, prefix.title())} {words[0][a_idx]} {words[1][n_idx]}")
                for language, words in local.items()
            )
            products.append(Product(f"{prefix}-{i:04d}", asin, name, price, category, local_names))
        return products

    def _drift(self, day: date) -> float:
        """0 before the last 60 days, rising to 1 at end_date (the at-risk scenario's ramp)."""
        return _clamp(1 - (self.end_date - day).days / 60, 0.0, 1.0)

    def _rates(self, acct: SandboxAccount, marketplace_id: str, day: date) -> dict[str, float]:
        r = {"cancel": 0.004, "late": 0.012, "invalid_tracking": 0.02, "late_delivery": 0.04,
             "negfb": 0.006, "return": 0.04, "claim": 0.05, "chargeback": 0.0008}  # fmt: skip
        if marketplace_id in acct.affected_marketplace_ids:
            if acct.scenario == "at_risk":
                k = self._drift(day)
                r.update(
                    cancel=0.008 + 0.03 * k,
                    late=0.02 + 0.05 * k,
                    invalid_tracking=0.03 + 0.04 * k,
                    late_delivery=0.05 + 0.06 * k,
                    negfb=0.01 + 0.02 * k,
                    claim=0.08 + 0.12 * k,
                )
                r["return"] = 0.06 + 0.03 * k
            elif acct.scenario == "critical":
                r.update(cancel=0.012, late=0.03, negfb=0.012, claim=0.1)
        return r

    def _order_count(self, account_name: str, marketplace_id: str, day: date) -> int:
        """Amazon marketplace orders purchased on ``day`` -- cheap, so the 180-day volume credit needs
        no order generation. Multi-channel fulfillment orders are not counted (not marketplace orders)."""
        acct = self._by_name[account_name]
        if day > self.end_date:
            return 0
        rng = _rng(self.config.seed, account_name, marketplace_id, day.isoformat(), "count")
        weekday = (1.0, 0.97, 0.96, 0.98, 1.02, 1.1, 1.08)[day.weekday()]
        mean = acct.daily_orders[marketplace_id] * self.config.volume_scale * weekday * rng.uniform(0.9, 1.1)
        whole = int(mean)
        return whole + (1 if rng.random() < mean - whole else 0)

    def _mcf_count(self, account_name: str, marketplace_id: str, day: date) -> int:
        """Multi-channel fulfillment orders purchased on ``day`` (cheap, like ``_order_count``)."""
        acct = self._by_name[account_name]
        per_day = acct.mcf_daily_orders.get(marketplace_id, 0.0)
        if day > self.end_date or not per_day:
            return 0
        rng = _rng(self.config.seed, account_name, marketplace_id, day.isoformat(), "mcf-count")
        mean = per_day * self.config.volume_scale * rng.uniform(0.6, 1.4)
        whole = int(mean)
        return whole + (1 if rng.random() < mean - whole else 0)

    def _lifecycle(self, rng: random.Random, purchase: datetime, n_items: int, *,
                   pending_hours: float, late: bool, partial: bool) -> tuple[datetime, tuple[datetime, ...]]:  # fmt: skip
        """(payment authorized, per-item shipment) moments of an order that is not cancelled."""
        authorized = purchase + timedelta(hours=pending_hours)
        lag_days = rng.choice((0, 0, 1, 1, 1, 2, 2, 3))
        ship = purchase + timedelta(days=lag_days, seconds=rng.randrange(300, 36000))
        if late:
            ship += timedelta(days=rng.randint(1, 2), seconds=rng.randrange(0, 20000))
        ship = max(ship, authorized + timedelta(minutes=rng.randrange(20, 240)))
        if partial and n_items > 1:
            first = max(authorized + timedelta(minutes=30), ship - timedelta(hours=rng.uniform(6, 30)))
            return authorized, (first,) + (ship,) * (n_items - 1)
        return authorized, (ship,) * n_items

    @staticmethod
    def _pending_hours(rng: random.Random) -> float:
        """Payment authorization delay: minutes for most orders, hours for some, a day or more for a few."""
        u = rng.random()
        if u < 0.85:
            return rng.uniform(1, 30) / 60
        if u < 0.97:
            return rng.uniform(0.5, 6)
        return rng.uniform(6, 40)

    def _generate_orders(self, account_name: str, marketplace_id: str, day: date) -> tuple[Order, ...]:
        """All orders purchased on ``day`` (marketplace and MCF) with every fact about them (cached per day)."""
        orders = list(self._marketplace_orders(account_name, marketplace_id, day))
        orders += self._mcf_orders(account_name, marketplace_id, day)
        orders.sort(key=lambda o: (o.purchase, o.order_id))
        return tuple(orders)

    def _marketplace_orders(self, account_name: str, marketplace_id: str, day: date) -> list[Order]:
        acct = self._by_name[account_name]
        mkt = marketplace(marketplace_id)
        language = texts.texts_language(mkt.language)
        n = self._day_count(account_name, marketplace_id, day)
        rng = _rng(self.config.seed, account_name, marketplace_id, day.isoformat(), "orders")
        rates = self._rates(acct, marketplace_id, day)
        catalog = self._catalogs[account_name]
        acct_idx = self.accounts.index(acct) + 1
        mkt_idx = self._marketplace_index[marketplace_id]
        part2 = (day.toordinal() * 3571) % 10_000_000
        start_of_day = datetime.combine(day, time(0), tzinfo=UTC)
        invoices_needed = mkt.region == "EU" and marketplace_id not in acct.invoicing_by_amazon
        seconds = sorted(rng.randrange(86400) for _ in range(n))
        orders = []
        for seq, sec in enumerate(seconds):
            order_id = f"{acct_idx}{mkt_idx:02d}-{part2:07d}-{(seq * 7919 + 104729) % 10_000_000:07d}"
            purchase = start_of_day + timedelta(seconds=sec)
            channel = "AFN" if rng.random() < acct.afn_share else "MFN"
            seller_cancel_share = rates["cancel"] if channel == "MFN" else 0.002
            u = rng.random()
            seller_cancel = u < seller_cancel_share
            buyer_cancel = not seller_cancel and u < seller_cancel_share + _BUYER_CANCEL_SHARE
            cancelled = seller_cancel or buyer_cancel
            n_items = 1 if rng.random() < 0.82 else rng.choice((2, 2, 3))
            # Distinct products per order: Amazon's order report has one line per order item (SKU).
            items = tuple(
                (product, 1 if rng.random() < 0.88 else rng.randint(2, 4))
                for product in rng.sample(range(len(catalog)), n_items)
            )
            ship_level = rng.choices(("Standard", "Expedited", "SecondDay", "NextDay"), (70, 18, 8, 4))[0]
            business = rng.random() < 0.06
            ship_to = rng.choice(texts.CITIES[mkt.country_code])
            mfn_shipped = channel == "MFN" and not cancelled
            late = mfn_shipped and rng.random() < rates["late"]
            valid_tracking = (not mfn_shipped) or rng.random() >= rates["invalid_tracking"]
            on_time = cancelled or rng.random() >= rates["late_delivery"]
            authorized, shipped = self._lifecycle(
                rng, purchase, n_items, pending_hours=self._pending_hours(rng), late=late,
                partial=channel == "MFN" and rng.random() < 0.3,
            )  # fmt: skip
            cancelled_at = reason = invoice_at = None
            if cancelled:
                cancelled_at = min(
                    authorized + timedelta(hours=rng.uniform(0.5, 30)), shipped[0] - timedelta(minutes=10)
                )
                cancelled_at = max(cancelled_at, authorized + timedelta(minutes=1))
                reason = rng.choice(texts.BUYER_CANCEL_REASONS) if buyer_cancel else None
                shipped = None
            elif business and channel == "MFN" and invoices_needed:
                # most sellers upload the invoice within a day of shipment, some take up to three
                invoice_at = max(shipped) + timedelta(
                    hours=rng.uniform(1, 20) if rng.random() < 0.9 else rng.uniform(20, 72)
                )
            feedback = ret = chargeback = None
            if not cancelled:
                after_shipment = max(shipped).date() + timedelta(days=1)
                if rng.random() < rates["negfb"]:
                    rating = rng.choice((1, 1, 2, 2, 3))
                    fb_date = max(day + timedelta(days=rng.randint(1, 20)), after_shipment)
                    comment = rng.choice(texts.NEGATIVE_COMMENTS[language][rating])
                    response = texts.RESPONSES[language] if rng.random() < 0.3 else ""
                    email = f"{hashlib.sha256(f'{order_id}|rater'.encode()).hexdigest()[:16]}@marketplace.example.com"
                    feedback = (fb_date, rating, comment, response, email)
                if rng.random() < rates["return"]:
                    ret_date = max(day + timedelta(days=rng.randint(2, 20)), after_shipment)
                    ret = (ret_date, rng.random() < rates["claim"], rng.choice(_RETURN_REASONS), 0)
                if rng.random() < rates["chargeback"]:
                    chargeback = day + timedelta(days=rng.randint(10, 30))
            orders.append(Order(
                order_id=order_id, merchant_order_id=f"SO-{order_id[-7:]}" if channel == "MFN" else "",
                purchase=purchase, channel=channel, sales_channel=mkt.name, items=items, ship_level=ship_level,
                business=business, ship_to=ship_to, authorized=authorized, cancelled_at=cancelled_at,
                buyer_cancel_reason=reason, shipped_at=shipped, invoice_at=invoice_at,
                is_iba=marketplace_id in acct.invoicing_by_amazon, priced=True, late_shipment=late,
                valid_tracking=valid_tracking, on_time_delivery=on_time, feedback=feedback, return_=ret,
                chargeback=chargeback,
            ))  # fmt: skip
        return orders

    def _mcf_orders(self, account_name: str, marketplace_id: str, day: date) -> list[Order]:
        """Multi-channel fulfillment orders purchased on ``day``: the seller's own shop's orders that
        Amazon fulfils. No feedback, returns, claims or chargebacks reach Amazon's metrics from them."""
        n = self.mcf_count(account_name, marketplace_id, day)
        if not n:
            return []
        acct = self._by_name[account_name]
        mkt = marketplace(marketplace_id)
        rng = _rng(self.config.seed, account_name, marketplace_id, day.isoformat(), "mcf")
        catalog = self._catalogs[account_name]
        mkt_idx = self._marketplace_index[marketplace_id]
        part2 = (day.toordinal() * 7717) % 10_000_000
        start_of_day = datetime.combine(day, time(0), tzinfo=UTC)
        orders = []
        for seq, sec in enumerate(sorted(rng.randrange(86400) for _ in range(n))):
            purchase = start_of_day + timedelta(seconds=sec)
            n_items = 1 if rng.random() < 0.85 else 2
            items = tuple((p, 1) for p in rng.sample(range(len(catalog)), n_items))
            authorized, shipped = self._lifecycle(rng, purchase, n_items, pending_hours=rng.uniform(1, 10) / 60,
                                                  late=False, partial=False)  # fmt: skip
            orders.append(Order(
                order_id=f"S{mkt_idx:02d}-{part2:07d}-{(seq * 6151 + 7) % 10_000_000:07d}",
                merchant_order_id=f"SHOP-{acct.seller_id[-4:]}-{day.strftime('%y%m%d')}-{seq:03d}",
                purchase=purchase, channel="AFN", sales_channel=NON_AMAZON, items=items,
                ship_level=rng.choice(("Standard", "Standard", "Expedited")), business=False,
                ship_to=rng.choice(texts.CITIES[mkt.country_code]), authorized=authorized, cancelled_at=None,
                buyer_cancel_reason=None, shipped_at=shipped, invoice_at=None, is_iba=False,
                priced=rng.random() < 0.25, late_shipment=False, valid_tracking=True, on_time_delivery=True,
                feedback=None, return_=None, chargeback=None,
            ))  # fmt: skip
        return orders

    def _orders_by_update_day(self, account_name: str, marketplace_id: str, purchase_day: date,
                              t: datetime) -> dict[date, list[Order]]:  # fmt: skip
        """Orders purchased on ``purchase_day`` by the UTC date of their last update as of ``t`` (cached:
        a 30-day report asks each purchase day for eleven update days)."""
        by_day: dict[date, list[Order]] = {}
        for o in self._orders_of_day(account_name, marketplace_id, purchase_day):
            updated = o.last_updated_at(t)
            if updated is not None:
                by_day.setdefault(updated.date(), []).append(o)
        return by_day

    def _orders_by_feedback_date(self, account_name: str, marketplace_id: str,
                                 purchase_day: date) -> dict[date, list[Order]]:  # fmt: skip
        """Orders purchased on ``purchase_day`` that have feedback, by its date (cached per day)."""
        by_day: dict[date, list[Order]] = {}
        for o in self._orders_of_day(account_name, marketplace_id, purchase_day):
            if o.feedback:
                by_day.setdefault(o.feedback[0], []).append(o)
        return by_day

    def _orders_by_return_date(self, account_name: str, marketplace_id: str,
                               purchase_day: date) -> dict[date, list[Order]]:  # fmt: skip
        """Orders purchased on ``purchase_day`` that have a return, by its request date (cached per day)."""
        by_day: dict[date, list[Order]] = {}
        for o in self._orders_of_day(account_name, marketplace_id, purchase_day):
            if o.return_:
                by_day.setdefault(o.return_[0], []).append(o)
        return by_day

    def orders(self, account_name: str, marketplace_id: str, purchase_day: date, *,
               include_mcf: bool = True) -> tuple[Order, ...]:  # fmt: skip
        """World facts of the orders purchased on ``purchase_day`` (includes facts the TSV lacks).

        ``include_mcf=False`` leaves out multi-channel fulfillment orders (only Amazon marketplace orders).
        """
        self._check(account_name, marketplace_id)
        orders = self._orders_of_day(account_name, marketplace_id, purchase_day)
        return orders if include_mcf else tuple(o for o in orders if not o.is_mcf)

    def _make_violations(self, acct: SandboxAccount, marketplace_id: str) -> list[Violation]:
        rng = _rng(self.config.seed, acct.name, marketplace_id, "violations")
        out: list[Violation] = []
        first = self.start_date - timedelta(days=180)
        # Background: occasional low-severity issues (other policies, document requests) fixed within two weeks.
        day = first + timedelta(days=rng.randint(5, 40))
        while day <= self.end_date - timedelta(days=3):
            cat = rng.choice(("otherPolicyViolations", "documentRequests"))
            resolved = day + timedelta(days=rng.randint(3, 14))
            out.append(Violation(acct.name, marketplace_id, cat, severity_of(cat), day, resolved, rng.randint(1, 3)))
            day += timedelta(days=rng.randint(30, 70))
        if marketplace_id not in acct.affected_marketplace_ids:
            return out
        if acct.scenario == "at_risk":
            cats = ["receivedIntellectualPropertyComplaints", "productConditionCustomerComplaints",
                    "listingPolicyViolations", "productAuthenticityCustomerComplaints",
                    "restrictedProductPolicyViolations", "documentRequests"]  # fmt: skip
            offsets = [56, 46, 37, 27, 16, 7]
            target = 130 + rng.randint(0, 40)
            plan = [
                (c, self.end_date - timedelta(days=off + rng.randint(0, 2)))
                for c, off in zip(cats, offsets, strict=True)
            ]
            sizes = self._at_risk_defects(acct, marketplace_id, plan, out, target)
            for (cat, opened), defects in zip(plan, sizes, strict=True):
                if defects:
                    out.append(Violation(acct.name, marketplace_id, cat, severity_of(cat), opened, None, defects))
        elif acct.scenario == "critical":
            crit = self.critical_date(acct.name)
            assert crit is not None
            for cat, opened, defects in (("productSafetyCustomerComplaints", crit, rng.randint(1, 3)),
                                         ("suspectedIntellectualPropertyViolations", crit + timedelta(days=2),
                                          rng.randint(1, 4))):  # fmt: skip
                out.append(Violation(acct.name, marketplace_id, cat, severity_of(cat), opened, None, defects))
        return out

    def _at_risk_defects(self, acct: SandboxAccount, marketplace_id: str, plan: list[tuple[str, date]],
                         background: list[Violation], target: int) -> list[int]:  # fmt: skip
        """How many violations each planned record of the at-risk scenario holds, so that the rating at
        end_date lands on ``target`` (+/- half a violation's points and the noise) under this world's rules.

        Shares of the deduction follow the severities (``SEVERITY_WEIGHT``); the first, oldest record
        absorbs the rounding. Records that would overshoot a small deduction are left out (newest first).
        Returns one count per planned record (0 = left out).
        """
        end, rules = self.end_date, self.rules
        base = rules.start_rating + rules.volume_credit(self.orders_180d(acct.name, marketplace_id, end))
        open_background = [v for v in background if v.is_open(end) and (end - v.opened).days < 180]
        total = base - target - sum(rules.deduction(v, end) for v in open_background)
        unit = [rules.points_per_violation[cat] * rules.fade((end - opened).days) for cat, opened in plan]
        kept = len(plan)
        while kept > 1 and sum(unit[:kept]) > total:
            kept -= 1
        weights = [SEVERITY_WEIGHT[severity_of(cat)] for cat, _ in plan[:kept]]
        defects = [max(1, round(total * w / sum(weights) / u)) for w, u in zip(weights, unit[:kept], strict=True)]
        rest = total - sum(d * u for d, u in zip(defects[1:], unit[1:kept], strict=True))
        defects[0] = max(1, round(rest / unit[0]))
        return defects + [0] * (len(plan) - kept)

    # ------------------------------------------------------------------ rating
    def orders_180d(self, account_name: str, marketplace_id: str, day: date) -> int:
        """Amazon marketplace orders purchased in the 180 days ending ``day`` (MCF orders excluded):
        the volume behind the hidden rating's volume credit."""
        return sum(self._day_count(account_name, marketplace_id, day - timedelta(days=i)) for i in range(180))

    def _open_violations(self, account_name: str, marketplace_id: str, day: date) -> list[Violation]:
        """Violations open on ``day`` and opened within the rating's 180-day window."""
        return [v for v in self._violations[(account_name, marketplace_id)]
                if v.is_open(day) and (day - v.opened).days < 180]  # fmt: skip

    def _true_score(self, account_name: str, marketplace_id: str, day: date) -> tuple[int, list[Violation]]:
        open_now = self._open_violations(account_name, marketplace_id, day)
        noise = self.rules.noise(account_name, marketplace_id, day.isoformat())
        return self.rules.score(self.orders_180d(account_name, marketplace_id, day), open_now, day, noise), open_now

    def true_rating(self, account_name: str, marketplace_id: str, day: date) -> int:
        """Amazon's Account Health Rating (0-1000) of the marketplace on ``day`` (UTC) under this world's
        hidden rules (``self.rules``), whether or not its V2 report carries ``ahrScore``.

        The ground truth of tests and of ``ahw evaluate-rating`` only: no document or endpoint serves it
        (the V2 report sends ``ahrScore`` for ``AHR_SCORE_MARKETPLACES`` only, as Amazon does "not always").
        Raises KeyError for an account or marketplace the world does not have.
        """
        self._check(account_name, marketplace_id)
        return self._true_score(account_name, marketplace_id, day)[0]

    # ------------------------------------------------------------------ rows (as rendered in TSVs)
    def _in_range(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date

    def order_item_rows(self, account_name: str, marketplace_id: str, day: date,
                        as_of: datetime | None = None) -> list[dict[str, str]]:  # fmt: skip
        """Order-item rows whose last-updated-date is ``day`` (UTC) in a report generated at ``as_of``
        (default and latest: the end of the world), in last-updated order, each with the order's
        status at ``as_of``."""
        self._check(account_name, marketplace_id)
        if not self._in_range(day):
            return []
        t = self.moment(as_of)
        mkt = marketplace(marketplace_id)
        fx = _FX[mkt.currency]
        tax = _TAX.get(mkt.country_code, 0.1)
        catalog = self._catalogs[account_name]
        rows: list[tuple[datetime, str, int, dict[str, str]]] = []
        for back in range(MAX_LIFECYCLE_DAYS + 1):
            for o in self._updated_on(account_name, marketplace_id, day - timedelta(days=back), t).get(day, ()):
                updated = o.last_updated_at(t)
                status = o.status_at(t)
                show_prices = o.priced and status != "Pending"
                for idx, (p_idx, qty) in enumerate(o.items):
                    p = catalog[p_idx]
                    price = p.price_usd * fx * qty
                    ship = 0.0 if o.channel == "AFN" or price > 35 * fx else 4.99 * fx
                    item_status = o.item_status_at(idx, t)
                    money = {
                        "item-price": _money(price, mkt.currency),
                        "item-tax": _money(price * tax, mkt.currency),
                        "shipping-price": _money(ship, mkt.currency),
                        "shipping-tax": _money(ship * tax, mkt.currency),
                        "item-promotion-discount": _money(0, mkt.currency),
                        "ship-promotion-discount": _money(0, mkt.currency),
                    }
                    if not show_prices:
                        money = dict.fromkeys(money, "")
                    row = {
                        "amazon-order-id": o.order_id,
                        "merchant-order-id": o.merchant_order_id,
                        "purchase-date": o.purchase.isoformat(),
                        "last-updated-date": updated.isoformat(),
                        "order-status": status,
                        "fulfillment-channel": "Amazon" if o.channel == "AFN" else "Merchant",
                        "sales-channel": o.sales_channel,
                        "order-channel": "",
                        "url": "",
                        "ship-service-level": o.ship_level,
                        "product-name": p.name_in(mkt.language),
                        "sku": p.sku,
                        "asin": p.asin,
                        "item-status": item_status,
                        "quantity": "0" if item_status == "Cancelled" else str(qty),
                        "currency": mkt.currency,
                        "item-price": money["item-price"],
                        "item-tax": money["item-tax"],
                        "shipping-price": money["shipping-price"],
                        "shipping-tax": money["shipping-tax"],
                        "gift-wrap-price": "",
                        "gift-wrap-tax": "",
                        "item-promotion-discount": money["item-promotion-discount"],
                        "ship-promotion-discount": money["ship-promotion-discount"],
                        "ship-city": o.ship_to[0],
                        "ship-state": o.ship_to[1],
                        "ship-postal-code": o.ship_to[2],
                        "ship-country": mkt.country_code,
                        "promotion-ids": "",
                        "is-business-order": "true" if o.business else "false",
                        "purchase-order-number": f"PO-{o.order_id[-5:]}" if o.business else "",
                        "price-designation": "BusinessPrice" if o.business else "",
                        "signature-confirmation-recommended": "true" if price > 300 * fx else "false",
                        "is-iba": "true" if o.is_iba else "false",
                        "is-buyer-requested-cancellation": "true" if status == "Cancelled" and o.buyer_cancel_reason else "false",
                        "buyer-requested-cancel-reason": (o.buyer_cancel_reason or "") if status == "Cancelled" else "",
                    }  # fmt: skip
                    rows.append((updated, o.order_id, idx, row))
        rows.sort(key=lambda r: r[:3])
        return [r[3] for r in rows]

    def feedback_rows(self, account_name: str, marketplace_id: str, day: date) -> list[dict[str, str]]:
        """1-3 star feedback rows whose ``Date`` is ``day`` (written in the account's feedback format)."""
        self._check(account_name, marketplace_id)
        if not self._in_range(day):
            return []
        fmt = date_formats(account_name, marketplace_id).feedback
        rows = []
        for back in range(1, 21):
            for o in self._feedback_on(account_name, marketplace_id, day - timedelta(days=back)).get(day, ()):
                if o.feedback and o.feedback[0] == day:
                    fb_date, rating, comment, response, email = o.feedback
                    rows.append({"Date": render_date(fb_date, fmt), "Rating": str(rating), "Comments": comment,
                                 "Your Response": response, "Order ID": o.order_id, "Rater Email": email})  # fmt: skip
        return rows

    def return_rows(self, account_name: str, marketplace_id: str, day: date) -> list[dict[str, str]]:
        """Return rows whose ``Return request date`` is ``day`` (dates in the account's returns format)."""
        self._check(account_name, marketplace_id)
        if not self._in_range(day):
            return []
        mkt = marketplace(marketplace_id)
        fmt = date_formats(account_name, marketplace_id).returns
        fx = _FX[mkt.currency]
        catalog = self._catalogs[account_name]
        rows = []
        for back in range(2, 21):
            for o in self._returns_on(account_name, marketplace_id, day - timedelta(days=back)).get(day, ()):
                if not (o.return_ and o.return_[0] == day):
                    continue
                ret_date, claim, reason, item_idx = o.return_
                p_idx, qty = o.items[item_idx]
                p = catalog[p_idx]
                amount = _money(p.price_usd * fx * qty, mkt.currency)
                rr = _rng(self.config.seed, o.order_id, "return")
                delivered = ret_date + timedelta(days=rr.randint(3, 9))
                prepaid = o.channel == "MFN"
                rows.append({
                    "Order ID": o.order_id,
                    "Order date": render_date(o.purchase.date(), fmt),
                    "Return request date": render_date(ret_date, fmt),
                    "Return request status": "Approved" if delivered > self.end_date else "Closed",
                    "Amazon RMA ID": f"D{rr.randrange(10**9, 10**10)}",
                    "Seller RMA ID": f"RMA-{o.order_id[-7:]}" if prepaid else "",
                    "Label type": "AmazonUnPaidLabel" if prepaid else "PrepaidLabel",
                    "Label cost": _money(rr.uniform(3, 9) * fx, mkt.currency) if prepaid else _money(0, mkt.currency),
                    "Currency code": mkt.currency,
                    "Return carrier": rr.choice(("UPS", "USPS", "DHL", "Royal Mail")),
                    "Tracking ID": f"1Z{rr.randrange(10**15, 10**16)}",
                    "Label to be paid by": "Seller" if reason in ("DEFECTIVE", "WRONG_ITEM", "NOT_AS_DESCRIBED") else "Customer",
                    "A-to-Z Claim": "Y" if claim else "N",
                    "Is prime": "Y" if o.channel == "AFN" else "N",
                    "ASIN": p.asin,
                    "Merchant SKU": p.sku,
                    "Item Name": p.name_in(mkt.language),
                    "Return quantity": str(qty),
                    "Return reason": reason,
                    "In policy": "Y" if rr.random() < 0.93 else "N",
                    "Return type": "C-Returns",
                    "Resolution": "StandardRefund",
                    "Invoice number": "",
                    "Return delivery date": render_date(delivered, fmt) if delivered <= self.end_date else "",
                    "Order Amount": amount,
                    "Order quantity": str(qty),
                    "SafeT action reason": "",
                    "SafeT claim id": "",
                    "SafeT claim state": "",
                    "SafeT claim creation time": "",
                    "SafeT claim reimbursement amount": "",
                    "Refunded Amount": amount if delivered <= self.end_date else _money(0, mkt.currency),
                    "Category": p.category,
                })  # fmt: skip
        rows.sort(key=lambda r: r["Order ID"])
        return rows

    # ------------------------------------------------------------------ metrics (ground truth)
    def _day_index(self, account_name: str, marketplace_id: str, day: date) -> metrics.DayIndex:
        return metrics.day_index(self, account_name, marketplace_id, day)

    def _day_facts(self, account_name: str, marketplace_id: str, day: date, as_of: datetime) -> metrics.DayFacts:
        return metrics.day_facts(self, account_name, marketplace_id, day, as_of)

    def performance(self, account_name: str, marketplace_id: str, as_of: datetime) -> dict:
        """Amazon's view of one marketplace as of ``as_of``: the values the V2 document is rendered
        from. Windows and the way each metric counts orders: ``metrics.performance``."""
        return metrics.performance(self, account_name, marketplace_id, as_of)

    def v1_metrics(self, account_name: str, marketplace_id: str, as_of: datetime) -> dict:
        """The V1 report's metric families, every window (fractions, not percent): ``metrics.v1_metrics``."""
        return metrics.v1_metrics(self, account_name, marketplace_id, as_of)

    # ------------------------------------------------------------------ account status (notifications)
    def account_status(self, account_name: str, marketplace_id: str, day: date) -> str:
        """Amazon's account status in the marketplace on ``day`` (UTC): NORMAL, AT_RISK or DEACTIVATED.

        The same rule as ``performance(...)["account_status"]`` for any moment of ``day`` (a critical
        violation open for 10 days or more deactivates, a fresher one puts the account at risk, and so
        does a rating below 200), without computing the metrics: the notifications publisher asks for
        every day of the world. A test keeps the two equal.
        """
        self._check(account_name, marketplace_id)
        score, open_now = self._true_score(account_name, marketplace_id, day)
        return metrics.account_status(score, open_now, day)

    def account_status_changes(self, first_day: date, last_day: date) -> list[tuple[str, str, date, str, str]]:
        """Scripted status changes that take effect on a day in [first_day, last_day] (at 00:00 UTC).

        Returns ``(account_name, marketplace_id, day, previous_status, current_status)`` in day order;
        days outside the world (after its first day, up to its last) are ignored.
        """
        first = max(first_day, self.start_date + timedelta(days=1))
        last = min(last_day, self.end_date)
        changes = []
        for account in self.accounts:
            for marketplace_id in account.marketplace_ids:
                day = first
                previous = (
                    self.account_status(account.name, marketplace_id, day - timedelta(days=1)) if day <= last else None
                )
                while day <= last:
                    current = self.account_status(account.name, marketplace_id, day)
                    if current != previous:
                        changes.append((account.name, marketplace_id, day, previous, current))
                    previous, day = current, day + timedelta(days=1)
        return sorted(changes, key=lambda c: (c[2], c[0], c[1]))
