from datetime import date, timedelta

import pytest

from orchestration.spapi.report_types import ORDERS, RETURNS, SELLER_PERFORMANCE
from orchestration.spapi.windows import slice_windows


def days(start: date, n: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]


@pytest.mark.parametrize(("report_type", "n", "expected_windows"), [(ORDERS, 95, 4), (RETURNS, 95, 2), (ORDERS, 30, 1)])
def test_windows_respect_the_report_limit_and_cover_every_day(report_type, n, expected_windows):
    requested = days(date(2026, 1, 1), n)
    windows = slice_windows(requested, report_type)
    assert len(windows) == expected_windows
    assert all(len(w.days) <= report_type.max_window_days for w in windows)
    assert [d for w in windows for d in w.days] == requested
    for w in windows:
        span = w.data_end_time - w.data_start_time
        assert span.days < report_type.max_window_days


def test_a_gap_starts_a_new_window_so_unrequested_days_are_never_asked_for():
    requested = days(date(2026, 1, 1), 3) + days(date(2026, 1, 10), 2)
    windows = slice_windows(list(reversed(requested)), ORDERS)
    assert [(w.first_day, w.last_day) for w in windows] == [
        (date(2026, 1, 1), date(2026, 1, 3)),
        (date(2026, 1, 10), date(2026, 1, 11)),
    ]


def test_snapshot_reports_get_one_window_per_day():
    windows = slice_windows(days(date(2026, 3, 1), 4), SELLER_PERFORMANCE)
    assert [len(w.days) for w in windows] == [1, 1, 1, 1]
    assert windows[0].data_start_time.isoformat() == "2026-03-01T00:00:00+00:00"
    assert windows[0].data_end_time.isoformat() == "2026-03-01T23:59:59+00:00"


def test_no_days_no_windows():
    assert slice_windows([], ORDERS) == []
