"""The sensor that long-polls the notifications queue, records what arrives and triggers refreshes.

Each tick (every 30 s at most) drains the queue with the same code the demo and ``ahw notifications
poll`` use (``orchestration/notifications/intake.py``): record in ``raw.notifications`` -> commit ->
delete; malformed messages kept aside in ``raw.notification_rejects`` and reported in the tick's log.
Every account with a recorded status change that no snapshot has followed yet gets one
``account_refresh`` run for the change's day: the decision is read from the warehouse each tick
(``orchestration/notifications/refresh.py``), not from what this tick inserted, so a crash between
the commit and the tick's return, or a change recorded by a run's own drain, still gets its run. When
a run holds the DuckDB file the tick receives nothing and says so (the messages stay in the queue);
without a queue (no live SQS settings, or no running sandbox) it says what to configure.

What the UI shows: the cursor (totals, the last notification ids and event time) and the tick's
log lines (one per message and a summary). Runs also drain the queue (``assets.py``): their
``raw/notifications`` materializations carry the last messages as a table.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import dagster as dg

from orchestration.config import load_settings
from orchestration.defs.extraction.assets import ACCOUNT_TAG
from orchestration.defs.extraction.partitions import daily_partitions
from orchestration.defs.notifications.schedules import account_refresh_job

NOTIFICATION_IDS_TAG = "ahw/notification_ids"


def refresh_partition(changed_on: date, today: date | None = None) -> str:
    """The partition a fresh snapshot is filed under: the change's day, at most the latest complete day.

    Amazon serves only the current state, and the daily partitions end with yesterday (UTC): a change
    seen today refreshes yesterday's snapshot, as the 06:00 run would. Never before the first partition.
    """
    today = today or datetime.now(UTC).date()
    first = date.fromisoformat(daily_partitions.get_first_partition_key())
    return max(first, min(changed_on, today - timedelta(days=1))).isoformat()


def refresh_requests(changes, today: date | None = None) -> list[dg.RunRequest]:
    """One account_refresh run per account with a status change (its latest change decides the day)."""
    by_account: dict[str, list] = {}
    for n in changes:
        by_account.setdefault(n.account_id, []).append(n)
    requests = []
    for account, items in sorted(by_account.items()):
        latest = max(items, key=lambda n: n.publish_time or n.event_time or n.received_at)
        moment = latest.publish_time or latest.event_time or latest.received_at
        ids = sorted(n.notification_id for n in items)
        requests.append(
            dg.RunRequest(
                run_key=f"{account}:{ids[0]}:{len(ids)}",
                partition_key=refresh_partition(moment.date(), today),
                tags={ACCOUNT_TAG: account, NOTIFICATION_IDS_TAG: ",".join(ids)[:1000]},
            )
        )
    return requests


@dg.sensor(
    name="account_status_notifications",
    job=account_refresh_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Long-polls the SQS queue of SP-API notifications, records them in raw.notifications (nothing "
    "lost or doubled), keeps malformed ones aside, and starts an account_refresh run per account whose status "
    "changed.",
)
def account_status_notifications(context: dg.SensorEvaluationContext):
    from orchestration.notifications.intake import WarehouseBusy, drain, queue_depth
    from orchestration.notifications.queue import QueueNotConfigured, queue_from_settings
    from orchestration.notifications.refresh import read_pending, to_request

    settings = load_settings()
    cursor = json.loads(context.cursor) if context.cursor else {}
    asked = cursor.get("refresh_requested", [])
    try:
        queue = queue_from_settings(settings)
    except QueueNotConfigured as exc:
        return dg.SkipReason(str(exc))
    try:
        result = drain(
            queue,
            settings.duckdb_path,
            wait_seconds=settings.sqs_wait_seconds,
            visibility_timeout=settings.sqs_visibility_timeout_seconds,
            time_budget_seconds=40,
        )
    except WarehouseBusy as exc:
        depth = queue_depth(queue)
        waiting = f"{depth} message(s)" if depth is not None else "the messages"
        text = f"{exc}: {waiting} left in the queue, received again after the visibility timeout"
        context.log.info(text)
        return dg.SkipReason(text)
    for n in result.recorded:
        context.log.info(f"recorded {n.describe()}")
    for r in result.rejected:
        context.log.warning(f"kept aside in raw.notification_rejects: message {r.sqs_message_id}: {r.reason}")
    cursor = {
        "recorded_total": cursor.get("recorded_total", 0) + len(result.recorded),
        "rejected_total": cursor.get("rejected_total", 0) + len(result.rejected),
        "duplicates_total": cursor.get("duplicates_total", 0) + result.duplicates,
        "last_notification_ids": ([n.notification_id for n in result.recorded] + cursor.get("last_notification_ids", []))[:5],
        "last_event_time": max([n.event_time.isoformat() for n in result.recorded if n.event_time]
                               + [cursor.get("last_event_time", "")]),
        "last_received_at": datetime.now(UTC).isoformat() if result.received else cursor.get("last_received_at"),
    }  # fmt: skip
    # What still waits for a refresh, from the warehouse (see refresh.py); None when a run holds the file.
    pending = read_pending(settings.duckdb_path)
    new = [] if pending is None else to_request(pending, asked)
    if pending is not None:  # forget what a snapshot has since followed; remember what is asked now
        still = {p.notification_id for p in pending}
        cursor["refresh_requested"] = sorted({i for i in asked if i in still} | {p.notification_id for p in new})
    else:
        cursor["refresh_requested"] = asked
    requests = refresh_requests(new)
    if not result.received and not requests:
        return dg.SensorResult(skip_reason=dg.SkipReason("queue empty"), cursor=json.dumps(cursor))
    context.log.info(f"{result.summary()}; {len(requests)} account_refresh run(s) requested")
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(cursor))
