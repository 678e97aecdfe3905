"""Token buckets per (selling partner, operation) with Amazon's Reports API usage plans.

Why it exists: the extractor must survive 429s the way it would against Amazon, so the sandbox
throttles with the published rates and bursts. Rates are multiplied by the server's ``speed`` so a
demo running at 60x also refills 60x faster.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class UsagePlan:
    rate: float
    """Requests per second (Amazon's published value, before the speed factor)."""
    burst: int


#: Reports API 2021-06-30 usage plans (Amazon's Reports API usage plans; cancelReport from Amazon's docs).
USAGE_PLANS: dict[str, UsagePlan] = {
    "createReport": UsagePlan(0.0167, 15),
    "getReport": UsagePlan(2.0, 15),
    "getReports": UsagePlan(0.0222, 10),
    "getReportDocument": UsagePlan(0.0167, 15),
    "cancelReport": UsagePlan(0.0222, 10),
}


class TokenBuckets:
    """Thread-safe buckets keyed by (seller_id, operation); each starts full at its burst."""

    def __init__(self, speed: float = 1.0, plans: dict[str, UsagePlan] | None = None, clock=time.monotonic):
        self.speed = speed
        self.plans = dict(plans or USAGE_PLANS)
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # key -> (tokens, last refill)

    def rate(self, operation: str) -> float:
        """Effective rate (requests/s) after the speed factor, as advertised in x-amzn-RateLimit-Limit."""
        return self.plans[operation].rate * self.speed

    def try_acquire(self, seller_id: str, operation: str) -> bool:
        """Take one token; False means the caller must answer 429 QuotaExceeded."""
        plan = self.plans[operation]
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get((seller_id, operation), (float(plan.burst), now))
            tokens = min(float(plan.burst), tokens + (now - last) * plan.rate * self.speed)
            if tokens >= 1.0:
                self._buckets[(seller_id, operation)] = (tokens - 1.0, now)
                return True
            self._buckets[(seller_id, operation)] = (tokens, now)
            return False

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
