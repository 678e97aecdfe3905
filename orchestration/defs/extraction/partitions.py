"""Daily partitions (UTC days) shared by every stage."""

from __future__ import annotations

from datetime import date

import dagster as dg

from orchestration.config import load_settings

#: First partition (AHW_PARTITIONS_START, default 2026-01-01) for accounts with longer history.
PARTITIONS_START = load_settings().partitions_start.isoformat()

daily_partitions = dg.DailyPartitionsDefinition(start_date=PARTITIONS_START, timezone="UTC")

#: Run tags Dagster reads a single-run partition range from (what a UI backfill of a range sets).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def partition_range_tags(first_day: date, last_day: date) -> dict[str, str]:
    if last_day < first_day:
        raise ValueError(f"end {last_day} is before start {first_day}")
    return {RANGE_START_TAG: first_day.isoformat(), RANGE_END_TAG: last_day.isoformat()}
