"""Intake from a real local SQS into DuckDB: one row per notificationId whatever SQS does.

Duplicates, out-of-order delivery, a malformed body and a foreign subscription come from the
sandbox's fault switches; a crash between commit and delete is a real subprocess killed with SIGKILL;
a warehouse locked by another process leaves the queue untouched.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import dagster as dg
import duckdb
import httpx
import pytest

from orchestration.defs.extraction.assets import ACCOUNT_TAG
from orchestration.defs.extraction.resources import sandbox_connection
from orchestration.notifications.intake import drain, queue_depth
from orchestration.notifications.queue import sandbox_queue
from orchestration.notifications.setup import setup_notifications, subscription_map
from orchestration.sandbox import Fault


def set_clock(server, moment: datetime) -> None:
    httpx.put(f"{server.url}/_sandbox/clock", json={"now": moment.isoformat()}, timeout=10).raise_for_status()


def midnight(day) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def rows(path, sql):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def subscribed(sandbox, tmp_path, request):
    """A warehouse file with the subscriptions of every sandbox account on a queue of this test's own."""
    queue = sandbox_queue(sandbox.notifications.sqs_endpoint_url, queue_name=f"intake-{request.node.name[:40]}")
    connection = sandbox_connection(sandbox.url)
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        result = setup_notifications(con, connection.endpoint, connection.accounts, queue)
        # Idempotent: a second set-up creates nothing and keeps the same subscriptions.
        again = setup_notifications(con, connection.endpoint, connection.accounts, queue)
        assert again.created == [] and again.subscriptions == result.subscriptions
        assert subscription_map(con) == {v: k for k, v in result.subscriptions.items()}
    return queue, path, result


def test_duplicates_out_of_order_malformed_and_foreign_messages_leave_one_row_per_notification(sandbox, subscribed):
    queue, path, setup = subscribed
    world = sandbox.world
    for fault in (
        Fault("out_of_order_delivery", seller_id="A3COBALTGADG03"),  # the AT_RISK change arrives after DEACTIVATED
        Fault("duplicate_delivery", seller_id="A3COBALTGADG03"),  # the DEACTIVATED change arrives twice
        Fault("malformed_body", marketplace_id="A13V1IB3VIYZZH"),
        Fault("unknown_subscription", marketplace_id="A1PA6795UKMFR9"),
    ):
        sandbox.faults.add(fault)
    set_clock(sandbox, midnight(world.end_date - timedelta(days=60)))
    set_clock(sandbox, midnight(world.end_date) - timedelta(hours=1))
    published = sandbox.notifications.published()
    changes = world.account_status_changes(world.end_date - timedelta(days=59), world.end_date - timedelta(days=1))
    assert len(published) == len(changes) + 1  # one change sent twice
    cobalt = [n for n in published if n["account"] == "cobalt-gadgets"]
    assert [n["currentAccountStatus"] for n in cobalt] == ["DEACTIVATED", "DEACTIVATED", "AT_RISK"]

    result = drain(queue, path, wait_seconds=1)
    # the malformed and the foreign message are one change each (GB's and IT's, below)
    faulted = {"A13V1IB3VIYZZH", "A1PA6795UKMFR9"}
    expected = [(a, before, after) for a, m, _, before, after in changes if m not in faulted]
    assert len(changes) - len(expected) == 2
    assert result.received == len(published)
    assert (len(result.recorded), result.duplicates, len(result.rejected)) == (len(expected), 1, 2)
    reasons = sorted(r.reason.split(" ")[0] for r in result.rejected)
    assert reasons == ["body", "unknown"]  # "body is not JSON", "unknown subscription ..."
    stored = rows(path, "select notification_id, account_id, previous_account_status, current_account_status, "
                        "event_time from raw.notifications order by event_time")  # fmt: skip
    good = [n for n in published if n["fault"] in (None, "duplicate_delivery", "out_of_order_delivery")]
    assert {r[0] for r in stored} == {n["notificationId"] for n in good}
    assert [(r[1], r[2], r[3]) for r in stored] == expected
    assert ("cobalt-gadgets", "AT_RISK", "DEACTIVATED") in expected
    kept = rows(path, "select body, reason, subscription_id from raw.notification_rejects order by reason")
    malformed = next(n for n in published if n["fault"] == "malformed_body")
    foreign = next(n for n in published if n["fault"] == "unknown_subscription")
    assert kept[0][0] and not kept[0][0].endswith("}")  # the cut body, exactly as received
    assert kept[1][2] == foreign["subscriptionId"] and foreign["subscriptionId"] not in setup.subscriptions.values()
    assert malformed["notificationId"] not in {r[0] for r in stored}
    # Nothing blocks the queue: it is empty, and the envelopes are kept as received.
    assert queue_depth(queue) == 0
    envelope = json.loads(rows(path, "select envelope from raw.notifications limit 1")[0][0])
    assert set(envelope) == {"notificationVersion", "notificationType", "payloadVersion", "eventTime", "payload",
                             "notificationMetadata"}  # fmt: skip
    # A redelivery of a recorded message (what SQS may do) is a duplicate, not a row.
    sqs = queue.client()
    sqs.send_message(QueueUrl=queue.queue_url, MessageBody=rows(path, "select envelope from raw.notifications")[0][0])
    again = drain(queue, path, wait_seconds=1)
    assert (again.received, len(again.recorded), again.duplicates) == (1, 0, 1)
    assert rows(path, "select count(*) from raw.notifications") == [(len(expected),)]


