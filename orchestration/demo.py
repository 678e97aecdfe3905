"""`ahw demo`: the whole loop against the sandbox, notifications and alerts included, in one process.

1. start a local SQS (moto, a child process) and a sandbox that publishes to it;
2. ``ahw notifications setup``'s code: queue, destination, one subscription per account;
3. the daily pipeline over the window (the first run of each account also extracts AHW_HISTORY_DAYS
   of orders, feedback and returns before it); its snapshot extraction moves the sandbox clock day by day,
   so the sandbox publishes the window's status changes as ACCOUNT_STATUS_CHANGED messages; its
   ``raw/notifications`` step drains the queue with the code the sensor runs (there is no daemon
   here); dbt builds ``marts.fct_alerts`` with them, and ``alerts/alert_deliveries`` delivers to
   AHW_ALERT_URLS when set.
The time steps 1 and 2 and the notification and alert steps add to the pipeline is measured.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import dagster as dg
import duckdb

from orchestration.config import Settings

#: Sandbox speed of the demo: one Amazon hour per second (as the embedded sandbox of a run).
DEMO_SPEED = 3600.0


@dataclass
class DemoResult:
    success: bool
    pipeline: dg.ExecuteInProcessResult | None = None
    published: int = 0
    recorded: int = 0
    kept_aside: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall time: sqs_start, sandbox_setup, pipeline (the rest of the run), intake and alert_deliveries
    (the run's steps notifications and alerts add)."""

    @property
    def added_seconds(self) -> float:
        """What notifications and alerts add to the pipeline run."""
        return sum(v for k, v in self.seconds.items() if k != "pipeline")


def run_demo(
    settings: Settings,
    first: date,
    last: date,
    *,
    echo: Callable[[str], None] = print,
    log_level: str = "INFO",
    logger: str = "console",
) -> DemoResult:
    """Run the demo over [first, last] into the settings' DuckDB file (sandbox mode only).

    The run is recorded in the persistent Dagster instance (``DAGSTER_HOME``); ``logger`` is the run's
    Dagster logger (``ahw_cli`` for the command line's progress bars, see orchestration/pipeline.py).
    """
    from orchestration.defs.extraction.resources import sandbox_connection
    from orchestration.notifications.queue import sandbox_queue
    from orchestration.notifications.setup import setup_notifications
    from orchestration.pipeline import run_job
    from orchestration.run_console import log_file_path, prune_logs
    from orchestration.sandbox import WorldConfig
    from orchestration.sandbox.process import SandboxProcess
    from orchestration.sandbox.sqs import SqsServer

    result = DemoResult(success=False)
    started = time.monotonic()
    with SqsServer() as sqs:
        result.seconds["sqs_start"] = time.monotonic() - started
        mark = time.monotonic()
        config = WorldConfig(seed=settings.sandbox_seed, end_date=last, volume_scale=settings.sandbox_volume_scale)
        # In a child process: the sandbox renders documents on one core while the run loads on the other.
        server = SandboxProcess(config, speed=DEMO_SPEED, token_ttl_seconds=3600 * DEMO_SPEED,
                                url_ttl_seconds=30 * DEMO_SPEED, sqs_endpoint_url=sqs.endpoint_url,
                                log_file=log_file_path(settings.log_dir, "sandbox-process"))  # fmt: skip
        prune_logs(settings.log_dir, "sandbox-process")
        with server:
            connection = sandbox_connection(server.url)
            queue = sandbox_queue(sqs.endpoint_url)
            settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
            with duckdb.connect(str(settings.duckdb_path)) as con:
                setup = setup_notifications(con, connection.endpoint, connection.accounts, queue)
            # The clock stays at the end of the world: flat-file reports are generated "now", so an
            # earlier clock would find the window's orders not yet placed. The snapshot extraction
            # sets the clock back to the window's first day and moves it forward day by day, crossing
            # (and publishing) every status change after that day's snapshot moment.
            result.seconds["sandbox_setup"] = time.monotonic() - mark
            echo(f"subscribed {len(setup.subscriptions)} account(s) to ACCOUNT_STATUS_CHANGED on {queue.queue_url}")

            mark = time.monotonic()
            result.pipeline = run_job("daily_pipeline", first, last, raise_on_error=False, sandbox_end_date=last,
                                      sandbox_url=server.url, log_level=log_level, logger=logger)  # fmt: skip
            result.seconds["pipeline"] = time.monotonic() - mark
            result.published = sum(1 for n in server.published() if n["delivered"])
    result.success = result.pipeline.success
    for step, seconds in _step_seconds(result.pipeline).items():
        result.seconds[step] = seconds
        result.seconds["pipeline"] -= seconds
    if not result.success:
        return result
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        result.recorded = con.execute("select count(*) from raw.notifications").fetchall()[0][0]
        result.kept_aside = con.execute("select count(*) from raw.notification_rejects").fetchall()[0][0]
    echo(f"notifications: {result.published} published by the sandbox, {result.recorded} recorded in raw.notifications, "
         f"{result.kept_aside} kept aside")  # fmt: skip
    return result


#: The steps of the daily run that notifications and alerts add (their wall time is reported apart).
ADDED_STEPS = {"raw__notifications": "intake", "alerts__alert_deliveries": "alert_deliveries"}


def _step_seconds(run: dg.ExecuteInProcessResult) -> dict[str, float]:
    """Wall time of the notification and delivery steps of a run (from its step success events)."""
    return {
        ADDED_STEPS[event.step_key]: event.event_specific_data.duration_ms / 1000
        for event in run.get_step_success_events()
        if event.step_key in ADDED_STEPS
    }
