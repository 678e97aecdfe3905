"""The sandbox's hidden Account Health Rating: Amazon's formula as this world applies it, drawn from the seed.

Why it exists: Amazon publishes the rating's bands and a few rules but not its formula, so the
warehouse estimates the rating with a model it calibrates from the reported ``ahrScore`` history.
To prove that calibration on worlds it has never seen, the formula of each sandbox world is part of
the world: drawn from the world seed (``AHW_SANDBOX_SEED``) within plausible ranges, with the
default seed drawing exactly the rules the sandbox always had. Like Amazon's, these rules never
appear in a document: the V2 report carries the defect counts per policy category, the order
volume is in the orders reports, and ``ahrScore`` is sent for some marketplaces only. Tests and the
evaluation (``ahw evaluate-rating``) read the truth through ``World.true_rating``.

What is fixed in every world, because Amazon publishes it (Seller Central's Account Health
Rating help pages): the 0-1000 scale, the start at 200, the floor of 200 while no serious (above
low severity) violation is open, an open critical violation taking the rating to 0, and the
180-day window. What is drawn (Amazon does not publish it):

- points lost per open violation (one unit of a category's ``defectsCount``), per severity or per
  category, in :data:`POINTS_RANGES` (third parties report about 2-8 points; the world spreads
  wider so a calibration is tested away from the warehouse's seed values);
- the volume credit: points per step of 200 orders in the last 180 days (3-5; "about +4"), its cap
  (500-800 points), and in some worlds a coarser stepwise credit (+N points per 500 or 1,000 orders);
- how many days after a critical violation opens the rating drops to 0 (0-3);
- effects the warehouse's estimate cannot express, in some worlds: points that fade with a
  violation's age, and a few points of day-to-day noise (:meth:`RatingRules.misspecifications`).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Protocol

#: The seed of the default world (``WorldConfig.seed``): it draws :data:`TODAYS_RULES`.
DEFAULT_SEED = 20261126

#: Severity of each policy category in this world (Amazon's classification, hidden like its points).
#: Critical categories take the rating to the override; the others cost points per violation.
CATEGORY_SEVERITY: Mapping[str, str] = MappingProxyType(
    {
        "listingPolicyViolations": "medium",
        "productAuthenticityCustomerComplaints": "high",
        "productConditionCustomerComplaints": "medium",
        "productSafetyCustomerComplaints": "critical",
        "receivedIntellectualPropertyComplaints": "high",
        "restrictedProductPolicyViolations": "high",
        "suspectedIntellectualPropertyViolations": "medium",
        "foodAndProductSafetyIssues": "critical",
        "otherPolicyViolations": "low",
        "documentRequests": "low",
        "customerProductReviewsPolicyViolations": "high",
    }
)

#: Points per violation drawn per severity (inclusive integer ranges). Critical categories draw from
#: the high range: their points count only before the override takes effect.
POINTS_RANGES: Mapping[str, tuple[int, int]] = MappingProxyType({"low": (2, 6), "medium": (4, 12), "high": (8, 20)})

#: Relative share of the at-risk scenario's deduction per severity (its violations are sized with it).
SEVERITY_WEIGHT: Mapping[str, int] = MappingProxyType({"low": 4, "medium": 8, "high": 16, "critical": 16})

#: Amazon's published facts, the same in every world.
START_RATING = 200
FLOOR_WITHOUT_SERIOUS_VIOLATIONS = 200
CRITICAL_OVERRIDE_RATING = 0
WINDOW_DAYS = 180
MIN_RATING, MAX_RATING = 0, 1000
#: The volume credit's orders per step in the published rule of thumb ("+4 points per 200 orders").
ORDERS_PER_STEP = 200


class OpenViolation(Protocol):
    category: str
    opened: date
    defects: int


def severity_of(category: str) -> str:
    return CATEGORY_SEVERITY.get(category, "low")


@dataclass(frozen=True)
class RatingRules:
    """One world's hidden rating formula. Points are per violation (one unit of ``defectsCount``)."""

    points_per_violation: Mapping[str, int]
    """category (Amazon's key) -> points one open violation costs (before fading)."""
    points_by: str = "severity"
    """``severity``: every category of a severity costs the same; ``category``: each its own points."""
    volume_points_per_step: int = 4
    """Points per ``volume_orders_per_step`` orders in the last 180 days."""
    volume_orders_per_step: int = ORDERS_PER_STEP
    volume_credit_form: str = "linear"
    """``linear``: floor(points x orders / step) (a point at a time); ``stepwise``: floor(orders / step) x
    points, with a coarse step (500 or 1,000 orders)."""
    volume_credit_cap: int = 800
    """Most points the volume can add (800 takes a 200 start to the 1,000 top of the scale)."""
    critical_delay_days: int = 0
    """Days between a critical violation opening and the rating dropping to the override."""
    fade_at_window_end: float = 1.0
    """Share of a violation's points still counted when it is 180 days old (linear in age; 1 = no fade)."""
    noise_points: int = 0
    """Day-to-day noise: a deterministic integer in [-noise_points, noise_points] per account x marketplace x day."""
    start_rating: int = START_RATING
    floor_without_serious_violations: int = FLOOR_WITHOUT_SERIOUS_VIOLATIONS
    critical_override_rating: int = CRITICAL_OVERRIDE_RATING
    seed: int = field(default=DEFAULT_SEED, compare=False)

    def volume_credit(self, orders_180d: int) -> int:
        """Points the 180-day order volume adds, capped."""
        if self.volume_credit_form == "stepwise":
            credit = (orders_180d // self.volume_orders_per_step) * self.volume_points_per_step
        else:
            credit = self.volume_points_per_step * orders_180d // self.volume_orders_per_step
        return min(self.volume_credit_cap, credit)

    def fade(self, age_days: int) -> float:
        """Share of a violation's points counted at ``age_days`` (0 = opened today)."""
        if self.fade_at_window_end >= 1.0:
            return 1.0
        return 1.0 - (1.0 - self.fade_at_window_end) * min(max(age_days, 0), WINDOW_DAYS) / WINDOW_DAYS

    def deduction(self, violation: OpenViolation, day: date) -> float:
        """Points one open violation record (``defects`` violations of a category) costs on ``day``."""
        points = self.points_per_violation.get(violation.category, 0)
        return violation.defects * points * self.fade((day - violation.opened).days)

    def is_override_active(self, open_violations: Iterable[OpenViolation], day: date) -> bool:
        return any(
            severity_of(v.category) == "critical" and (day - v.opened).days >= self.critical_delay_days
            for v in open_violations
        )

    def score(self, orders_180d: int, open_violations: list[OpenViolation], day: date, noise: int = 0) -> int:
        """The rating on ``day`` from the 180-day order volume and the violations open (and < 180 days old)."""
        if self.is_override_active(open_violations, day):
            return self.critical_override_rating
        value = (
            self.start_rating
            + self.volume_credit(orders_180d)
            - sum(self.deduction(v, day) for v in open_violations)
            + noise
        )
        if all(severity_of(v.category) == "low" for v in open_violations):
            value = max(value, self.floor_without_serious_violations)
        return int(round(min(MAX_RATING, max(MIN_RATING, value))))

    def noise(self, *parts: object) -> int:
        """The day's deterministic noise for ``parts`` (account, marketplace, day)."""
        if not self.noise_points:
            return 0
        return _rng(self.seed, *parts, "rating-noise").randint(-self.noise_points, self.noise_points)

    def misspecifications(self) -> list[str]:
        """Effects of these rules that the warehouse's estimate (points per violation and category, a
        linear capped credit per 200 orders, floor, override and its delay) cannot express."""
        found = []
        if self.fade_at_window_end < 1.0:
            found.append(f"points fade to {self.fade_at_window_end:.0%} at 180 days")
        if self.volume_credit_form == "stepwise":
            found.append(f"stepwise credit (+{self.volume_points_per_step} per {self.volume_orders_per_step} orders)")
        if self.noise_points:
            found.append(f"noise +/-{self.noise_points} points")
        return found

    def describe(self) -> str:
        """One line for the evaluation table: what this world's hidden formula is."""
        by_severity: dict[str, set[int]] = {}
        for category, points in self.points_per_violation.items():
            by_severity.setdefault(severity_of(category), set()).add(points)
        points = ", ".join(
            f"{sev} {'/'.join(str(p) for p in sorted(values))}"
            for sev, values in sorted(by_severity.items(), key=lambda kv: list(SEVERITY_WEIGHT).index(kv[0]))
            if sev != "critical"
        )
        credit = (
            f"+{self.volume_points_per_step}/{self.volume_orders_per_step} orders"
            f"{' stepwise' if self.volume_credit_form == 'stepwise' else ''} cap {self.volume_credit_cap}"
        )
        delay = f"critical after {self.critical_delay_days} d" if self.critical_delay_days else "critical at once"
        return f"points by {self.points_by} ({points}); credit {credit}; {delay}"


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


#: The rules the sandbox always had (the default seed's draw): low 4, medium 8, high 16 points per
#: violation, +4 points per 200 orders (a point at a time) capped at 800, override at once, no fade, no noise.
TODAYS_RULES = RatingRules(
    points_per_violation=MappingProxyType(
        {c: {"low": 4, "medium": 8, "high": 16, "critical": 16}[s] for c, s in CATEGORY_SEVERITY.items()}
    ),
)


def draw_rating_rules(seed: int) -> RatingRules:
    """The hidden rules of the world of ``seed``: :data:`TODAYS_RULES` for the default seed, else a draw."""
    if seed == DEFAULT_SEED:
        return TODAYS_RULES
    rng = _rng(seed, "rating-rules")
    points_by = "category" if rng.random() < 0.5 else "severity"
    per_severity = {sev: rng.randint(lo, hi) for sev, (lo, hi) in POINTS_RANGES.items()}
    points: dict[str, int] = {}
    for category, severity in CATEGORY_SEVERITY.items():
        drawn_from = "high" if severity == "critical" else severity
        points[category] = (
            rng.randint(*POINTS_RANGES[drawn_from]) if points_by == "category" else per_severity[drawn_from]
        )
    stepwise = rng.random() < 0.3
    points_per_step = rng.choice((3, 4, 5))
    orders_per_step = ORDERS_PER_STEP
    if stepwise:
        orders_per_step = rng.choice((500, 1000))
        points_per_step = points_per_step * orders_per_step // ORDERS_PER_STEP
    return RatingRules(
        points_per_violation=MappingProxyType(points),
        points_by=points_by,
        volume_points_per_step=points_per_step,
        volume_orders_per_step=orders_per_step,
        volume_credit_form="stepwise" if stepwise else "linear",
        volume_credit_cap=800 if rng.random() < 0.6 else rng.randrange(500, 800, 50),
        critical_delay_days=0 if rng.random() < 0.6 else rng.randint(1, 3),
        fade_at_window_end=1.0 if rng.random() < 0.7 else round(rng.uniform(0.4, 0.8), 2),
        noise_points=0 if rng.random() < 0.6 else rng.randint(1, 4),
        seed=seed,
    )
