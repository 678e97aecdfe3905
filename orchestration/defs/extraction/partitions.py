"""Daily partitions (UTC days) shared by every stage."""

from __future__ import annotations

import dagster as dg

from orchestration.config import load_settings

#: First partition (AHW_PARTITIONS_START, default 2026-01-01) for accounts with longer history.
PARTITIONS_START = load_settings().partitions_start.isoformat()

daily_partitions = dg.DailyPartitionsDefinition(start_date=PARTITIONS_START, timezone="UTC")
