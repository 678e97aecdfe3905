"""Daily partitions (UTC days) shared by every stage."""

from __future__ import annotations

import os

import dagster as dg

#: First partition; override with AHW_PARTITIONS_START for accounts with longer history.
PARTITIONS_START = os.environ.get("AHW_PARTITIONS_START", "2026-01-01")

daily_partitions = dg.DailyPartitionsDefinition(start_date=PARTITIONS_START, timezone="UTC")
