"""Jobs over the daily partitions and the schedule that runs them each morning (UTC).

``daily_pipeline`` is the main job: extraction, then everything downstream of it. It runs
in-process: there is one DuckDB writer anyway, and the sandbox clock is moved per snapshot day
within a run.
"""

from __future__ import annotations

import dagster as dg

from orchestration.defs.extraction.partitions import daily_partitions

extraction_job = dg.define_asset_job(
    "extract_reports",
    selection=dg.AssetSelection.groups("extraction"),
    partitions_def=daily_partitions,
    executor_def=dg.in_process_executor,
    description="Extract every SP-API report type for the partition's day(s) into raw.",
)

daily_pipeline_job = dg.define_asset_job(
    "daily_pipeline",
    selection=dg.AssetSelection.all(),
    partitions_def=daily_partitions,
    executor_def=dg.in_process_executor,
    description="The main job: extract the day's reports into raw, then build everything downstream.",
)

daily_pipeline_schedule = dg.build_schedule_from_partitioned_job(
    daily_pipeline_job,
    hour_of_day=6,
    minute_of_hour=0,
    name="daily_pipeline_schedule",
    # Monitoring starts with the daemon: a user who starts Dagster gets the daily run without a click.
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
