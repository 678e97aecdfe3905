"""The Dagster code location: assembles the stages under defs/ and applies project-wide policy."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.alerts.assets import alert_assets
from orchestration.defs.alerts.schedules import alerts_job
from orchestration.defs.alerts.sensors import alerts_after_failed_run
from orchestration.defs.calibration.assets import calibration_assets
from orchestration.defs.exports.assets import export_assets
from orchestration.defs.extraction.assets import report_assets
from orchestration.defs.extraction.resources import SpApiResource, duckdb_resource
from orchestration.defs.extraction.schedules import daily_pipeline_job, daily_pipeline_schedule, extraction_job
from orchestration.defs.loggers import loggers
from orchestration.defs.notifications.assets import notification_assets
from orchestration.defs.notifications.schedules import account_refresh_job
from orchestration.defs.notifications.sensors import account_status_notifications
from orchestration.defs.reports.assets import html_report_assets
from orchestration.defs.transformation.assets import dbt_model_assets
from orchestration.defs.transformation.checks import mart_checks
from orchestration.defs.transformation.resources import dbt_resource
from orchestration.instance_storage import enable_event_batching

# Runs launched by the UI or the daemon execute in processes that import these definitions: their
# per-partition asset events are written in batches too (see orchestration/instance_storage.py).
enable_event_batching()

defs = dg.Definitions(
    assets=[
        *report_assets,
        *notification_assets,
        *calibration_assets,
        *dbt_model_assets,
        *export_assets,
        *html_report_assets,
        *alert_assets,
    ],
    asset_checks=mart_checks,
    jobs=[extraction_job, daily_pipeline_job, account_refresh_job, alerts_job],
    schedules=[daily_pipeline_schedule],
    sensors=[account_status_notifications, alerts_after_failed_run],
    # In-process for every job, also the implicit one the UI and backfills use: the DuckDB file has one
    # writer anyway, and a process per step would pay Dagster's and the sandbox's start-up each time.
    executor=dg.in_process_executor,
    resources={"duckdb": duckdb_resource(), "spapi": SpApiResource(), "dbt": dbt_resource()},
    # Dagster's console logger by default; the command line's logger (progress bars, log file) on request.
    loggers=loggers,
)
