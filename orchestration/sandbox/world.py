"""The sandbox's synthetic seller world: accounts, orders, feedback, returns and policy violations.

Why it exists: the whole warehouse runs by default against a local SP-API emulator, and tests of
every other layer need *ground truth* to compare against. This module is that truth. The server
renders documents from it, and tests ask it directly (``order_item_rows``, ``performance`` ...).

Determinism: everything is derived from ``random.Random`` instances seeded by SHA-256 of
``(seed, account, marketplace, date, purpose)`` -- never Python's salted ``hash`` -- so the same
``WorldConfig`` gives byte-identical data in every process. Days are generated lazily and cached,
so asking for a 30-day window does not generate the whole 200-day history.

Scenarios (fixed accounts):
- ``acme-home`` (healthy, NA US+CA, high volume): rating stays >= 200, status NORMAL.
- ``brightline-outdoor`` (at_risk, EU GB+DE+FR): operational metrics degrade and violations pile
  up over the last ~60 days; the rating ends the window in 100..199 (AT_RISK).
- ``cobalt-gadgets`` (critical, NA US+MX): a critical product-safety violation opens in US on
  ``critical_date`` (end_date - 20 days); the US rating is 0 from that day on.

The rating model here is the sandbox's *hidden* Amazon formula (200 + volume credit - points per
open violation, 0 while a critical violation is open). The project's own estimate is a different,
documented model; the gap between them is expected and tracked.
"""

from __future__ import annotations

import hashlib
import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from orchestration.catalogue import marketplace

#: The ten policy categories of the V2 report (DESIGN.md section 2), in report order.
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

LWA_CLIENT_ID = "amzn1.application-oa2-client.sandbox0000000000000000000000"
LWA_CLIENT_SECRET = "amzn1.oa2-cs.v1.sandbox-not-a-real-secret-0000000000000000"

# Severity -> relative weight of the points a violation costs (the at-risk scenario calibrates the
# absolute points so the rating lands in the At Risk band at end_date).
_SEVERITY_POINTS = {"low": 4, "medium": 8, "high": 16, "critical": 1000}

_FX = {"USD": 1.0, "CAD": 1.36, "MXN": 17.0, "GBP": 0.79, "EUR": 0.92, "JPY": 150.0}
_TAX = {"US": 0.07, "CA": 0.13, "MX": 0.16, "GB": 0.20, "DE": 0.19, "FR": 0.20}


def _default_end_date() -> date:
    return datetime.now(UTC).date() - timedelta(days=1)


@dataclass(frozen=True)
class WorldConfig:
    """Everything that determines the world. Same config -> same data, in any process."""

    seed: int = 20261126
    end_date: date = field(default_factory=_default_end_date)
    days: int = 200
    volume_scale: float = 1.0

    def as_dict(self) -> dict:
        return {"seed": self.seed, "end_date": self.end_date.isoformat(), "days": self.days,
                "volume_scale": self.volume_scale}  # fmt: skip


@dataclass(frozen=True)
class SandboxAccount:
    name: str
    seller_id: str
    region: str
    marketplace_ids: tuple[str, ...]
    refresh_token: str
    scenario: str
    """``healthy``, ``at_risk`` or ``critical``."""
    affected_marketplace_ids: tuple[str, ...]
    """Marketplaces where the scenario plays out (the others stay healthy)."""
    daily_orders: dict[str, int]
    """Mean orders per day per marketplace at volume_scale 1."""
    afn_share: float


ACCOUNTS: tuple[SandboxAccount, ...] = (
    SandboxAccount(
        "acme-home", "A1ACMEHOME0001", "NA", ("ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"),
        "Atzr|sandbox-acme-home", "healthy", (),
        {"ATVPDKIKX0DER": 1250, "A2EUQ1WTGCTBG2": 100}, 0.6,
    ),
    SandboxAccount(
        "brightline-outdoor", "A2BRIGHTLINE002", "EU", ("A1F83G8C2ARO7P", "A1PA6795UKMFR9", "A13V1IB3VIYZZH"),
        "Atzr|sandbox-brightline-outdoor", "at_risk", ("A1F83G8C2ARO7P", "A1PA6795UKMFR9", "A13V1IB3VIYZZH"),
        {"A1F83G8C2ARO7P": 250, "A1PA6795UKMFR9": 150, "A13V1IB3VIYZZH": 70}, 0.3,
    ),
    SandboxAccount(
        "cobalt-gadgets", "A3COBALTGADG03", "NA", ("ATVPDKIKX0DER", "A1AM78C64UM0Y8"),
        "Atzr|sandbox-cobalt-gadgets", "critical", ("ATVPDKIKX0DER",),
        {"ATVPDKIKX0DER": 60, "A1AM78C64UM0Y8": 25}, 0.2,
    ),
)  # fmt: skip

