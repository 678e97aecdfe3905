"""Client-side token buckets per (seller, operation), so normal runs never see a 429.

Amazon throttles per application and selling partner with a token bucket per operation (rates and
bursts from the Reports API usage plans, docs/amazon.md). Mirroring those buckets on our side
lets many sellers proceed in parallel while each one stays within its own plan.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class UsagePlan:
    rate_per_second: float
    burst: int


#: Reports API 2021-06-30 usage plans (Amazon's published defaults).
REPORTS_USAGE_PLANS: dict[str, UsagePlan] = {
    "createReport": UsagePlan(0.0167, 15),
    "getReport": UsagePlan(2.0, 15),
    "getReports": UsagePlan(0.0222, 10),
    "cancelReport": UsagePlan(0.0222, 10),
    "getReportDocument": UsagePlan(0.0167, 15),
}


class TokenBucket:
    """A thread-safe token bucket; ``acquire`` blocks until a token is available."""

    def __init__(self, rate_per_second: float, burst: int, *, clock=time.monotonic, sleep=time.sleep):
        if rate_per_second <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate_per_second
        self.burst = burst
        self._tokens = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def try_acquire(self) -> float:
        """Take a token if one is there and return 0, else return the seconds until one is."""
        with self._lock:
            self._refill()
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate

    def acquire(self) -> float:
        """Block until a token is taken; return the seconds spent waiting."""
        waited = 0.0
        while True:
            wait = self.try_acquire()
            if wait == 0.0:
                return waited
            self._sleep(wait)
            waited += wait

    def drain(self) -> None:
        """Empty the bucket: after a 429 the server's bucket is empty too, so ours should be."""
        with self._lock:
            self._refill()
            self._tokens = 0.0


class RateLimiter:
    """One bucket per (selling partner, operation), created on first use.

    ``speed`` scales every rate (the sandbox runs its clock faster so tests stay quick); ``headroom``
    keeps us slightly under the server's rate so clock skew between the two sides does not cause 429s.
    """

    def __init__(self, plans: dict[str, UsagePlan] | None = None, *, speed: float = 1.0, headroom: float = 0.9):
        self.plans = plans or REPORTS_USAGE_PLANS
        self.speed = speed
        self.headroom = headroom
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def bucket(self, seller_id: str, operation: str) -> TokenBucket:
        key = (seller_id, operation)
        with self._lock:
            if key not in self._buckets:
                plan = self.plans[operation]
                # One token below Amazon's burst: the server may count a request we timed out on.
                burst = max(1, plan.burst - 1)
                self._buckets[key] = TokenBucket(plan.rate_per_second * self.speed * self.headroom, burst)
            return self._buckets[key]

    def acquire(self, seller_id: str, operation: str) -> float:
        return self.bucket(seller_id, operation).acquire()
