"""A message that cannot be read never blocks the queue, and a recorded status change always gets its
refresh run.

The reproducers are breaker8's (findings F5, F6: a body of 100,000 nested brackets, an ``eventTime``
in year 9999 with an offset, a missing or unreadable ``eventTime``, a numeric ``notificationId``), sent
through a real local SQS between two good status changes. The class beyond them: any JSON value in
any field of the envelope, and any text as a body, is parsed without raising and recorded without
failing its batch (hypothesis). The refresh side: a drain killed between its commit and its return
still leads to one ``account_refresh`` request, because the sensor reads what is pending from the
warehouse (recorded changes no snapshot has followed), not from what its own call inserted.
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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.defs.extraction.assets import ACCOUNT_TAG
from orchestration.defs.extraction.resources import sandbox_connection
from orchestration.notifications.intake import Notification, Rejected, drain, parse_message, queue_depth, record_batch
from orchestration.notifications.queue import sandbox_queue
from orchestration.notifications.refresh import pending_status_changes
from orchestration.notifications.setup import setup_notifications
from orchestration.notifications.tables import ensure_tables
from orchestration.warehouse.schema import ensure_raw_schema

RECEIVED = datetime(2026, 6, 10, 2, 0)


def envelope(nid, event_time="2026-06-10T00:00:00.000Z", sub="sub-1", payload=None,
             ntype="ACCOUNT_STATUS_CHANGED") -> str:  # fmt: skip
    doc = {
        "notificationVersion": "2021-01-01",
        "notificationType": ntype,
        "payloadVersion": "2021-01-01",
        "eventTime": event_time,
        "payload": payload
        if payload is not None
        else {"accountStatusChangeNotification": {"previousAccountStatus": "NORMAL", "currentAccountStatus": "AT_RISK"}},
        "notificationMetadata": {"applicationId": "amzn1.sellerapps.app.x", "subscriptionId": sub,
                                 "publishTime": "2026-06-10T01:00:00.021Z", "notificationId": nid},
    }  # fmt: skip
    if event_time is None:
        del doc["eventTime"]
    return json.dumps(doc)


#: breaker8's cases: name -> (body, kept aside?, reason or None)
POISON = {
    "deep_json": ("[" * 100_000 + "]" * 100_000, True, "nested deeper"),
    "numeric_notification_id": (envelope(12345), True, "notificationId is not a string (a int: 12345)"),
    "not_an_object": ("[1, 2, 3]", True, "not an object (a list)"),
    "year_9999_offset": (envelope("n-bad", event_time="9999-12-31T23:00:00-05:00"), False, "not a readable"),
    "no_event_time": (envelope("n-bad", event_time=None), False, "eventTime absent"),
    "bad_event_time": (envelope("n-bad", event_time="yesterday"), False, "not a readable"),
    "event_time_far_future": (envelope("n-bad", event_time="2999-01-01T00:00:00Z"), False, "implausible"),
    "nan_literal": (envelope("n-bad").replace('"2021-01-01"', "NaN", 1), False, None),
}


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        ensure_tables(con)
        con.execute(
            "insert into ops.notification_subscriptions (subscription_id, account_id, notification_type, mode, "
            "recorded_at) values ('sub-1', 'acct', 'ACCOUNT_STATUS_CHANGED', 'sandbox', now())"
        )
    return path


def rows(path, sql):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.parametrize("case", sorted(POISON))
def test_a_poison_message_is_kept_aside_or_recorded_and_never_blocks_its_batch(case, sqs_server, warehouse):
    body, kept_aside, reason = POISON[case]
    queue = sandbox_queue(sqs_server.endpoint_url, queue_name=f"poison-{case.replace('_', '-')}")
    sqs = queue.client()
    sqs.create_queue(QueueName=queue.queue_name)
    for message in (envelope("n-good-1"), body, envelope("n-good-2")):
        sqs.send_message(QueueUrl=queue.queue_url, MessageBody=message)

    result = drain(queue, warehouse, wait_seconds=1, visibility_timeout=2)

    assert result.received == 3 and result.deleted == 3 and queue_depth(queue) == 0
    recorded = {r[0]: r[1] for r in rows(warehouse, "select notification_id, event_time from raw.notifications")}
    assert {"n-good-1", "n-good-2"} <= set(recorded)
    kept = rows(warehouse, "select body, reason from raw.notification_rejects")
    if kept_aside:
        assert [k[0] for k in kept] == [body] and reason in kept[0][1]
        assert set(recorded) == {"n-good-1", "n-good-2"}
    else:  # a status change with an unusable time still counts; its time is NULL, the envelope keeps it
        assert kept == [] and "n-bad" in recorded
        if reason:
            assert recorded["n-bad"] is None
            (bad,) = [n for n in result.recorded if n.notification_id == "n-bad"]
            assert any(reason in p for p in bad.time_problems) and "n-bad" in bad.describe()
    # the good changes are pending their refresh, whoever recorded them
    with duckdb.connect(str(warehouse)) as con:
        assert {"n-good-1", "n-good-2"} <= {p.notification_id for p in pending_status_changes(con)}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
ENVELOPE_PATHS = [("notificationVersion",), ("notificationType",), ("payloadVersion",), ("eventTime",), ("payload",),
                  ("payload", "accountStatusChangeNotification"), ("notificationMetadata",),
                  ("notificationMetadata", "notificationId"), ("notificationMetadata", "subscriptionId"),
                  ("notificationMetadata", "publishTime"), ("notificationMetadata", "applicationId")]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    replacements=st.lists(st.tuples(st.sampled_from(ENVELOPE_PATHS), json_values), max_size=3),
    raw_text=st.none() | st.text(max_size=200),
)
def test_any_envelope_field_or_body_is_parsed_and_recorded_without_raising(replacements, raw_text):
    doc = json.loads(envelope("n-1"))
    for path, value in replacements:
        target = doc
        for key in path[:-1]:
            target = target.get(key) if isinstance(target, dict) else None
        if isinstance(target, dict):
            target[path[-1]] = value
    body = raw_text if raw_text is not None else json.dumps(doc)
    item = parse_message("m-1", body, {"sub-1": "acct"}, RECEIVED)
    assert isinstance(item, Notification | Rejected)
    if isinstance(item, Notification):
        item.describe()
        assert item.event_time is None or datetime(2020, 1, 1) <= item.event_time <= RECEIVED + timedelta(days=1)
    else:
        assert item.reason
    with duckdb.connect() as con:
        ensure_tables(con)
        outcome = record_batch(con, [item])
        assert not outcome.unrecorded and len(outcome.recorded) + len(outcome.rejected) == 1


KILLED_DRAIN = """
import sys, time
from pathlib import Path
from orchestration.notifications.intake import drain
from orchestration.notifications.queue import sandbox_queue

