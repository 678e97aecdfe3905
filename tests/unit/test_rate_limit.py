import threading

import pytest

from orchestration.spapi.rate_limit import REPORTS_USAGE_PLANS, RateLimiter, TokenBucket


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_bucket_allows_the_burst_then_paces_at_the_rate():
    clock = FakeClock()
    bucket = TokenBucket(2.0, 5, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        assert bucket.acquire() == 0.0
    waited = bucket.acquire()
    assert waited == pytest.approx(0.5)
    assert clock.now == pytest.approx(0.5)
    # ten more take five seconds at 2/s
    for _ in range(10):
        bucket.acquire()
    assert clock.now == pytest.approx(5.5)


def test_drain_forces_a_wait_after_a_429():
    clock = FakeClock()
    bucket = TokenBucket(1.0, 3, clock=clock, sleep=clock.sleep)
    bucket.drain()
    assert bucket.try_acquire() == pytest.approx(1.0)


def test_buckets_are_per_seller_and_operation_with_amazon_plans_scaled():
    limiter = RateLimiter(speed=100, headroom=1.0)
    a = limiter.bucket("SELLER_A", "createReport")
    assert a is limiter.bucket("SELLER_A", "createReport")
    assert a is not limiter.bucket("SELLER_B", "createReport")
    assert a is not limiter.bucket("SELLER_A", "getReport")
    assert a.rate == pytest.approx(REPORTS_USAGE_PLANS["createReport"].rate_per_second * 100)
    assert a.burst == REPORTS_USAGE_PLANS["createReport"].burst - 1


def test_bucket_is_thread_safe_no_token_is_handed_out_twice():
    bucket = TokenBucket(0.001, 50)
    taken = []

    def grab():
        for _ in range(20):
            if bucket.try_acquire() == 0.0:
                taken.append(1)

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(taken) == 50


def test_invalid_plans_are_rejected():
    with pytest.raises(ValueError):
        TokenBucket(0, 1)