#: Marketplaces whose V2 report carries ``accountHealthRating.ahrScore`` (live data has it "not always").
AHR_SCORE_MARKETPLACES = frozenset({"ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9"})


@dataclass(frozen=True)
class Violation:
    account_name: str
    marketplace_id: str
    category: str
    severity: str
    opened: date
    resolved: date | None
    defects: int
    points: int

    def is_open(self, day: date) -> bool:
        return self.opened <= day and (self.resolved is None or day < self.resolved)


@dataclass(frozen=True)
class Product:
    sku: str
    asin: str
    name: str
    price_usd: float
    category: str


@dataclass(frozen=True)
class Order:
    """World facts of one order (the TSV shows only some of them)."""

    order_id: str
    purchase: datetime
    last_updated: datetime
    channel: str  # "AFN" | "MFN"
    cancelled: bool
    items: tuple[tuple[int, int], ...]  # (product index, quantity)
    ship_level: str
    business: bool
    ship_to: tuple[str, str, str]  # city, state, postal
    late_shipment: bool
    valid_tracking: bool
    on_time_delivery: bool
    feedback: tuple[date, int, str, str, str] | None  # date, rating, comment, response, rater email
    return_: tuple[date, bool, str, int] | None  # request date, a-to-z claim, reason, item index
    chargeback: date | None


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def _clamp(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


_CITIES = {
    "US": [("Seattle", "WA", "98101"), ("Austin", "TX", "78701"), ("Denver", "CO", "80202"),
           ("Columbus", "OH", "43215"), ("Portland", "OR", "97201"), ("Miami", "FL", "33101")],
    "CA": [("Toronto", "ON", "M5V 2T6"), ("Vancouver", "BC", "V6B 1A1"), ("Calgary", "AB", "T2P 1J9")],
    "MX": [("Guadalajara", "JAL", "44100"), ("Monterrey", "NL", "64000"), ("Puebla", "PUE", "72000")],
    "GB": [("Leeds", "West Yorkshire", "LS1 4AP"), ("Bristol", "Bristol", "BS1 5TR"), ("York", "North Yorkshire", "YO1 7HH")],
    "DE": [("Hamburg", "HH", "20095"), ("Köln", "NW", "50667"), ("Leipzig", "SN", "04109")],
    "FR": [("Lyon", "Rhône", "69002"), ("Nantes", "Loire-Atlantique", "44000"), ("Lille", "Nord", "59000")],
}  # fmt: skip
_PRODUCT_WORDS = {
    "acme-home": (["Bamboo", "Ceramic", "Linen", "Copper", "Oak", "Cotton"],
                  ["Cutting Board", "Mug Set", "Throw Pillow", "Storage Basket", "Table Lamp", "Bath Towel"], "Home"),
    "brightline-outdoor": (["Trail", "Summit", "Alpine", "Ridge", "Canyon", "Drift"],
                           ["Headlamp", "Tent Stakes", "Water Filter", "Camp Stove", "Daypack", "Sleeping Mat"], "Sports"),
    "cobalt-gadgets": (["Nano", "Volt", "Pulse", "Flux", "Orbit", "Quartz"],
                       ["USB-C Charger", "Power Bank", "Phone Mount", "Earbuds", "Smart Plug", "Cable Kit"], "Electronics"),
}  # fmt: skip
_NEG_COMMENTS = {
    1: ["Item never arrived.", "Wrong item sent, no reply from seller.", "Product broke on first use."],
    2: ["Arrived late and damaged.", "Not as described.", "Missing parts."],
    3: ["Slow shipping.", "Packaging was poor.", "OK but took long to arrive."],
}
_RETURN_REASONS = [
    "DEFECTIVE",
    "NOT_AS_DESCRIBED",
    "UNWANTED_ITEM",
    "DAMAGED_BY_CARRIER",
    "WRONG_ITEM",
    "MISSED_ESTIMATED_DELIVERY",
]


class World:
    """Ground truth of the sandbox. See the module docstring for scenarios and determinism."""

    lwa_client_id = LWA_CLIENT_ID
    lwa_client_secret = LWA_CLIENT_SECRET

    def __init__(self, config: WorldConfig | None = None):
        self.config = config or WorldConfig()
        self.accounts: list[SandboxAccount] = list(ACCOUNTS)
        self._by_name = {a.name: a for a in self.accounts}
        self._by_seller = {a.seller_id: a for a in self.accounts}
        self._lock = threading.Lock()
        self._catalogs = {a.name: self._catalog(a) for a in self.accounts}
        # Order ids carry a marketplace number: the world's marketplaces in account order.
        ordered = dict.fromkeys(m for a in self.accounts for m in a.marketplace_ids)
        self._marketplace_index = {m: i + 1 for i, m in enumerate(ordered)}
        # Bounded caches, per instance (a process may hold several worlds).
        self._orders_of_day = lru_cache(maxsize=4096)(self._generate_orders)
        self._day_count = lru_cache(maxsize=65536)(self._order_count)
        self._violations: dict[tuple[str, str], list[Violation]] = {}
        for a in self.accounts:
            for m in a.marketplace_ids:
                self._violations[(a.name, m)] = self._make_violations(a, m)

    # ------------------------------------------------------------------ accounts and dates
    @property
    def start_date(self) -> date:
        return self.config.end_date - timedelta(days=self.config.days - 1)

    @property
    def end_date(self) -> date:
        return self.config.end_date

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

    def _check(self, account_name: str, marketplace_id: str) -> SandboxAccount:
        acct = self.account(account_name)
        if marketplace_id not in acct.marketplace_ids:
            raise KeyError(f"account {account_name!r} does not sell in marketplace {marketplace_id!r}")
        return acct

    # ------------------------------------------------------------------ generation
    def _catalog(self, acct: SandboxAccount) -> list[Product]:
        rng = _rng(self.config.seed, acct.name, "catalog")
        adjectives, nouns, category = _PRODUCT_WORDS[acct.name]
        prefix = acct.name.split("-")[0].upper()
        products = []
        for i, (adj, noun) in enumerate((a, n) for a in adjectives for n in nouns):
            asin = "B0" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(8))
            price = round(rng.uniform(8, 90), 2) - 0.01 if rng.random() < 0.5 else round(rng.uniform(8, 90), 0) - 0.01
            products.append(Product(f"{prefix}-{i:04d}", asin, f"{prefix.title()} {adj} {noun}", price, category))
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
        """Orders purchased on ``day`` -- cheap, so the 180-day volume credit needs no order generation."""
        acct = self._by_name[account_name]
        if day > self.end_date:
            return 0
        rng = _rng(self.config.seed, account_name, marketplace_id, day.isoformat(), "count")
        weekday = (1.0, 0.97, 0.96, 0.98, 1.02, 1.1, 1.08)[day.weekday()]
        mean = acct.daily_orders[marketplace_id] * self.config.volume_scale * weekday * rng.uniform(0.9, 1.1)
        whole = int(mean)
        return whole + (1 if rng.random() < mean - whole else 0)

    def _generate_orders(self, account_name: str, marketplace_id: str, day: date) -> tuple[Order, ...]:
        """All orders purchased on ``day`` with every fact about them (cached per day)."""
        acct = self._by_name[account_name]
        mkt = marketplace(marketplace_id)
        n = self._day_count(account_name, marketplace_id, day)
        rng = _rng(self.config.seed, account_name, marketplace_id, day.isoformat(), "orders")
        rates = self._rates(acct, marketplace_id, day)
        catalog = self._catalogs[account_name]
        acct_idx = self.accounts.index(acct) + 1
        mkt_idx = self._marketplace_index[marketplace_id]
        part2 = (day.toordinal() * 3571) % 10_000_000
        start_of_day = datetime.combine(day, time(0), tzinfo=UTC)
        day_end = datetime.combine(self.end_date, time(23, 59, 59), tzinfo=UTC)
        seconds = sorted(rng.randrange(86400) for _ in range(n))
        orders = []
        for seq, sec in enumerate(seconds):
            order_id = f"{acct_idx}{mkt_idx:02d}-{part2:07d}-{(seq * 7919 + 104729) % 10_000_000:07d}"
            purchase = start_of_day + timedelta(seconds=sec)
            channel = "AFN" if rng.random() < acct.afn_share else "MFN"
            cancelled = rng.random() < (rates["cancel"] if channel == "MFN" else 0.002)
            lag_days = rng.choice((0, 0, 1, 1, 1, 2, 2, 3))
            lu = purchase + timedelta(days=lag_days, seconds=rng.randrange(300, 36000))
            if lu > day_end:
                lu = max(purchase, day_end - timedelta(seconds=rng.randrange(0, 600)))
            n_items = 1 if rng.random() < 0.82 else rng.choice((2, 2, 3))
            # Distinct products per order: Amazon's order report has one line per order item (SKU).
            items = tuple(
                (product, 1 if rng.random() < 0.88 else rng.randint(2, 4))
                for product in rng.sample(range(len(catalog)), n_items)
            )
            ship_level = rng.choices(("Standard", "Expedited", "SecondDay", "NextDay"), (70, 18, 8, 4))[0]
            business = rng.random() < 0.06
            ship_to = rng.choice(_CITIES[mkt.country_code])
            mfn_shipped = channel == "MFN" and not cancelled
            late = mfn_shipped and rng.random() < rates["late"]
            valid_tracking = (not mfn_shipped) or rng.random() >= rates["invalid_tracking"]
            on_time = cancelled or rng.random() >= rates["late_delivery"]
            feedback = None
            ret = None
            chargeback = None
            if not cancelled:
                if rng.random() < rates["negfb"]:
                    rating = rng.choice((1, 1, 2, 2, 3))
                    fb_date = day + timedelta(days=rng.randint(1, 20))
                    comment = rng.choice(_NEG_COMMENTS[rating])
                    response = "We are sorry, please contact us so we can help." if rng.random() < 0.3 else ""
                    email = f"{hashlib.sha256(f'{order_id}|rater'.encode()).hexdigest()[:16]}@marketplace.example.com"
                    feedback = (fb_date, rating, comment, response, email)
                if rng.random() < rates["return"]:
                    ret_date = day + timedelta(days=rng.randint(2, 20))
                    ret = (ret_date, rng.random() < rates["claim"], rng.choice(_RETURN_REASONS), 0)
                if rng.random() < rates["chargeback"]:
                    chargeback = day + timedelta(days=rng.randint(10, 30))
            orders.append(Order(order_id, purchase, lu, channel, cancelled, items, ship_level, business, ship_to,
                                late, valid_tracking, on_time, feedback, ret, chargeback))  # fmt: skip
        return tuple(orders)

    def orders(self, account_name: str, marketplace_id: str, purchase_day: date) -> tuple[Order, ...]:
        """World facts of the orders purchased on ``purchase_day`` (includes facts the TSV lacks)."""
        self._check(account_name, marketplace_id)
        return self._orders_of_day(account_name, marketplace_id, purchase_day)

    def _make_violations(self, acct: SandboxAccount, marketplace_id: str) -> list[Violation]:
        rng = _rng(self.config.seed, acct.name, marketplace_id, "violations")
        out: list[Violation] = []
        first = self.start_date - timedelta(days=180)
        # Background: occasional low-severity listing issues that get fixed within two weeks.
        day = first + timedelta(days=rng.randint(5, 40))
        while day <= self.end_date - timedelta(days=3):
            cat = rng.choice(("listingPolicyViolations", "otherPolicyViolations"))
            resolved = day + timedelta(days=rng.randint(3, 14))
            out.append(
                Violation(
                    acct.name, marketplace_id, cat, "low", day, resolved, rng.randint(1, 3), _SEVERITY_POINTS["low"]
                )
            )
            day += timedelta(days=rng.randint(30, 70))
        if marketplace_id not in acct.affected_marketplace_ids:
            return out
        if acct.scenario == "at_risk":
            cats = ["receivedIntellectualPropertyComplaints", "productConditionCustomerComplaints",
                    "listingPolicyViolations", "productAuthenticityCustomerComplaints",
                    "restrictedProductPolicyViolations", "documentRequests"]  # fmt: skip
            severities = ["high", "medium", "medium", "high", "medium", "low"]
            offsets = [56, 46, 37, 27, 16, 7]
            weights = [_SEVERITY_POINTS[s] for s in severities]
            base_end = self._base_score(acct.name, marketplace_id, self.end_date)
            target = 130 + rng.randint(0, 40)
            total = max(0, base_end - target)
            points = [total * w // sum(weights) for w in weights]
            points[0] += total - sum(points)
            for cat, sev, off, pts in zip(cats, severities, offsets, points, strict=True):
                opened = self.end_date - timedelta(days=off + rng.randint(0, 2))
                out.append(Violation(acct.name, marketplace_id, cat, sev, opened, None, rng.randint(1, 6), pts))
        elif acct.scenario == "critical":
            crit = self.critical_date(acct.name)
            out.append(Violation(acct.name, marketplace_id, "productSafetyCustomerComplaints", "critical", crit, None,
                                 rng.randint(1, 3), _SEVERITY_POINTS["critical"]))  # fmt: skip
            out.append(Violation(acct.name, marketplace_id, "suspectedIntellectualPropertyViolations", "high",
                                 crit + timedelta(days=2), None, rng.randint(1, 4), _SEVERITY_POINTS["high"]))  # fmt: skip
        return out

    # ------------------------------------------------------------------ rating
    def _base_score(self, account_name: str, marketplace_id: str, day: date) -> int:
        """200 + ~4 points per 200 orders in the last 180 days (capped): the rating with no violations."""
        orders_180 = sum(self._day_count(account_name, marketplace_id, day - timedelta(days=i)) for i in range(180))
        return 200 + min(800, 4 * orders_180 // 200)

    def _true_score(self, account_name: str, marketplace_id: str, day: date) -> tuple[int, list[Violation]]:
        open_now = [v for v in self._violations[(account_name, marketplace_id)]
                    if v.is_open(day) and (day - v.opened).days < 180]  # fmt: skip
        if any(v.severity == "critical" for v in open_now):
            return 0, open_now
        score = self._base_score(account_name, marketplace_id, day) - sum(v.points for v in open_now)
        if all(v.severity == "low" for v in open_now):
            score = max(score, 200)  # without serious violations the rating does not fall below 200
        return max(0, min(1000, score)), open_now

    # ------------------------------------------------------------------ rows (as rendered in TSVs)
    def _in_range(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date

    def order_item_rows(self, account_name: str, marketplace_id: str, day: date) -> list[dict[str, str]]:
        """Order-item rows whose last-updated-date is ``day`` (UTC), in last-updated order."""
        self._check(account_name, marketplace_id)
        if not self._in_range(day):
            return []
        mkt = marketplace(marketplace_id)
        fx = _FX[mkt.currency]
        tax = _TAX.get(mkt.country_code, 0.1)
        catalog = self._catalogs[account_name]
        rows: list[tuple[datetime, str, int, dict[str, str]]] = []
        for back in range(4):
            for o in self._orders_of_day(account_name, marketplace_id, day - timedelta(days=back)):
                if o.last_updated.date() != day:
                    continue
                status = "Cancelled" if o.cancelled else "Shipped"
                for idx, (p_idx, qty) in enumerate(o.items):
                    p = catalog[p_idx]
                    price = round(p.price_usd * fx * qty, 2)
                    ship = 0.0 if o.channel == "AFN" or price > 35 * fx else round(4.99 * fx, 2)
                    row = {
                        "amazon-order-id": o.order_id,
                        "merchant-order-id": f"SO-{o.order_id[-7:]}" if o.channel == "MFN" else "",
                        "purchase-date": o.purchase.isoformat(),
                        "last-updated-date": o.last_updated.isoformat(),
                        "order-status": status,
                        "fulfillment-channel": "Amazon" if o.channel == "AFN" else "Merchant",
                        "sales-channel": mkt.name,
                        "order-channel": "",
                        "url": "",
                        "ship-service-level": o.ship_level,
                        "product-name": p.name,
                        "sku": p.sku,
                        "asin": p.asin,
                        "item-status": "Cancelled" if o.cancelled else "Shipped",
                        "quantity": str(qty),
                        "currency": mkt.currency,
                        "item-price": f"{price:.2f}",
                        "item-tax": f"{price * tax:.2f}",
                        "shipping-price": f"{ship:.2f}",
                        "shipping-tax": f"{ship * tax:.2f}",
                        "gift-wrap-price": "",
                        "gift-wrap-tax": "",
                        "item-promotion-discount": "0.00",
                        "ship-promotion-discount": "0.00",
                        "ship-city": o.ship_to[0],
                        "ship-state": o.ship_to[1],
                        "ship-postal-code": o.ship_to[2],
                        "ship-country": mkt.country_code,
                        "promotion-ids": "",
                        "is-business-order": "true" if o.business else "false",
                        "purchase-order-number": f"PO-{o.order_id[-5:]}" if o.business else "",
                        "price-designation": "BusinessPrice" if o.business else "",
                        "signature-confirmation-recommended": "true" if price > 300 * fx else "false",
                    }
                    rows.append((o.last_updated, o.order_id, idx, row))
        rows.sort(key=lambda r: r[:3])
        return [r[3] for r in rows]

    def feedback_rows(self, account_name: str, marketplace_id: str, day: date) -> list[dict[str, str]]:
        """1-3 star feedback rows whose ``Date`` is ``day``."""
        self._check(account_name, marketplace_id)
        if not self._in_range(day):
            return []
        fmt = marketplace(marketplace_id).feedback_date_format
        rows = []
        for back in range(1, 21):
            for o in self._orders_of_day(account_name, marketplace_id, day - timedelta(days=back)):
                if o.feedback and o.feedback[0] == day:
                    fb_date, rating, comment, response, email = o.feedback
                    rows.append({"Date": fb_date.strftime(fmt), "Rating": str(rating), "Comments": comment,
                                 "Your Response": response, "Order ID": o.order_id, "Rater Email": email})  # fmt: skip
        return rows

    def return_rows(self, account_name: str, marketplace_id: str, day: date) -> list[dict[str, str]]:
        """Return rows whose ``Return request date`` is ``day``."""
        self._check(account_name, marketplace_id)
        if not self._in_range(day):
            return []
        mkt = marketplace(marketplace_id)
        fmt = mkt.returns_date_format
        fx = _FX[mkt.currency]
        catalog = self._catalogs[account_name]
        rows = []
        for back in range(2, 21):
            for o in self._orders_of_day(account_name, marketplace_id, day - timedelta(days=back)):
                if not (o.return_ and o.return_[0] == day):
                    continue
                ret_date, claim, reason, item_idx = o.return_
                p_idx, qty = o.items[item_idx]
                p = catalog[p_idx]
                amount = round(p.price_usd * fx * qty, 2)
                rr = _rng(self.config.seed, o.order_id, "return")
                delivered = ret_date + timedelta(days=rr.randint(3, 9))
                prepaid = o.channel == "MFN"
                rows.append({
                    "Order ID": o.order_id,
                    "Order date": o.purchase.date().strftime(fmt),
                    "Return request date": ret_date.strftime(fmt),
                    "Return request status": "Approved" if delivered > self.end_date else "Closed",
                    "Amazon RMA ID": f"D{rr.randrange(10**9, 10**10)}",
                    "Seller RMA ID": f"RMA-{o.order_id[-7:]}" if prepaid else "",
                    "Label type": "AmazonUnPaidLabel" if prepaid else "PrepaidLabel",
                    "Label cost": f"{round(rr.uniform(3, 9) * fx, 2):.2f}" if prepaid else "0.00",
                    "Currency code": mkt.currency,
                    "Return carrier": rr.choice(("UPS", "USPS", "DHL", "Royal Mail")),
                    "Tracking ID": f"1Z{rr.randrange(10**15, 10**16)}",
                    "Label to be paid by": "Seller" if reason in ("DEFECTIVE", "WRONG_ITEM", "NOT_AS_DESCRIBED") else "Customer",
                    "A-to-Z Claim": "Y" if claim else "N",
                    "Is prime": "Y" if o.channel == "AFN" else "N",
                    "ASIN": p.asin,
                    "Merchant SKU": p.sku,
                    "Item Name": p.name,
                    "Return quantity": str(qty),
                    "Return reason": reason,
                    "In policy": "Y" if rr.random() < 0.93 else "N",
                    "Return type": "C-Returns",
                    "Resolution": "StandardRefund",
                    "Invoice number": "",
                    "Return delivery date": delivered.strftime(fmt) if delivered <= self.end_date else "",
                    "Order Amount": f"{amount:.2f}",
                    "Order quantity": str(qty),
                    "SafeT action reason": "",
                    "SafeT claim id": "",
                    "SafeT claim state": "",
                    "SafeT claim creation time": "",
                    "SafeT claim reimbursement amount": "",
                    "Refunded Amount": f"{amount:.2f}" if delivered <= self.end_date else "0.00",
                    "Category": p.category,
                })  # fmt: skip
        rows.sort(key=lambda r: r["Order ID"])
        return rows

    # ------------------------------------------------------------------ metrics (ground truth)
    def _window_orders(self, account_name: str, marketplace_id: str, first: date, last: date):
        d = first
        while d <= last:
            yield from self._orders_of_day(account_name, marketplace_id, d)
            d += timedelta(days=1)

    @staticmethod
    def _rate(num: int, den: int) -> float:
        return round(num / den, 6) if den else 0.0

    def performance(self, account_name: str, marketplace_id: str, as_of: datetime) -> dict:
        """Amazon's view of one marketplace as of ``as_of``: the values the V2 document is rendered from.

        Windows (``(first_day, last_day)`` inclusive, UTC): ODR 60 days by order date ending 14 days
        before as_of; cancellation 7 days, late shipment 10 and 30 days, valid tracking 30 days,
        on-time delivery 30 days ending 10 days before as_of (delivery scans lag); violations and
        the rating 180 days. Defect events (feedback, claims, chargebacks) count once known by as_of.
        """
        self._check(account_name, marketplace_id)
        acct = self._by_name[account_name]
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

        odr = {}
        for ch in ("mfn", "afn"):
            odr[ch] = {"order_count": 0, "order_with_defects": 0, "claims": 0, "chargebacks": 0, "negative_feedback": 0}
        for o in self._window_orders(account_name, marketplace_id, *windows["order_defect_rate"]):
            c = odr[o.channel.lower()]
            c["order_count"] += 1
            nf = o.feedback is not None and o.feedback[1] <= 2 and o.feedback[0] <= a
            cl = o.return_ is not None and o.return_[1] and o.return_[0] <= a
            cb = o.chargeback is not None and o.chargeback <= a
            c["negative_feedback"] += nf
            c["claims"] += cl
            c["chargebacks"] += cb
            c["order_with_defects"] += nf or cl or cb
        for c in odr.values():
            c["rate"] = self._rate(c["order_with_defects"], c["order_count"])
            c["window"] = windows["order_defect_rate"]

        def mfn_counts(key: str) -> dict[str, int]:
            counts = {"orders": 0, "cancelled": 0, "shipped": 0, "late": 0, "valid": 0, "on_time": 0,
                      "units": 0, "units_on_time": 0, "business": 0}  # fmt: skip
            for o in self._window_orders(account_name, marketplace_id, *windows[key]):
                if o.channel != "MFN":
                    continue
                counts["orders"] += 1
                counts["cancelled"] += o.cancelled
                counts["business"] += o.business
                if not o.cancelled:
                    units = sum(q for _, q in o.items)
                    counts["shipped"] += 1
                    counts["late"] += o.late_shipment
                    counts["valid"] += o.valid_tracking
                    counts["on_time"] += o.valid_tracking and o.on_time_delivery
                    counts["units"] += units
                    counts["units_on_time"] += units if o.on_time_delivery else 0
            return counts

        cancel = mfn_counts("pre_fulfillment_cancellation_rate")
        late30 = mfn_counts("late_shipment_rate")
        late10 = mfn_counts("late_shipment_rate_10d")
        track = mfn_counts("valid_tracking_rate")
        inv = cancel  # same 7-day window
        rr = _rng(self.config.seed, account_name, marketplace_id, a.isoformat(), "invoice")
        missing = sum(rr.random() < 0.02 for _ in range(inv["business"]))
        late_inv = sum(rr.random() < 0.01 for _ in range(inv["business"] - missing))

        score, open_now = self._true_score(account_name, marketplace_id, a)
        violations = {cat: 0 for cat in POLICY_CATEGORIES}
        for v in open_now:
            violations[v.category] += v.defects
        crit_open = [v for v in open_now if v.severity == "critical"]
        if crit_open:
            days_critical = (a - min(v.opened for v in crit_open)).days
            account_status = "DEACTIVATED" if days_critical >= 10 else "AT_RISK"
        elif score < 200:
            account_status = "AT_RISK"
        else:
            account_status = "NORMAL"
        late30_rate = self._rate(late30["late"], late30["orders"] - late30["cancelled"])
        return {
            "account_name": account_name,
            "seller_id": acct.seller_id,
            "marketplace_id": marketplace_id,
            "as_of": as_of,
            "account_status": account_status,
            "ahr_status": "GREAT" if score >= 200 else "WARNED",
            "ahr_score": score if marketplace_id in AHR_SCORE_MARKETPLACES else None,
            "true_ahr_score": score,
            "order_defect_rate": odr,
            "late_shipment_rate": {"order_count": late30["shipped"], "late_shipment_count": late30["late"],
                                   "rate": late30_rate, "window": windows["late_shipment_rate"]},
            "late_shipment_rate_10d": {"order_count": late10["shipped"], "late_shipment_count": late10["late"],
                                       "rate": self._rate(late10["late"], late10["shipped"]),
                                       "window": windows["late_shipment_rate_10d"]},
            "pre_fulfillment_cancellation_rate": {"order_count": cancel["orders"], "cancellation_count": cancel["cancelled"],
                                                  "rate": self._rate(cancel["cancelled"], cancel["orders"]),
                                                  "window": windows["pre_fulfillment_cancellation_rate"]},
            "valid_tracking_rate": {"shipment_count": track["shipped"], "valid_tracking_count": track["valid"],
                                    "rate": self._rate(track["valid"], track["shipped"]),
                                    "window": windows["valid_tracking_rate"]},
            "on_time_delivery_rate": {"shipment_count_with_valid_tracking": track["valid"],
                                      "on_time_delivery_count": track["on_time"],
                                      "rate": self._rate(track["on_time"], track["valid"]),
                                      "window": windows["on_time_delivery_rate"]},
            "unit_on_time_delivery_rate": {"total_unit_count": track["units"], "unit_on_time_delivery_count": track["units_on_time"],
                                           "rate": self._rate(track["units_on_time"], track["units"]),
                                           "window": windows["on_time_delivery_rate"]},
            "invoice_defect_rate": {"order_count": inv["business"], "missing_invoice": missing, "late_invoice": late_inv,
                                    "invoice_defect": missing + late_inv,
                                    "rate": self._rate(missing + late_inv, inv["business"]),
                                    "window": windows["invoice_defect_rate"]},
            "violations": violations,
            "policy_violation_warnings": sum(1 for v in open_now if v.severity == "low"),
            "warning_states": ([{"warningType": "lateShipment", "status": "BAD"}] if late30_rate >= 0.04 else []),
            "windows": windows,
        }  # fmt: skip

    def v1_metrics(self, account_name: str, marketplace_id: str, as_of: datetime) -> dict:
        """Customer-service metrics of the V1 report: contact response time, return dissatisfaction (30 days)."""
        self._check(account_name, marketplace_id)
        acct = self._by_name[account_name]
        if as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=UTC)
        a = as_of.astimezone(UTC).date()
        first, last = a - timedelta(days=30), a - timedelta(days=1)
        rng = _rng(self.config.seed, account_name, marketplace_id, a.isoformat(), "v1")
        bad = marketplace_id in acct.affected_marketplace_ids and acct.scenario == "at_risk"
        k = self._drift(a) if bad else 0.0
        orders = sum(self._day_count(account_name, marketplace_id, last - timedelta(days=i)) for i in range(30))
        contacts = int(orders * 0.04 * rng.uniform(0.8, 1.2))
        no_resp = sum(rng.random() < 0.01 + 0.03 * k for _ in range(contacts))
        over = sum(rng.random() < 0.04 + 0.12 * k for _ in range(contacts - no_resp))
        under = contacts - no_resp - over
        crt_rate = self._rate(under, contacts)
        returns = 0
        for back in range(2, 51):
            for o in self._orders_of_day(account_name, marketplace_id, last - timedelta(days=back)):
                if o.return_ and first <= o.return_[0] <= last:
                    returns += 1
        neg = sum(rng.random() < 0.01 + 0.05 * k for _ in range(returns))
        late_resp = sum(rng.random() < 0.01 + 0.04 * k for _ in range(returns))
        invalid = sum(rng.random() < 0.005 for _ in range(returns))
        dissat = neg + late_resp + invalid
        rd_rate = self._rate(dissat, returns)
        return {
            "marketplace_id": marketplace_id,
            "as_of": as_of,
            "contact_response_time": {
                "window": (first, last), "contactCount": contacts, "responseUnder24HoursCount": under,
                "responseOver24HoursCount": over, "noResponseCount": no_resp,
                "averageResponseTimeInHours": round(rng.uniform(6, 14) + 20 * k, 1) if contacts else 0.0,
                "rate": crt_rate, "targetValue": 0.9, "targetCondition": "GREATER_THAN",
                "status": "NONE" if not contacts else ("GOOD" if crt_rate > 0.9 else "BAD"),
            },
            "return_dissatisfaction": {
                "window": (first, last), "returnCount": returns, "negativeReturnFeedbackCount": neg,
                "lateResponseCount": late_resp, "invalidRejectionCount": invalid,
                "returnDissatisfactionCount": dissat, "rate": rd_rate, "targetValue": 0.1,
                "targetCondition": "LESS_THAN",
                "status": "NONE" if not returns else ("GOOD" if rd_rate < 0.1 else "BAD"),
            },
        }  # fmt: skip

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
        critical = [v for v in open_now if v.severity == "critical"]
        if critical:
            return "DEACTIVATED" if (day - min(v.opened for v in critical)).days >= 10 else "AT_RISK"
        return "AT_RISK" if score < 200 else "NORMAL"

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
