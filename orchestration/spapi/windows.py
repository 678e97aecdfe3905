"""Turn the partition dates of a run into request windows a report type accepts.

Order reports accept at most 30 days per request and returns 60 (report_types.py). A backfill run
covering months becomes a handful of requests instead of one per day, which matters when
createReport refills at one request a minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from orchestration.spapi.report_types import ReportType


@dataclass(frozen=True)
class RequestWindow:
    first_day: date
    last_day: date

    @property
    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=i) for i in range((self.last_day - self.first_day).days + 1)]

    @property
    def data_start_time(self) -> datetime:
        return datetime.combine(self.first_day, time.min, tzinfo=UTC)

    @property
    def data_end_time(self) -> datetime:
        return datetime.combine(self.last_day, time(23, 59, 59), tzinfo=UTC)

    def __str__(self) -> str:
        if self.first_day == self.last_day:
            return self.first_day.isoformat()
        return f"{self.first_day.isoformat()}..{self.last_day.isoformat()}"


def slice_windows(days: list[date], report_type: ReportType) -> list[RequestWindow]:
    """Group dates into the fewest windows of consecutive days within the report type's limit.

    Snapshot reports get one window per day: each day is a separate snapshot. Gaps between dates
    start a new window, so a request never asks for days the run was not asked to load.
    """
    if not days:
        return []
    ordered = sorted(set(days))
    limit = 1 if report_type.is_snapshot else (report_type.max_window_days or 1)
    windows: list[RequestWindow] = []
    start = prev = ordered[0]
    for day in ordered[1:]:
        if day != prev + timedelta(days=1) or (day - start).days + 1 > limit:
            windows.append(RequestWindow(start, prev))
            start = day
        prev = day
    windows.append(RequestWindow(start, prev))
    return windows
