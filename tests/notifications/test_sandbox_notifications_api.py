"""The sandbox's Notifications API v1 and its publisher, over real HTTP and a real local SQS.

Responses validate against the official model (reference/spapi/notifications.json); destination
calls are grantless (LWA client_credentials) and refuse a seller's token as Amazon does; every
scripted status change the clock crosses reaches the subscribed queue once, in Amazon's envelope.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import jsonschema
import pytest

from orchestration.sandbox.sqs import local_sqs_client, queue_arn
from tests.sandbox.conftest import reference_dir

PREFIX = "/notifications/v1"
TYPE = "ACCOUNT_STATUS_CHANGED"


@pytest.fixture(scope="module")
def model():
    return json.loads((reference_dir() / "notifications.json").read_text())


def validate(model: dict, path: str, method: str, status: str, instance: dict) -> None:
    ref = model["paths"][path][method]["responses"][status]["schema"]["$ref"]
    schema = {"definitions": model["definitions"], "$ref": ref}
    jsonschema.Draft4Validator(schema).validate(instance)


def token(server, **form) -> httpx.Response:
    world = server.world
    data = {"client_id": world.lwa_client_id, "client_secret": world.lwa_client_secret, **form}
    return httpx.post(f"{server.url}/auth/o2/token", data=data, timeout=10)


def grantless(server) -> dict:
    response = token(server, grant_type="client_credentials", scope="sellingpartnerapi::notifications")
    assert response.status_code == 200, response.text
    return {"x-amz-access-token": response.json()["access_token"]}


def seller(server, name: str = "cobalt-gadgets") -> dict:
    account = server.world.account(name)
    response = token(server, grant_type="refresh_token", refresh_token=account.refresh_token)
    return {"x-amz-access-token": response.json()["access_token"]}


def set_clock(server, moment: datetime) -> None:
    httpx.put(f"{server.url}/_sandbox/clock", json={"now": moment.isoformat()}, timeout=10).raise_for_status()


def midnight(day) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def test_every_operation_answers_as_the_official_model_says(sandbox, model):
    http = httpx.Client(base_url=sandbox.url + PREFIX, timeout=10)
    app, cobalt = grantless(sandbox), seller(sandbox)
    body = {"name": "ahw", "resourceSpecification": {"sqs": {"arn": queue_arn("api-test")}}}
    created = http.post("/destinations", json=body, headers=app)
    assert created.status_code == 200
    validate(model, "/notifications/v1/destinations", "post", "200", created.json())
    destination_id = created.json()["payload"]["destinationId"]
    listed = http.get("/destinations", headers=app)
    validate(model, "/notifications/v1/destinations", "get", "200", listed.json())
    one = http.get(f"/destinations/{destination_id}", headers=app)
    validate(model, "/notifications/v1/destinations/{destinationId}", "get", "200", one.json())
    assert listed.json()["payload"] == [one.json()["payload"]]

    sub = http.post(f"/subscriptions/{TYPE}", json={"payloadVersion": "2021-01-01", "destinationId": destination_id},
                    headers=cobalt)  # fmt: skip
    assert sub.status_code == 200
    validate(model, "/notifications/v1/subscriptions/{notificationType}", "post", "200", sub.json())
    subscription_id = sub.json()["payload"]["subscriptionId"]
    got = http.get(f"/subscriptions/{TYPE}", headers=cobalt)
    validate(model, "/notifications/v1/subscriptions/{notificationType}", "get", "200", got.json())
    by_id = http.get(f"/subscriptions/{TYPE}/{subscription_id}", headers=app)
    validate(model, "/notifications/v1/subscriptions/{notificationType}/{subscriptionId}", "get", "200", by_id.json())
    many = http.get("/subscriptions", params={"notificationTypes": TYPE}, headers=cobalt)
    validate(model, "/notifications/v1/subscriptions", "get", "200", many.json())
    assert got.json()["payload"] == by_id.json()["payload"] == many.json()["payload"]["subscriptions"][0]

    errors = {
        "409 destination": http.post("/destinations", json=body, headers=app),
        "409 subscription": http.post(f"/subscriptions/{TYPE}", headers=cobalt,
                                      json={"payloadVersion": "2021-01-01", "destinationId": destination_id}),
        "403 delete destination in use": http.delete(f"/destinations/{destination_id}", headers=app),
        "404 subscription": http.get(f"/subscriptions/{TYPE}", headers=seller(sandbox, "acme-home")),
        "400 payload version": http.post(f"/subscriptions/{TYPE}", headers=seller(sandbox, "acme-home"),
                                         json={"payloadVersion": "1.0", "destinationId": destination_id}),
    }  # fmt: skip
    for name, response in errors.items():
        assert response.status_code == int(name[:3]), (name, response.text)
        validate(model, "/notifications/v1/destinations", "post", name[:3], response.json())
    assert errors["409 subscription"].json()["errors"][0]["code"] == "StateConflict"
    assert errors["409 destination"].json()["errors"][0]["code"] == "Conflict"

    deleted = http.delete(f"/subscriptions/{TYPE}/{subscription_id}", headers=cobalt)
    validate(model, "/notifications/v1/subscriptions/{notificationType}/{subscriptionId}", "delete", "200",
             deleted.json())  # fmt: skip
    gone = http.delete(f"/destinations/{destination_id}", headers=app)
    validate(model, "/notifications/v1/destinations/{destinationId}", "delete", "200", gone.json())
    assert http.get("/destinations", headers=app).json()["payload"] == []


def test_destination_calls_are_grantless_and_a_seller_token_is_refused(sandbox):
    http = httpx.Client(base_url=sandbox.url + PREFIX, timeout=10)
    refused = http.get("/destinations", headers=seller(sandbox))
    assert refused.status_code == 403
    error = refused.json()["errors"][0]
    assert (error["code"], error["message"]) == ("Unauthorized", "Access to requested resource is denied.")
    assert "client_credentials" in error["details"]
    # ... and a subscription, which belongs to a selling partner, needs the seller's token.
    no_seller = http.get(f"/subscriptions/{TYPE}", headers=grantless(sandbox))
    assert no_seller.status_code == 403
    # The grant itself: the notifications scope only, and the app's own credentials.
    wrong_scope = token(sandbox, grant_type="client_credentials", scope="sellingpartnerapi::migration")
    assert (wrong_scope.status_code, wrong_scope.json()["error"]) == (400, "invalid_scope")
    wrong_client = token(sandbox, grant_type="client_credentials", scope="sellingpartnerapi::notifications",
                         client_secret="not-the-secret")  # fmt: skip
    assert (wrong_client.status_code, wrong_client.json()["error"]) == (401, "invalid_client")


def _subscribe(server, queue_name: str, account: str = "cobalt-gadgets") -> tuple[str, str]:
    """(queue URL, subscription id) of a fresh queue subscribed for ``account``."""
    sqs = local_sqs_client(server.notifications.sqs_endpoint_url)
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    http = httpx.Client(base_url=server.url + PREFIX, timeout=10)
    body = {"name": queue_name, "resourceSpecification": {"sqs": {"arn": queue_arn(queue_name)}}}
    destination_id = http.post("/destinations", json=body, headers=grantless(server)).json()["payload"]["destinationId"]
    sub = http.post(f"/subscriptions/{TYPE}", headers=seller(server, account),
                    json={"payloadVersion": "2021-01-01", "destinationId": destination_id}).json()  # fmt: skip
    return url, sub["payload"]["subscriptionId"]


def _receive_all(server, url: str) -> list[dict]:
    sqs = local_sqs_client(server.notifications.sqs_endpoint_url)
    bodies = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            return bodies
        bodies += [json.loads(m["Body"]) for m in messages]
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                        for i, m in enumerate(messages)])  # fmt: skip


def test_each_scripted_status_change_the_clock_crosses_is_published_once_in_amazons_envelope(sandbox):
    world = sandbox.world
    critical = world.critical_date("cobalt-gadgets")
    url, subscription_id = _subscribe(sandbox, "publish-test")
    set_clock(sandbox, midnight(critical) - timedelta(hours=1))  # backwards from the end: nothing crossed
    assert _receive_all(sandbox, url) == []
    set_clock(sandbox, midnight(critical) + timedelta(hours=2))
    (message,) = _receive_all(sandbox, url)
    assert message["notificationType"] == TYPE and message["payloadVersion"] == "2021-01-01"
    assert message["payload"] == {"accountStatusChangeNotification": {"previousAccountStatus": "NORMAL",
                                                                      "currentAccountStatus": "AT_RISK"}}  # fmt: skip
    meta = message["notificationMetadata"]
    assert meta["subscriptionId"] == subscription_id and meta["applicationId"] == world_info(sandbox)["application_id"]
    assert message["eventTime"] == f"{critical.isoformat()}T00:00:00.000Z"
    assert meta["publishTime"].startswith(f"{critical.isoformat()}T02:00")
    assert "marketplaceId" not in json.dumps(message)  # the documented payload names no marketplace
    # Back and forward over the same day again: the change is not published twice.
    set_clock(sandbox, midnight(critical) - timedelta(hours=1))
    set_clock(sandbox, midnight(critical) + timedelta(hours=3))
    assert _receive_all(sandbox, url) == []
    # Ten days on, the critical violation deactivates the account: one more message, a new id.
    set_clock(sandbox, midnight(critical + timedelta(days=10)) + timedelta(hours=1))
    (later,) = _receive_all(sandbox, url)
    assert later["payload"]["accountStatusChangeNotification"] == {"previousAccountStatus": "AT_RISK",
                                                                   "currentAccountStatus": "DEACTIVATED"}  # fmt: skip
    assert later["notificationMetadata"]["notificationId"] != meta["notificationId"]
    # Exactly the world's changes of cobalt-gadgets over those days, nothing for the unsubscribed sellers.
    expected = [c for c in world.account_status_changes(critical, critical + timedelta(days=10))
                if c[0] == "cobalt-gadgets"]  # fmt: skip
    published = [(n["account"], n["marketplaceId"], n["previousAccountStatus"], n["currentAccountStatus"])
                 for n in sandbox.notifications.published()]  # fmt: skip
    assert published == [(a, m, before, after) for a, m, _, before, after in expected]


def world_info(server) -> dict:
    return httpx.get(f"{server.url}/_sandbox/world", timeout=10).json()


def test_the_world_status_the_publisher_reads_is_the_one_the_reports_show(notification_world):
    world = notification_world
    critical = world.critical_date("cobalt-gadgets")
    days = [critical - timedelta(days=1), critical, critical + timedelta(days=9), critical + timedelta(days=10),
            world.end_date - timedelta(days=45), world.end_date]  # fmt: skip
    for account in world.accounts:
        for marketplace_id in account.marketplace_ids:
            for day in days:
                as_of = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=23)
                expected = world.performance(account.name, marketplace_id, as_of)["account_status"]
                assert world.account_status(account.name, marketplace_id, day) == expected, (account.name, day)


def _alive(pid: int) -> bool:
    """Running (a zombie nobody reaped yet counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_the_local_sqs_server_dies_with_its_parent_even_on_sigkill(tmp_path):
    script = (
        "import sys, time\n"
        "from orchestration.sandbox.sqs import SqsServer\n"
        "server = SqsServer().start()\n"
        "print(server.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
        assert _alive(child)  # running while its parent lives
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(child):
            os.kill(child, signal.SIGKILL)
            pytest.fail(f"SQS server {child} outlived its parent by 10 s")
    finally:
        if parent.poll() is None:
            parent.kill()
