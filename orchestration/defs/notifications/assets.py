"""``raw/notifications`` as a step of every run that takes snapshots: drain the queue into raw.

The notifications sensor drains the queue between runs; this asset drains it inside runs, after the
snapshot extraction, so a run's marts and alerts include every notification already in the queue
even where no Dagster daemon runs (``ahw run`` from cron, the demo). In the sandbox the extraction
moves the sandbox clock, which is what publishes the status changes: they are collected in the same
run. Same code as the sensor (``orchestration/notifications/intake.py``), through the run's DuckDB
connection. Without a queue (no live SQS settings, a sandbox embedded in the run) it records nothing
and says why. The daily partition is the run's; the queue has no partitions, so any run drains all.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.config import load_settings
from orchestration.defs.extraction.assets import DUCKDB_WRITER_POOL
from orchestration.defs.extraction.partitions import daily_partitions
from orchestration.defs.extraction.resources import SpApiResource
from orchestration.spapi.report_types import REPORT_TYPES

NOTIFICATIONS_KEY = dg.AssetKey(["raw", "notifications"])
#: The snapshot extractions: in the sandbox they move the clock that publishes status changes.
SNAPSHOT_KEYS = [dg.AssetKey(["raw", rt.raw_table]) for rt in REPORT_TYPES.values() if rt.is_snapshot]


def last_messages_markdown(result) -> str:
    """The messages of an intake as a Markdown table (UI metadata)."""
    lines = ["| notification | account | change | event (UTC) |", "|---|---|---|---|"]
    for n in result.recorded[-10:]:
        change = f"{n.previous_account_status} -> {n.current_account_status}" if n.current_account_status else "-"
        event = f"{n.event_time:%Y-%m-%d %H:%M}" if n.event_time else "-"
        lines.append(f"| {n.notification_id} | {n.account_id} | {change} | {event} |")
    for r in result.rejected[-10:]:
        lines.append(f"| kept aside: {r.sqs_message_id} | - | {r.reason[:80]} | - |")
    return "\n".join(lines)


@dg.asset(
    key=NOTIFICATIONS_KEY,
    deps=SNAPSHOT_KEYS,
    # Not in "extraction" (one asset per SP-API report type, the extract_reports job): SQS is another source.
    group_name="notifications",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=DUCKDB_WRITER_POOL,
    kinds={"duckdb", "sqs"},
    description="raw.notifications: SP-API notifications (ACCOUNT_STATUS_CHANGED) from the SQS queue, one row per "
    "notificationId, envelope as received; malformed messages kept aside in raw.notification_rejects. Drained by "
    "every run after its snapshots, and between runs by the account_status_notifications sensor.",
)
def notifications(context: dg.AssetExecutionContext, duckdb: DuckDBResource, spapi: SpApiResource):
    from orchestration.notifications.intake import drain
    from orchestration.notifications.queue import QueueNotConfigured, live_queue, queue_for_sandbox

    settings = load_settings()
    connection = spapi.connection
    try:
        queue = (
            live_queue(settings)
            if connection.mode == "live"
            else queue_for_sandbox(connection.endpoint.sandbox_admin_url)
        )
    except QueueNotConfigured as exc:
        context.log.info(f"no notifications collected: {exc}")
        return dg.MaterializeResult(metadata={"received": 0, "queue": "none", "why": str(exc)})
    with duckdb.get_connection() as con:
        result = drain(queue, con=con, wait_seconds=0, visibility_timeout=settings.sqs_visibility_timeout_seconds)
    for n in result.recorded:
        context.log.info(f"recorded {n.describe()}")
    for r in result.rejected:
        context.log.warning(f"kept aside in raw.notification_rejects: message {r.sqs_message_id}: {r.reason}")
    context.log.info(result.summary())
    return dg.MaterializeResult(
        metadata={
            "received": result.received,
            "recorded": len(result.recorded),
            "duplicates": result.duplicates,
            "kept_aside": len(result.rejected),
            "status_changes": len(result.status_changes),
            "queue": f"{queue.mode}: {queue.queue_arn}",
            "last_messages": dg.MetadataValue.md(last_messages_markdown(result)),
        }
    )


notification_assets = [notifications]