KILLED_DRAIN = """
import sys, time
from pathlib import Path
from orchestration.notifications.intake import drain
from orchestration.notifications.queue import sandbox_queue

def pause(batch):
    print("COMMITTED", len(batch), flush=True)
    time.sleep(120)  # killed here: recorded and committed, not yet deleted from the queue

drain(sandbox_queue(sys.argv[1], queue_name=sys.argv[2]), Path(sys.argv[3]), wait_seconds=1,
      visibility_timeout=2, on_committed=pause)
"""


def test_a_crash_between_record_and_delete_loses_nothing_and_doubles_nothing(sandbox, subscribed):
    queue, path, _ = subscribed
    critical = sandbox.world.critical_date("cobalt-gadgets")
    set_clock(sandbox, midnight(critical) - timedelta(hours=1))
    set_clock(sandbox, midnight(critical + timedelta(days=10)) + timedelta(hours=1))
    sent = {n["notificationId"] for n in sandbox.notifications.published()}
    assert len(sent) == 2

    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_DRAIN, queue.endpoint_url, queue.queue_name, str(path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert child.stdout.readline().split() == ["COMMITTED", "2"]
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    # Recorded before the kill, still in the queue (in flight) after it.
    assert {r[0] for r in rows(path, "select notification_id from raw.notifications")} == sent
    assert queue_depth(queue) == 2
    time.sleep(2.5)  # the visibility timeout of the killed receive ends
    after = drain(queue, path, wait_seconds=1)
    assert (after.received, len(after.recorded), after.duplicates, after.deleted) == (2, 0, 2, 2)
    assert rows(path, "select count(*), count(distinct notification_id) from raw.notifications") == [(2, 2)]
    assert queue_depth(queue) == 0


LOCKER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("LOCKED", flush=True)
time.sleep(120)
"""


def test_the_sensor_leaves_the_queue_alone_while_a_run_holds_the_warehouse(sandbox, subscribed, monkeypatch):
    from orchestration.defs.notifications.sensors import account_status_notifications

    queue, path, _ = subscribed
    monkeypatch.setenv("AHW_SANDBOX_URL", sandbox.url)
    monkeypatch.setenv("AHW_DUCKDB_PATH", str(path))
    monkeypatch.setenv("AHW_SQS_WAIT_SECONDS", "1")
    # The sensor polls the settings' queue (the sandbox's default name): subscribe it there too.
    default = sandbox_queue(sandbox.notifications.sqs_endpoint_url)
    connection = sandbox_connection(sandbox.url)
    with duckdb.connect(str(path)) as con:
        setup_notifications(con, connection.endpoint, connection.accounts, default)
    critical = sandbox.world.critical_date("cobalt-gadgets")
    set_clock(sandbox, midnight(critical) - timedelta(hours=1))
    set_clock(sandbox, midnight(critical) + timedelta(hours=1))
    waiting = queue_depth(default)
    assert waiting == 1

    locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout.readline().strip() == "LOCKED"
        with dg.build_sensor_context() as context:
            skipped = account_status_notifications(context)
        assert isinstance(skipped, dg.SkipReason)
        assert "locked" in skipped.skip_message and f"{waiting} message(s) left in the queue" in skipped.skip_message
        assert queue_depth(default) == waiting  # nothing received, nothing hidden
    finally:
        locker.kill()
        locker.wait(timeout=10)

    with dg.build_sensor_context() as context:
        result = account_status_notifications(context)
    (request,) = result.run_requests
    assert request.tags[ACCOUNT_TAG] == "cobalt-gadgets" and request.partition_key == critical.isoformat()
    cursor = json.loads(result.cursor)
    assert cursor["recorded_total"] == 1 and len(cursor["last_notification_ids"]) == 1
    assert rows(path, "select account_id, current_account_status from raw.notifications") == [
        ("cobalt-gadgets", "AT_RISK")
    ]
    with dg.build_sensor_context(cursor=result.cursor) as context:
        quiet = account_status_notifications(context)
    assert not quiet.run_requests and json.loads(quiet.cursor)["recorded_total"] == 1


class _RunStartsDuringTheReceive:
    """The real SQS client; a run (another process) takes the warehouse while a receive is under way."""

    def __init__(self, client, path):
        self.client, self.path, self.locker = client, path, None

    def receive_message(self, **kwargs):
        response = self.client.receive_message(**kwargs)
        if self.locker is None:
            self.locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(self.path)], stdout=subprocess.PIPE,
                                           text=True)  # fmt: skip
            assert self.locker.stdout.readline().strip() == "LOCKED"
        return response

    def __getattr__(self, name):
        return getattr(self.client, name)


def test_messages_received_just_before_a_run_takes_the_warehouse_go_back_to_the_queue(sandbox, subscribed):
    from orchestration.notifications.intake import WarehouseBusy

    queue, path, _ = subscribed
    critical = sandbox.world.critical_date("cobalt-gadgets")
    set_clock(sandbox, midnight(critical) - timedelta(hours=1))
    set_clock(sandbox, midnight(critical) + timedelta(hours=1))
    racing = _RunStartsDuringTheReceive(queue.client(), path)
    try:
        with pytest.raises(WarehouseBusy, match="locked"):
            drain(queue, path, wait_seconds=1, visibility_timeout=120, sqs=racing)
    finally:
        racing.locker.kill()
        racing.locker.wait(timeout=10)
    assert rows(path, "select count(*) from raw.notifications") == [(0,)]
    # Visible again at once, not after the 120 s visibility timeout: the next poll records it.
    after = drain(queue, path, wait_seconds=0)
    assert (after.received, len(after.recorded)) == (1, 1)
