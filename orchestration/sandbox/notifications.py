"""The sandbox's Notifications API v1 and its publisher of ``ACCOUNT_STATUS_CHANGED`` to SQS.

Why it exists: Amazon pushes account-status changes only through the Notifications API to an SQS
queue; the warehouse subscribes with python-amazon-sp-api and long-polls the queue with boto3. The
sandbox imitates both halves so that path runs end to end with no AWS or Amazon account.

API (official model ``notifications.json``, paths under ``/notifications/v1``):
- ``createDestination`` / ``getDestinations`` / ``getDestination`` / ``deleteDestination`` are
  *grantless*: they need an LWA token from ``grant_type=client_credentials`` with scope
  ``sellingpartnerapi::notifications``. A seller's token gets 403 ``Unauthorized`` ("Access to
  requested resource is denied."), as Amazon answers.
- ``createSubscription`` / ``getSubscription`` / ``getSubscriptions`` need the seller's token (a
  subscription is per selling partner); ``getSubscriptionById`` / ``deleteSubscriptionById`` take
  either. A second subscription of one seller to one type answers 409 ``StateConflict``
  ("Subscription already exist for notification type ..."); a second destination for one queue ARN
  answers 409 ``Conflict``; deleting a destination that still has subscriptions answers 403.
  (The error bodies are those sellers have reported from Amazon: amzn/selling-partner-api-docs issues
  540, 1564, 1800 and 3448.)
- Usage plan of every operation: 1 request/s, burst 5 (times the sandbox's speed; the model's tables).
- Only SQS destinations; notification types ``ACCOUNT_STATUS_CHANGED`` (payload version 2021-01-01).

Publishing: as the sandbox clock moves forward (``PUT /_sandbox/clock``, or wall time passing), every
scripted status change of the world (``World.account_status_changes``: NORMAL, AT_RISK, DEACTIVATED,
per account x marketplace, effective 00:00 UTC) whose moment the clock crosses is sent to the queue of
every subscription of that seller, once per subscription (moving the clock back and forward again
does not publish a change twice). The envelope is Amazon's: ``notificationVersion``,
``notificationType``, ``payloadVersion``, ``eventTime``, ``payload.accountStatusChangeNotification
{previousAccountStatus, currentAccountStatus}`` and ``notificationMetadata{applicationId,
subscriptionId, publishTime, notificationId}`` -- no marketplace, as documented. ``publishTime`` is the
sandbox clock at publishing, ``eventTime`` the moment the change took effect.

Faults (``/_sandbox/faults``, matched on ``seller_id``, ``marketplace_id`` and ``operation`` =
notification type): ``duplicate_delivery`` (the message reaches the queue twice, as SQS's
at-least-once delivery allows), ``out_of_order_delivery`` (the message is held back and sent after
the other messages of the same clock move), ``malformed_body`` (the body is cut in half: not JSON),
``unknown_subscription`` (the message names a subscription id that does not exist).

Sandbox-only admin: ``GET /_sandbox/notifications`` lists what was published (with the wall-clock
time of sending, for latency figures); ``DELETE`` clears that log.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from orchestration.sandbox.faults import NOTIFICATION_KINDS, REQUEST_KINDS
from orchestration.sandbox.throttling import TokenBuckets, UsagePlan

if TYPE_CHECKING:
    from orchestration.sandbox.server import SandboxServer, _Handler
    from orchestration.sandbox.world import SandboxAccount

log = logging.getLogger(__name__)

PREFIX = "/notifications/v1"
GRANTLESS_SCOPE = "sellingpartnerapi::notifications"
ACCOUNT_STATUS_CHANGED = "ACCOUNT_STATUS_CHANGED"
#: Notification types the sandbox serves and the payload version each is published with.
PAYLOAD_VERSIONS = {ACCOUNT_STATUS_CHANGED: "2021-01-01"}
APPLICATION_ID = "amzn1.sellerapps.app.sandbox0-0000-4000-8000-000000000000"

#: Notifications API v1 usage plan (notifications.json: every operation 1 request/s, burst 5).
USAGE_PLANS = {
    op: UsagePlan(1.0, 5)
    for op in ("createDestination", "getDestinations", "getDestination", "deleteDestination",
               "createSubscription", "getSubscription", "getSubscriptions", "getSubscriptionById",
               "deleteSubscriptionById")
}  # fmt: skip

_DENIED = "Access to requested resource is denied."
_GRANTLESS_ONLY = (
    "This operation is grantless: call it with an LWA access token from grant_type=client_credentials and "
    f"scope {GRANTLESS_SCOPE}, not a selling partner's token."
)


def _iso_ms(dt: datetime) -> str:
    """Amazon's notification timestamps: ``2020-07-13T19:42:04.284Z``."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


