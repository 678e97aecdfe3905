"""Benchmark: notifications in, alerts out, against the sandbox and a real local SQS (moto).

Prints:
1. intake throughput: messages per second the intake (the sensor's code) records from a full queue,
   for fresh messages and for redelivered duplicates;
2. notification latency, publish -> alert delivered: the sandbox publishes the Critical account's
   ACCOUNT_STATUS_CHANGED, the sensor's tick records it and requests a refresh, the account_refresh
   run takes the fresh snapshot and rebuilds the marts, and the alert reaches a local webhook; each
   part's wall time (the wait for the next sensor tick, at most its 30 s interval, is not included:
   the bench ticks right after publishing);
3. alerts raised over the demo window, by kind (open and resolved episodes of marts.fct_alerts),
   from a warehouse the demo built (``--warehouse``, default ./data/warehouse.duckdb) or by running
   the demo into a temporary folder (``--demo``).

Usage: uv run python bench/bench_notifications.py [--messages 1000] [--skip-latency] [--demo] [--warehouse PATH]

A script that prints figures, not a test: timings depend on the machine. It points the settings at a
temporary folder through the environment of this process (AHW_DATA_DIR, AHW_DUCKDB_PATH, ...).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb

from orchestration.instance import write_instance_yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

END = date(2026, 6, 30)
SCALE = 0.05


def _envelope(subscription_id: str, status: str, previous: str) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return json.dumps({
        "notificationVersion": "2021-01-01", "notificationType": "ACCOUNT_STATUS_CHANGED",
        "payloadVersion": "2021-01-01", "eventTime": now,
        "payload": {"accountStatusChangeNotification": {"previousAccountStatus": previous,
                                                        "currentAccountStatus": status}},
        "notificationMetadata": {"applicationId": "bench", "subscriptionId": subscription_id, "publishTime": now,
                                 "notificationId": str(uuid.uuid4())},
    })  # fmt: skip


class _TimedSqs:
    """The boto3 client, timing its receive calls: moto's receive scans the whole queue (its cost grows
    with the queue's depth, Amazon's does not), so the figures separate it from the intake's own work."""

    def __init__(self, client):
        self.client, self.receive_seconds = client, 0.0

    def receive_message(self, **kwargs):
        started = time.perf_counter()
        try:
            return self.client.receive_message(**kwargs)
        finally:
            self.receive_seconds += time.perf_counter() - started

    def __getattr__(self, name):
        return getattr(self.client, name)


