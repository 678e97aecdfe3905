"""The real python-amazon-sp-api client against the sandbox over HTTP, for each lifecycle case and fault."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import date

import pytest

from orchestration.sandbox import Fault
from orchestration.spapi.lifecycle import ReportError, ReportLifecycle, Timings
from orchestration.spapi.report_types import ORDERS, RETURNS, SELLER_PERFORMANCE
from orchestration.spapi.windows import RequestWindow

from .conftest import SPEED, endpoint_for

DAY = date(2026, 6, 20)
WINDOW = RequestWindow(date(2026, 6, 18), DAY)


def fast_lifecycle(endpoint, **overrides) -> ReportLifecycle:
    timings = replace(Timings().scaled(SPEED), **overrides)
    return ReportLifecycle(endpoint, timings=timings)


def acme(accounts):
    return next(a for a in accounts if a.name == "acme-home")


def tsv_rows(content: bytes) -> list[str]:
    return gzip.decompress(content).decode("utf-8").splitlines()[1:]


def test_orders_window_comes_back_as_gzip_with_the_worlds_rows(endpoint, accounts, world):
    account = acme(accounts)
    doc = fast_lifecycle(endpoint).run(ORDERS, account, "ATVPDKIKX0DER", WINDOW)
    assert doc.processing_status == "DONE" and doc.compression == "GZIP" and doc.problem is None
    expected = sum(len(world.order_item_rows("acme-home", "ATVPDKIKX0DER", d)) for d in WINDOW.days)
    assert expected > 0
    assert len(tsv_rows(doc.content)) == expected
    assert doc.stats.reports_requested == 1 and doc.stats.throttled_429 == 0


def test_a_range_without_data_is_cancelled_and_means_no_document(endpoint, accounts, world):
    before_world = RequestWindow(date(2025, 1, 1), date(2025, 1, 31))
    doc = fast_lifecycle(endpoint).run(RETURNS, acme(accounts), "ATVPDKIKX0DER", before_world)
    assert doc.processing_status == "CANCELLED" and doc.content is None
    assert doc.stats.cancelled_reports == 1


def test_snapshot_report_is_json_for_the_requested_marketplace(endpoint, accounts):
    doc = fast_lifecycle(endpoint).run(SELLER_PERFORMANCE, acme(accounts), "A2EUQ1WTGCTBG2", RequestWindow(DAY, DAY))
    assert doc.processing_status == "DONE"
    assert b"A2EUQ1WTGCTBG2" in gzip.decompress(doc.content)


def test_a_429_storm_is_backed_off_and_retried(server, endpoint, accounts):
    server.faults.add(Fault("throttle_storm", operation="createReport", times=3))
    doc = fast_lifecycle(endpoint).run(ORDERS, acme(accounts), "ATVPDKIKX0DER", WINDOW)
    assert doc.processing_status == "DONE"
    assert doc.stats.throttled_429 == 3 and doc.stats.retries == 3


@pytest.mark.parametrize("kind", ["server_error", "service_unavailable"])
def test_server_errors_are_retried_with_backoff(server, endpoint, accounts, kind):
    server.faults.add(Fault(kind, operation="getReport", times=2))
    doc = fast_lifecycle(endpoint).run(ORDERS, acme(accounts), "ATVPDKIKX0DER", WINDOW)
    assert doc.processing_status == "DONE" and doc.stats.retries == 2


def test_persistent_server_errors_fail_with_a_clear_error(server, endpoint, accounts):
    server.faults.add(Fault("server_error", operation="createReport", times=None))
    with pytest.raises(ReportError) as err:
        fast_lifecycle(endpoint, max_retries=2).run(ORDERS, acme(accounts), "ATVPDKIKX0DER", WINDOW)
    message = str(err.value)
    assert ORDERS.name in message and "acme-home" in message and "ATVPDKIKX0DER" in message
    assert "createReport failed after 2 retries" in message


def test_fatal_waits_a_cooldown_and_requests_again(server, endpoint, accounts):
    server.faults.add(Fault("fatal", report_type=ORDERS.name, times=1))
    sleeps: list[float] = []
    lifecycle = fast_lifecycle(endpoint, fatal_cooldown=0.05)
    lifecycle.sleep = lambda s: sleeps.append(s)
    doc = lifecycle.run(ORDERS, acme(accounts), "ATVPDKIKX0DER", WINDOW)
    assert doc.processing_status == "DONE"
    assert doc.stats.fatal_reports == 1 and doc.stats.reports_requested == 2
    assert 0.05 in sleeps


def test_fatal_every_time_fails_after_a_bounded_number_of_requests(server, endpoint, accounts):
    server.faults.add(Fault("fatal", report_type=ORDERS.name, times=None))
    with pytest.raises(ReportError, match="FATAL 3 times") as err:
        fast_lifecycle(endpoint, fatal_cooldown=0.01).run(ORDERS, acme(accounts), "ATVPDKIKX0DER", WINDOW)
    assert err.value.report_id is not None


def test_a_stuck_report_times_out_with_a_clear_error(server, endpoint, accounts):
    server.faults.add(Fault("stuck", report_type=ORDERS.name, times=1))
    with pytest.raises(ReportError, match="timed out") as err:
        fast_lifecycle(endpoint, report_timeout=0.5).run(ORDERS, acme(accounts), "ATVPDKIKX0DER", WINDOW)
    assert "IN_PROGRESS" in str(err.value) or "IN_QUEUE" in str(err.value)


def test_an_expired_document_url_is_fetched_again(server, endpoint, accounts):
    server.faults.add(Fault("expired_url", times=1))
    doc = fast_lifecycle(endpoint).run(ORDERS, acme(accounts), "ATVPDKIKX0DER", WINDOW)
    assert doc.processing_status == "DONE" and doc.problem is None
    assert doc.stats.url_refreshes == 1


def test_a_truncated_download_is_fetched_again(server, endpoint, accounts):
    server.faults.add(Fault("truncated_gzip", times=1))
    doc = fast_lifecycle(endpoint).run(ORDERS, acme(accounts), "ATVPDKIKX0DER", WINDOW)
    assert doc.problem is None and doc.stats.truncated_downloads == 1
    gzip.decompress(doc.content)


def test_a_document_truncated_every_time_is_kept_as_evidence_with_the_problem(server, endpoint, accounts):
    server.faults.add(Fault("truncated_gzip", times=None))
    doc = fast_lifecycle(endpoint).run(ORDERS, acme(accounts), "ATVPDKIKX0DER", WINDOW)
    assert doc.content and "truncated" in doc.problem
    assert doc.stats.truncated_downloads == Timings().download_attempts


def test_a_wrong_client_secret_is_refused_without_echoing_secrets(server, world, accounts):
    endpoint = endpoint_for(server, world, secret="not-the-secret")
    with pytest.raises(ReportError, match="invalid_client") as err:
        fast_lifecycle(endpoint).run(ORDERS, acme(accounts), "ATVPDKIKX0DER", WINDOW)
    assert "not-the-secret" not in str(err.value)
    assert acme(accounts).refresh_token() not in str(err.value)


def test_an_expired_access_token_is_renewed(world, accounts):
    from orchestration.sandbox import SandboxServer

    # Tokens live 0.05 s on the sandbox, but the client caches them for 3200 s: the server refuses,
    # the lifecycle drops its cache and asks LWA again.
    with SandboxServer(world, speed=SPEED, token_ttl_seconds=100) as short_lived:
        endpoint = endpoint_for(short_lived, world)
        lifecycle = fast_lifecycle(endpoint)
        first = lifecycle.run(ORDERS, acme(accounts), "ATVPDKIKX0DER", WINDOW)
        import time

        time.sleep(0.2)
        second = lifecycle.run(ORDERS, acme(accounts), "ATVPDKIKX0DER", WINDOW)
    assert first.processing_status == second.processing_status == "DONE"
    # the second run's first call met the expired token: one renewal counted (not a retry)
    assert second.stats.token_renewals >= 1
    assert second.stats.retries == 0


def test_client_side_limits_keep_a_busy_seller_free_of_429s(server, endpoint, accounts):
    before = sum(server.stats.snapshot()["throttled"].values())
    requests_before = server.stats.snapshot()["requests"].get("createReport", 0)
    lifecycle = fast_lifecycle(endpoint)
    account = acme(accounts)
    # 20 reports is more than createReport's burst of 15: the limiter must pace them.
    for i in range(20):
        day = date(2026, 5, 1 + i)
        lifecycle.run(SELLER_PERFORMANCE, account, "ATVPDKIKX0DER", RequestWindow(day, day))
    assert server.stats.snapshot()["requests"]["createReport"] - requests_before == 20
    assert sum(server.stats.snapshot()["throttled"].values()) == before