def pause(batch):
    print("COMMITTED", len(batch), flush=True)
    time.sleep(120)  # killed here: recorded and committed, not yet deleted, the sensor never returned

drain(sandbox_queue(sys.argv[1]), Path(sys.argv[2]), wait_seconds=1, visibility_timeout=2, on_committed=pause)
"""


def test_a_change_committed_by_a_killed_tick_still_gets_its_refresh_run(sandbox, tmp_path, monkeypatch):
    from orchestration.defs.notifications.sensors import account_status_notifications

    path = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("AHW_SANDBOX_URL", sandbox.url)
    monkeypatch.setenv("AHW_DUCKDB_PATH", str(path))
    monkeypatch.setenv("AHW_SQS_WAIT_SECONDS", "1")
    queue = sandbox_queue(sandbox.notifications.sqs_endpoint_url)  # the queue the sensor polls
    connection = sandbox_connection(sandbox.url)
    with duckdb.connect(str(path)) as con:
        setup_notifications(con, connection.endpoint, connection.accounts, queue)
    critical = sandbox.world.critical_date("cobalt-gadgets")
    midnight = datetime.combine(critical, datetime.min.time(), tzinfo=UTC)
    for moment in (midnight - timedelta(hours=1), midnight + timedelta(hours=1)):  # publishes the change
        httpx.put(f"{sandbox.url}/_sandbox/clock", json={"now": moment.isoformat()}, timeout=10).raise_for_status()
    assert queue_depth(queue) == 1

    child = subprocess.Popen([sys.executable, "-c", KILLED_DRAIN, queue.endpoint_url, str(path)],
                             stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert child.stdout.readline().split() == ["COMMITTED", "1"]
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert rows(path, "select account_id, current_account_status from raw.notifications") == [
        ("cobalt-gadgets", "AT_RISK")
    ]
    time.sleep(2.5)  # the killed receive's visibility timeout ends: the message comes back as a duplicate

    with dg.build_sensor_context() as context:
        result = account_status_notifications(context)
    assert json.loads(result.cursor)["duplicates_total"] == 1  # nothing new was inserted by this tick ...
    (request,) = result.run_requests  # ... and the refresh is still asked for
    assert request.tags[ACCOUNT_TAG] == "cobalt-gadgets" and request.partition_key == critical.isoformat()
    assert queue_depth(queue) == 0

    with dg.build_sensor_context(cursor=result.cursor) as context:
        again = account_status_notifications(context)
    assert not again.run_requests  # asked once while the run is under way
    assert json.loads(again.cursor)["refresh_requested"] == json.loads(result.cursor)["refresh_requested"] != []

    # A snapshot Amazon took after the change (what the refresh run loads) settles it: nothing pending.
    with duckdb.connect(str(path)) as con:
        ensure_raw_schema(con)
        con.execute("insert into raw.seller_performance (account_id, snapshot_at) values ('cobalt-gadgets', ?)",
                    [datetime.combine(critical, datetime.min.time()) + timedelta(hours=23)])  # fmt: skip
        assert pending_status_changes(con) == []
    with dg.build_sensor_context(cursor=again.cursor) as context:
        settled = account_status_notifications(context)
    assert not settled.run_requests and json.loads(settled.cursor)["refresh_requested"] == []