@dataclass
class _Destination:
    destination_id: str
    name: str
    arn: str

    def to_json(self) -> dict:
        return {"destinationId": self.destination_id, "name": self.name, "resource": {"sqs": {"arn": self.arn}}}


@dataclass
class _Subscription:
    subscription_id: str
    seller_id: str
    notification_type: str
    payload_version: str
    destination_id: str

    def to_json(self) -> dict:
        return {"subscriptionId": self.subscription_id, "payloadVersion": self.payload_version,
                "destinationId": self.destination_id}  # fmt: skip


@dataclass
class _Message:
    """One message on its way to a queue (after faults decided its body)."""

    arn: str
    body: str
    record: dict = field(default_factory=dict)


class NotificationsApi:
    """Destinations, subscriptions, grantless tokens and the publisher of one sandbox server."""

    def __init__(self, server: SandboxServer, sqs_endpoint_url: str | None = None, tick_seconds: float = 0.25):
        from orchestration.sandbox.server import ApiError

        self._ApiError = ApiError
        self.server = server
        self.world = server.world
        self.sqs_endpoint_url = sqs_endpoint_url
        self.application_id = APPLICATION_ID
        self.tick_seconds = tick_seconds
        self.buckets = TokenBuckets(speed=server.speed, plans=USAGE_PLANS)
        self._lock = threading.Lock()
        self._publish_lock = threading.Lock()
        self._grantless: dict[str, float] = {}
        self._destinations: dict[str, _Destination] = {}
        self._subscriptions: dict[str, _Subscription] = {}
        self._published_keys: set[tuple] = set()
        self._log: list[dict] = []
        self._watermark = server.clock.now()
        self._sqs = None
        self._queue_urls: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Publish changes the clock crosses by itself (wall time), every ``tick_seconds``."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sandbox-notifications", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.tick_seconds):
            try:
                self.advance()
            except Exception:  # the publisher must keep running; the error is in the log
                log.exception("sandbox notifications: publishing failed")

    # ------------------------------------------------------------------ LWA client_credentials
    def issue_grantless_token(self, form: dict[str, str]) -> tuple[int, dict]:
        """LWA ``grant_type=client_credentials``: an application token for grantless operations."""
        if (
            form.get("client_id") != self.world.lwa_client_id
            or form.get("client_secret") != self.world.lwa_client_secret
        ):
            return 401, {"error": "invalid_client", "error_description": "Client authentication failed"}
        scope = form.get("scope", "")
        if scope != GRANTLESS_SCOPE:
            return 400, {"error": "invalid_scope", "error_description": "An unknown scope was specified."}
        token = "Atza|sandbox-grantless." + secrets.token_urlsafe(32)
        ttl = self.server.token_ttl_seconds / self.server.speed
        with self._lock:
            self._grantless[token] = time.monotonic() + ttl
        return 200, {"access_token": token, "scope": scope, "token_type": "bearer", "expires_in": max(1, int(ttl))}

    def _caller(self, token: str | None) -> SandboxAccount | None:
        """The seller of a seller token, None for a valid grantless token; 403 otherwise."""
        with self._lock:
            expires = self._grantless.get(token or "")
        if expires is not None:
            if time.monotonic() >= expires:
                raise self._ApiError(403, "Unauthorized", _DENIED, "The access token you provided has expired.")
            return None
        return self.server.authenticate(token)

    # ------------------------------------------------------------------ HTTP
    def handle(self, handler: _Handler, method: str, path: str, query: dict, body: bytes) -> None:
        """Answer one ``/notifications/v1/...`` request (the server routes the prefix here)."""
        ApiError = self._ApiError
        op, status = "notifications", 500
        try:
            op, args = self._route(method, path[len(PREFIX) :])
            caller = self._caller(handler.headers.get("x-amz-access-token"))
            grantless_ops = {"createDestination", "getDestinations", "getDestination", "deleteDestination"}
            if op in grantless_ops and caller is not None:
                raise ApiError(403, "Unauthorized", _DENIED, _GRANTLESS_ONLY)
            if op in {"createSubscription", "getSubscription", "getSubscriptions"} and caller is None:
                raise ApiError(403, "Unauthorized", _DENIED,
                               "This operation needs a selling partner's access token (grant_type=refresh_token).")  # fmt: skip
            who = caller.seller_id if caller else self.application_id
            fault = self.server.faults.take(REQUEST_KINDS, operation=op, seller_id=caller.seller_id if caller else None)
            if fault is not None:
                codes = {"throttle_storm": (429, "QuotaExceeded", "You exceeded your quota for the requested resource."),
                         "server_error": (500, "InternalFailure", "We encountered an internal error. Please try again."),
                         "service_unavailable": (503, "ServiceUnavailable", "Service temporarily unavailable. Please try again.")}  # fmt: skip
                raise ApiError(*codes[fault.kind])
            if not self.buckets.try_acquire(who, op):
                raise ApiError(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
            payload = None
            if method == "POST":
                try:
                    payload = json.loads(body or b"null")
                except ValueError:
                    raise ApiError(400, "InvalidInput", "Request body is not valid JSON.") from None
                if not isinstance(payload, dict):
                    raise ApiError(400, "InvalidInput", "Request body must be a JSON object.")
            doc = getattr(self, "_" + op)(caller, *args, query=query, payload=payload)
            status = 200
            handler._json(200, doc, {"x-amzn-RateLimit-Limit": f"{self.buckets.rate(op):g}"})
        except ApiError as err:
            status = err.status
            headers = (
                {}
                if err.status == 429
                else {"x-amzn-RateLimit-Limit": f"{self.buckets.rate(op):g}"}
                if op in USAGE_PLANS
                else {}
            )
            handler._error(err, headers)
        finally:
            self.server.stats.record(op, status)

    def _route(self, method: str, rest: str) -> tuple[str, tuple]:
        parts = [p for p in rest.split("/") if p]
        routes = {
            ("POST", 1, "destinations"): "createDestination",
            ("GET", 1, "destinations"): "getDestinations",
            ("GET", 2, "destinations"): "getDestination",
            ("DELETE", 2, "destinations"): "deleteDestination",
            ("GET", 1, "subscriptions"): "getSubscriptions",
            ("POST", 2, "subscriptions"): "createSubscription",
            ("GET", 2, "subscriptions"): "getSubscription",
            ("GET", 3, "subscriptions"): "getSubscriptionById",
            ("DELETE", 3, "subscriptions"): "deleteSubscriptionById",
        }
        op = routes.get((method, len(parts), parts[0] if parts else ""))
        if op is None:
            raise self._ApiError(404, "NotFound", f"Resource {method} {PREFIX}{rest} not found.")
        return op, tuple(parts[1:])

    # ------------------------------------------------------------------ destinations (grantless)
    def _createDestination(self, caller, *, query, payload) -> dict:
        ApiError = self._ApiError
        name = payload.get("name")
        spec = payload.get("resourceSpecification")
        if not isinstance(name, str) or not name or not isinstance(spec, dict):
            raise ApiError(400, "InvalidInput", "name and resourceSpecification are required.")
        if "sqs" not in spec:
            raise ApiError(
                400, "InvalidInput", "The sandbox supports SQS destinations only (resourceSpecification.sqs)."
            )
        arn = (spec.get("sqs") or {}).get("arn")
        if not isinstance(arn, str) or not arn.startswith("arn:aws:sqs:") or len(arn.split(":")) != 6:
            raise ApiError(
                400, "InvalidInput", f"Invalid SQS ARN {arn!r}: expected arn:aws:sqs:<region>:<account>:<queue>."
            )
        with self._lock:
            if any(d.arn == arn for d in self._destinations.values()):
                raise ApiError(409, "Conflict", "The requested resource conflict with a resource in the server.",
                               f"A destination with arn {arn} already exists for the application {self.application_id}")  # fmt: skip
            dest = _Destination(str(uuid.uuid4()), name, arn)
            self._destinations[dest.destination_id] = dest
        return {"payload": dest.to_json()}

    def _getDestinations(self, caller, *, query, payload) -> dict:
        with self._lock:
            return {"payload": [d.to_json() for d in self._destinations.values()]}

    def _destination(self, destination_id: str) -> _Destination:
        with self._lock:
            dest = self._destinations.get(destination_id)
        if dest is None:
            raise self._ApiError(404, "NotFound", f"Destination {destination_id} not found.")
        return dest

    def _getDestination(self, caller, destination_id, *, query, payload) -> dict:
        return {"payload": self._destination(destination_id).to_json()}

    def _deleteDestination(self, caller, destination_id, *, query, payload) -> dict:
        self._destination(destination_id)
        with self._lock:
            if any(s.destination_id == destination_id for s in self._subscriptions.values()):
                raise self._ApiError(
                    403, "Unauthorized", "The requested action is forbidden.", "Destination has subscriptions"
                )
            self._destinations.pop(destination_id, None)
        return {}

    # ------------------------------------------------------------------ subscriptions (per seller)
    def _check_type(self, notification_type: str) -> None:
        if notification_type not in PAYLOAD_VERSIONS:
            raise self._ApiError(400, "InvalidInput", f"Notification type {notification_type} is not supported by the "
                                 f"sandbox; supported: {', '.join(PAYLOAD_VERSIONS)}.")  # fmt: skip

    def _createSubscription(self, caller, notification_type, *, query, payload) -> dict:
        ApiError = self._ApiError
        self._check_type(notification_type)
        version, destination_id = payload.get("payloadVersion"), payload.get("destinationId")
        if not version or not destination_id:
            raise ApiError(400, "InvalidInput", "payloadVersion and destinationId are required.")
        if version != PAYLOAD_VERSIONS[notification_type]:
            raise ApiError(400, "InvalidInput", f"Payload version {version} is not supported for {notification_type}; "
                           f"supported: {PAYLOAD_VERSIONS[notification_type]}.")  # fmt: skip
        with self._lock:
            if destination_id not in self._destinations:
                raise ApiError(400, "InvalidInput",
                               f"No destination with id '{destination_id}' for applicationId '{self.application_id}'")  # fmt: skip
            if any(s.seller_id == caller.seller_id and s.notification_type == notification_type
                   for s in self._subscriptions.values()):  # fmt: skip
                raise ApiError(409, "StateConflict", "The resource specified conflicts with the current state.",
                               f"Subscription already exist for notification type {notification_type}")  # fmt: skip
            sub = _Subscription(str(uuid.uuid4()), caller.seller_id, notification_type, version, destination_id)
            self._subscriptions[sub.subscription_id] = sub
        return {"payload": sub.to_json()}

    def _getSubscription(self, caller, notification_type, *, query, payload) -> dict:
        self._check_type(notification_type)
        version = (query.get("payloadVersion") or [None])[0]
        with self._lock:
            found = [s for s in self._subscriptions.values()
                     if s.seller_id == caller.seller_id and s.notification_type == notification_type
                     and (version is None or s.payload_version == version)]  # fmt: skip
        if not found:
            raise self._ApiError(404, "NotFound", f"Subscription not found for notification type {notification_type}.")
        return {"payload": found[0].to_json()}

    def _getSubscriptions(self, caller, *, query, payload) -> dict:
        types = [t for raw in query.get("notificationTypes", []) for t in raw.split(",") if t]
        if len(types) != 1:
            raise self._ApiError(400, "InvalidInput", "notificationTypes must name exactly one notification type.")
        self._check_type(types[0])
        with self._lock:
            found = [s.to_json() for s in self._subscriptions.values()
                     if s.seller_id == caller.seller_id and s.notification_type == types[0]]  # fmt: skip
        return {"payload": {"subscriptions": found}}

    def _subscription(self, caller, notification_type: str, subscription_id: str) -> _Subscription:
        self._check_type(notification_type)
        with self._lock:
            sub = self._subscriptions.get(subscription_id)
        if sub is None or sub.notification_type != notification_type or (caller and sub.seller_id != caller.seller_id):
            raise self._ApiError(404, "NotFound", f"Subscription {subscription_id} not found.")
        return sub

    def _getSubscriptionById(self, caller, notification_type, subscription_id, *, query, payload) -> dict:
        return {"payload": self._subscription(caller, notification_type, subscription_id).to_json()}

    def _deleteSubscriptionById(self, caller, notification_type, subscription_id, *, query, payload) -> dict:
        self._subscription(caller, notification_type, subscription_id)
        with self._lock:
            self._subscriptions.pop(subscription_id, None)
        return {}

    # ------------------------------------------------------------------ publishing
    def advance(self) -> int:
        """Publish the status changes the clock crossed since the last call; returns messages sent.

        The watermark follows the clock both ways, but only a forward move publishes, and each
        (subscription, account, marketplace, day) change at most once.
        """
        with self._publish_lock:
            now = self.server.clock.now()
            previous, self._watermark = self._watermark, now
            if now <= previous:
                return 0
            # A change takes effect at 00:00 UTC of its day: days whose midnight lies in (previous, now].
            first = previous.date() + timedelta(days=1)
            with self._lock:
                subs = [s for s in self._subscriptions.values() if s.notification_type == ACCOUNT_STATUS_CHANGED]
                destinations = dict(self._destinations)
            if not subs or first > now.date():
                return 0
            messages: list[_Message] = []
            held: list[_Message] = []
            for account_name, marketplace_id, day, before, after in self.world.account_status_changes(
                first, now.date()
            ):
                account = self.world.account(account_name)
                for sub in subs:
                    key = (sub.subscription_id, account_name, marketplace_id, day)
                    if sub.seller_id != account.seller_id or key in self._published_keys:
                        continue
                    self._published_keys.add(key)
                    dest = destinations.get(sub.destination_id)
                    if dest is None:
                        continue
                    event_time = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
                    self._messages_for(sub, dest, account, marketplace_id, event_time, before, after, messages, held)
            sent = 0
            for message in messages + held:
                sent += self._send(message)
            return sent

    def _messages_for(self, sub, dest, account, marketplace_id, event_time, before, after, messages, held) -> None:
        envelope = {
            "notificationVersion": sub.payload_version,
            "notificationType": sub.notification_type,
            "payloadVersion": sub.payload_version,
            "eventTime": _iso_ms(event_time),
            "payload": {"accountStatusChangeNotification": {"previousAccountStatus": before,
                                                            "currentAccountStatus": after}},
            "notificationMetadata": {
                "applicationId": self.application_id,
                "subscriptionId": sub.subscription_id,
                "publishTime": _iso_ms(self.server.clock.now()),
                "notificationId": str(uuid.uuid4()),
            },
        }  # fmt: skip
        ctx = {"seller_id": account.seller_id, "marketplace_id": marketplace_id, "operation": sub.notification_type}
        fault = self.server.faults.take(NOTIFICATION_KINDS, **ctx)
        kind = fault.kind if fault else None
        if kind == "unknown_subscription":
            envelope["notificationMetadata"]["subscriptionId"] = str(uuid.uuid4())
        body = json.dumps(envelope)
        if kind == "malformed_body":
            body = body[: len(body) // 2]
        record = {
            "notificationId": envelope["notificationMetadata"]["notificationId"],
            "subscriptionId": envelope["notificationMetadata"]["subscriptionId"],
            "notificationType": sub.notification_type,
            "account": account.name,
            "sellerId": account.seller_id,
            "marketplaceId": marketplace_id,
            "previousAccountStatus": before,
            "currentAccountStatus": after,
            "eventTime": envelope["eventTime"],
            "publishTime": envelope["notificationMetadata"]["publishTime"],
            "fault": kind,
        }
        copies = 2 if kind == "duplicate_delivery" else 1
        target = held if kind == "out_of_order_delivery" else messages
        target.extend(_Message(dest.arn, body, record) for _ in range(copies))

    def _queue_url(self, arn: str) -> str | None:
        from orchestration.sandbox.sqs import local_sqs_client, queue_name_of_arn

        if self.sqs_endpoint_url is None:
            return None
        if self._sqs is None:
            self._sqs = local_sqs_client(self.sqs_endpoint_url)
        if arn not in self._queue_urls:
            owner, name = queue_name_of_arn(arn)
            try:
                self._queue_urls[arn] = self._sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=owner)[
                    "QueueUrl"
                ]
            except Exception as exc:  # a queue that does not exist: Amazon's delivery would fail too
                log.warning("sandbox notifications: queue %s not found on %s: %s", arn, self.sqs_endpoint_url, exc)
                return None
        return self._queue_urls[arn]

    def _send(self, message: _Message) -> int:
        url = self._queue_url(message.arn)
        entry = {**message.record, "queueArn": message.arn, "sentAtWall": time.time(), "delivered": False}
        if url is not None:
            try:
                response = self._sqs.send_message(QueueUrl=url, MessageBody=message.body)
                entry.update(delivered=True, sqsMessageId=response["MessageId"])
            except Exception as exc:
                log.warning("sandbox notifications: sending to %s failed: %s", message.arn, exc)
        with self._lock:
            self._log.append(entry)
        return int(entry["delivered"])

    # ------------------------------------------------------------------ admin
    def published(self) -> list[dict]:
        with self._lock:
            return [dict(e) for e in self._log]

    def admin(self, handler: _Handler, method: str, path: str) -> None:
        if method == "GET":
            return handler._json(200, {"notifications": self.published()})
        if method == "DELETE":
            with self._lock:
                self._log.clear()
            return handler._json(200, {"notifications": []})
        handler._error(self._ApiError(404, "NotFound", f"Resource {method} {path} not found."))

    def info(self) -> dict:
        """What a client needs to subscribe in sandbox mode (part of ``GET /_sandbox/world``)."""
        return {"application_id": self.application_id, "sqs_endpoint_url": self.sqs_endpoint_url}