def intake_throughput(sqs_endpoint: str, work: Path, messages: int, depth: int = 100) -> None:
    from orchestration.notifications.intake import drain
    from orchestration.notifications.queue import sandbox_queue
    from orchestration.notifications.tables import SUBSCRIPTIONS, ensure_tables

    queue = sandbox_queue(sqs_endpoint, queue_name="bench-throughput")
    sqs = queue.client()
    sqs.create_queue(QueueName=queue.queue_name)
    path = work / "throughput.duckdb"
    with duckdb.connect(str(path)) as con:
        ensure_tables(con)
        con.execute(f"insert into {SUBSCRIPTIONS.qualified} (subscription_id, account_id) values ('bench-sub', 'acme')")
    bodies = [_envelope("bench-sub", "AT_RISK", "NORMAL") for _ in range(messages)]
    print(f"\n## Intake throughput ({messages} messages fed {depth} at a time; receive 10 -> record -> commit -> "
          "delete 10; moto SQS on 127.0.0.1)")  # fmt: skip
    print(
        "| messages | recorded | duplicates | seconds | messages/s | of which moto receive s | messages/s without it |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for label in ("fresh", "redelivered"):  # redelivered: the same notifications again, as SQS may send them
        timed = _TimedSqs(sqs)
        totals = [0, 0, 0, 0.0]
        for i in range(0, len(bodies), depth):
            for j in range(i, min(i + depth, len(bodies)), 10):
                sqs.send_message_batch(QueueUrl=queue.queue_url, Entries=[
                    {"Id": str(k), "MessageBody": b} for k, b in enumerate(bodies[j : j + 10])])  # fmt: skip
            r = drain(queue, path, wait_seconds=0, max_messages=depth * 2, time_budget_seconds=600, sqs=timed)
            totals = [totals[0] + r.received, totals[1] + len(r.recorded), totals[2] + r.duplicates,
                      totals[3] + r.elapsed_seconds]  # fmt: skip
        received, recorded, duplicates, seconds = totals
        own = seconds - timed.receive_seconds
        print(f"| {received} {label} | {recorded} | {duplicates} | {seconds:.2f} | {received / seconds:.0f} | "
              f"{timed.receive_seconds:.2f} | {received / own:.0f} |")  # fmt: skip


class _Receiver(BaseHTTPRequestHandler):
    arrivals: list[tuple[float, dict]] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        _Receiver.arrivals.append((time.time(), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def latency(sqs_endpoint: str, work: Path) -> None:
    import dagster as dg
    import httpx

    from orchestration.config import load_settings
    from orchestration.defs.extraction.resources import sandbox_connection
    from orchestration.defs.notifications.sensors import account_status_notifications
    from orchestration.notifications.queue import sandbox_queue
    from orchestration.notifications.setup import setup_notifications
    from orchestration.pipeline import run_job
    from orchestration.sandbox import SandboxServer, World, WorldConfig

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    world = World(WorldConfig(end_date=END, volume_scale=SCALE))
    with SandboxServer(world, speed=3600, token_ttl_seconds=3600 * 3600, url_ttl_seconds=30 * 3600,
                       sqs_endpoint_url=sqs_endpoint) as sandbox:  # fmt: skip
        os.environ.update({
            "AHW_DATA_DIR": str(work / "latency"), "AHW_DUCKDB_PATH": str(work / "latency" / "warehouse.duckdb"),
            "AHW_SANDBOX_URL": sandbox.url, "AHW_SQS_WAIT_SECONDS": "1",
            "AHW_ALERT_URLS": f"json://127.0.0.1:{httpd.server_address[1]}/alerts",
        })  # fmt: skip
        settings = load_settings()
        settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
        connection = sandbox_connection(sandbox.url)
        with duckdb.connect(str(settings.duckdb_path)) as con:
            setup_notifications(con, connection.endpoint, connection.accounts, sandbox_queue(sqs_endpoint))
        critical = world.critical_date("cobalt-gadgets")
        eve = datetime.combine(critical, datetime.min.time(), tzinfo=UTC) - timedelta(hours=1)
        httpx.put(f"{sandbox.url}/_sandbox/clock", json={"now": eve.isoformat()}).raise_for_status()
        httpx.put(f"{sandbox.url}/_sandbox/clock", json={"now": (eve + timedelta(hours=2)).isoformat()})
        published = sandbox.notifications.published()[0]["sentAtWall"]
        tick_started = time.time()
        with dg.build_sensor_context() as context:
            tick = account_status_notifications(context)
        recorded = time.time()
        (request,) = tick.run_requests
        day = date.fromisoformat(request.partition_key)
        run = run_job("account_refresh", day, day, tags=request.tags, log_level="WARNING")
        finished = time.time()
    httpd.shutdown()
    status = [t for t, body in _Receiver.arrivals if "Account status changed" in body.get("title", "")]
    if not run.success or not status:
        print(f"\nlatency: the refresh run failed or no status alert arrived (run success {run.success})")
        return
    steps = {e.step_key: e.event_specific_data.duration_ms / 1000 for e in run.get_step_success_events()}
    print("\n## Notification latency, publish -> status alert delivered (sandbox, scale 0.05 world)")
    print(f"- sent to SQS -> sensor tick started: {tick_started - published:.2f} s (the bench ticks at once; a daemon "
          "ticks every 30 s)")  # fmt: skip
    print(f"- sensor tick (receive, record, commit, delete, request): {recorded - tick_started:.2f} s")
    print(f"- account_refresh run (fresh snapshot of one account, raw gate, dbt build, mart gates, exports, alerts): "
          f"{finished - recorded:.2f} s, of which dbt {steps.get('dbt_models', 0):.1f} s, snapshot "
          f"{steps.get('raw__seller_performance', 0):.1f} s, delivery {steps.get('alerts__alert_deliveries', 0):.2f} s")  # fmt: skip
    print(f"- publish -> alert received by the webhook: **{status[0] - published:.1f} s**")


def alerts_by_kind(path: Path) -> None:
    with duckdb.connect(str(path), read_only=True) as con:
        window = con.execute("select min(snapshot_date), max(snapshot_date) from marts.fct_account_health_snapshots")
        first, last = window.fetchall()[0]
        rows = con.execute(
            "select kind, count(*) filter (where status = 'open'), count(*) filter (where status = 'resolved'), "
            "count(*) filter (where severity = 'critical'), count(*) from marts.fct_alerts group by kind order by kind"
        ).fetchall()
        notifications = con.execute("select count(*) from raw.notifications").fetchall()[0][0]
    print(f"\n## Alerts raised over the demo window {first}..{last} ({path}; {notifications} notification(s) recorded)")
    print("| kind | open | resolved | critical | episodes |")
    print("|---|---:|---:|---:|---:|")
    for kind, opened, resolved, critical, total in rows:
        print(f"| {kind} | {opened} | {resolved} | {critical} | {total} |")
    print(f"| **all** | {sum(r[1] for r in rows)} | {sum(r[2] for r in rows)} | {sum(r[3] for r in rows)} | "
          f"{sum(r[4] for r in rows)} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1000, help="messages in the throughput queue")
    parser.add_argument("--skip-latency", action="store_true", help="skip the publish -> alert run (~1 min)")
    parser.add_argument("--demo", action="store_true", help="run `ahw demo` (30 days) into a temp folder first")
    parser.add_argument("--warehouse", type=Path, default=REPO / "data" / "warehouse.duckdb",
                        help="warehouse the demo built (alerts by kind)")  # fmt: skip
    args = parser.parse_args()
    from orchestration.sandbox.sqs import SqsServer

    work = Path(tempfile.mkdtemp(prefix="bench_notifications_"))
    home = work / "dagster_home"
    home.mkdir()
    write_instance_yaml(home)  # the project's instance settings, as `ahw` writes them
    os.environ["DAGSTER_HOME"] = str(home)
    started = time.monotonic()
    with SqsServer() as sqs:
        print(f"local SQS (moto) ready in {time.monotonic() - started:.2f} s")
        intake_throughput(sqs.endpoint_url, work, args.messages)
        if not args.skip_latency:
            latency(sqs.endpoint_url, work)
    warehouse = args.warehouse
    if args.demo:
        import subprocess

        env = {**os.environ, "AHW_DATA_DIR": str(work / "demo"), "AHW_DUCKDB_PATH": str(work / "demo" / "w.duckdb")}
        for key in ("AHW_SANDBOX_URL", "AHW_ALERT_URLS"):
            env.pop(key, None)
        demo = subprocess.run([sys.executable, "-m", "orchestration.cli", "demo"], env=env, capture_output=True,
                              text=True, check=False)  # fmt: skip
        line = [x for x in demo.stdout.splitlines() if x.startswith(("demo succeeded", "demo failed"))]
        print(f"\n{line[0] if line else demo.stderr[-2000:]}")
        warehouse = work / "demo" / "w.duckdb"
    if warehouse.exists():
        alerts_by_kind(warehouse)
    else:
        print(f"\nno warehouse at {warehouse}: run `make demo` first, or pass --demo")


if __name__ == "__main__":
    main()
