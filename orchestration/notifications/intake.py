"""Receive notifications from the SQS queue and record them in ``raw``: nothing lost, nothing twice.

Order of work for each batch (at most 10 messages, SQS's maximum per receive):
1. receive (long poll; the messages become invisible for the visibility timeout);
2. parse each body: a good ``ACCOUNT_STATUS_CHANGED`` (or any well-formed notification) becomes a
   ``raw.notifications`` row keyed by ``notificationId``; anything else -- not JSON, no notificationId,
   a subscription the warehouse never made -- a ``raw.notification_rejects`` row with the body as
   received and the reason;
3. insert both in one DuckDB transaction, ``ON CONFLICT DO NOTHING``, and commit;
4. only then delete the batch from the queue.
A crash between 3 and 4 leaves the messages in the queue; they come back after the visibility
timeout, find their ``notificationId`` already recorded, and are deleted: nothing lost, nothing
doubled. Duplicate and out-of-order deliveries collapse the same way (rows are ordered by their own
``eventTime`` downstream, never by arrival).

DuckDB has one writer. The sensor must not keep the file open while it long-polls (a run would be
locked out for the whole wait): it checks the file is free before receiving, and opens it only when
messages have arrived. When a run holds the file, :class:`WarehouseBusy` is raised and the messages
stay in the queue (a batch already received is made visible again), for the next poll.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from orchestration.notifications.queue import QueueConfig
from orchestration.notifications.setup import subscription_map
from orchestration.notifications.tables import NOTIFICATION_REJECTS, NOTIFICATIONS, ensure_tables
from orchestration.warehouse.connection import is_lock_error, lock_holder

log = logging.getLogger(__name__)

ACCOUNT_STATUS_CHANGED = "ACCOUNT_STATUS_CHANGED"


class WarehouseBusy(RuntimeError):
    """The DuckDB file is locked by another writer (a run); messages were left in the queue."""


@dataclass(frozen=True)
class Notification:
    """One well-formed notification, as it becomes a ``raw.notifications`` row."""

    notification_id: str
    notification_type: str
    notification_version: str | None
    payload_version: str | None
    event_time: datetime | None
    publish_time: datetime | None
    subscription_id: str
    application_id: str | None
    account_id: str
    previous_account_status: str | None
    current_account_status: str | None
    payload: str
    envelope: str
    sqs_message_id: str
    received_at: datetime

    time_problems: tuple[str, ...] = ()
    """Why ``eventTime`` / ``publishTime`` were not taken (absent, unreadable, implausible); the envelope keeps them."""

    def describe(self) -> str:
        """One log line; never raises (it runs after the commit, before the delete)."""
        change = (
            f"{self.previous_account_status} -> {self.current_account_status}"
            if self.notification_type == ACCOUNT_STATUS_CHANGED
            else self.notification_type
        )
        moment = self.event_time or self.publish_time
        when = f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "time unknown"
        problems = f"; {'; '.join(self.time_problems)}" if self.time_problems else ""
        return f"{self.notification_id} {self.account_id}: {change} (event {when}{problems})"


@dataclass(frozen=True)
class Rejected:
    """A message kept aside (``raw.notification_rejects``) with the reason."""

    sqs_message_id: str
    body: str
    reason: str
    notification_id: str | None
    notification_type: str | None
    subscription_id: str | None
    received_at: datetime

    @property
    def body_sha256(self) -> str:
        return hashlib.sha256(self.body.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass
class IntakeResult:
    received: int = 0
    """Messages received (with redeliveries and duplicates)."""
    recorded: list[Notification] = field(default_factory=list)
    """Notifications recorded by this call (new notificationIds only)."""
    duplicates: int = 0
    """Well-formed messages whose notificationId was already recorded."""
    rejected: list[Rejected] = field(default_factory=list)
    """Messages newly kept aside."""
    deleted: int = 0
    batches: int = 0
    elapsed_seconds: float = 0.0

    @property
    def status_changes(self) -> list[Notification]:
        return [n for n in self.recorded if n.notification_type == ACCOUNT_STATUS_CHANGED and n.current_account_status]

    def summary(self) -> str:
        return (
            f"{self.received} message(s) received: {len(self.recorded)} recorded, {self.duplicates} duplicate(s), "
            f"{len(self.rejected)} kept aside; {self.deleted} deleted from the queue in {self.elapsed_seconds:.2f}s"
        )


#: How far after its receipt a notification's own time may lie before it is not taken (clocks drift a
#: little; an event a day in the future is not a time Amazon wrote for a real event).
_CLOCK_SKEW = timedelta(days=1)
#: Notifications API v1 dates from 2020: an earlier time is not a real event time either.
_EARLIEST = datetime(2020, 1, 1)


def _utc(doc: Mapping, key: str, received_at: datetime, problems: list[str]) -> datetime | None:
    """``doc[key]``, an ISO 8601 timestamp (``2020-07-13T19:42:04.284Z``), as naive UTC.

    None, with the reason appended to ``problems``, when absent, not a string, unreadable, out of the
    datetime range (``9999-12-31T23:00:00-05:00`` overflows in UTC) or implausible (before 2020 or more
    than a day after the message was received). A bad time never refuses the notification: its status
    change still counts, and downstream orders it by the next time it has (publish time, receipt).
    """
    value = doc.get(key)
    if value is None:
        problems.append(f"{key} absent")
        return None
    if not isinstance(value, str) or not value:
        problems.append(f"{key} is not a timestamp string ({type(value).__name__})")
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        utc = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        problems.append(f"{key} {value[:40]!r} is not a readable ISO 8601 timestamp")
        return None
    if not _EARLIEST <= utc <= received_at + _CLOCK_SKEW:
        problems.append(f"{key} {value[:40]!r} is implausible (before 2020 or after the message was received)")
        return None
    return utc


def parse_message(
    message_id: str, body: object, subscriptions: Mapping[str, str], received_at: datetime
) -> Notification | Rejected:
    """A message body -> a Notification, or a Rejected with the reason. Never raises.

    Whatever the body is (not JSON, nested too deep for the JSON reader, absurd values, a plugin of
    the standard library failing), the outcome is a row to record: one message must never fail its
    batch, or the batch would come back after every visibility timeout and block the queue.
    """
    text = body if isinstance(body, str) else "" if body is None else str(body)
    try:
        return _parse(message_id, text, subscriptions, received_at)
    except Exception as exc:  # noqa: BLE001 - see the docstring: any failure is a reason to keep it aside
        return Rejected(message_id, text, f"could not be read: {type(exc).__name__}: {str(exc)[:200]}", None, None,
                        None, received_at)  # fmt: skip


def _parse(message_id: str, body: str, subscriptions: Mapping[str, str], received_at: datetime):
    def reject(reason: str, doc: dict | None = None) -> Rejected:
        meta = (doc or {}).get("notificationMetadata") if isinstance(doc, dict) else None
        meta = meta if isinstance(meta, dict) else {}
        return Rejected(message_id, body, reason, _str(meta.get("notificationId")),
                        _str((doc or {}).get("notificationType")), _str(meta.get("subscriptionId")), received_at)  # fmt: skip

    try:
        doc = json.loads(body)
    except RecursionError:
        return reject("body is JSON nested deeper than the reader accepts (not an SP-API notification)")
    except ValueError as exc:
        reason = f"body is not JSON ({exc.msg} at character {exc.pos})" if isinstance(exc, json.JSONDecodeError) else (
            f"body is not JSON ({exc})")  # fmt: skip
        return reject(reason)
    if not isinstance(doc, dict):
        return reject(f"body is JSON but not an object (a {type(doc).__name__})")
    meta = doc.get("notificationMetadata")
    if not isinstance(meta, dict):
        return reject("no notificationMetadata object", doc)
    problem = _missing_or_mistyped(meta, "notificationMetadata.", "notificationId", "subscriptionId") or (
        _missing_or_mistyped(doc, "", "notificationType"))  # fmt: skip
    if problem:
        return reject(problem, doc)
    notification_id, subscription_id = meta["notificationId"], meta["subscriptionId"]
    notification_type = doc["notificationType"]
    account = subscriptions.get(subscription_id)
    if account is None:
        return reject(
            f"unknown subscription {subscription_id}: not in ops.notification_subscriptions (run `ahw notifications "
            "setup` for this queue, or the message belongs to another application)",
            doc,
        )
    payload = doc.get("payload")
    previous = current = None
    if notification_type == ACCOUNT_STATUS_CHANGED:
        change = payload.get("accountStatusChangeNotification") if isinstance(payload, dict) else None
        if not isinstance(change, dict) or not _str(change.get("currentAccountStatus")):
            return reject(
                "ACCOUNT_STATUS_CHANGED without payload.accountStatusChangeNotification.currentAccountStatus", doc
            )
        previous, current = _str(change.get("previousAccountStatus")), _str(change.get("currentAccountStatus"))
    problems: list[str] = []
    event_time = _utc(doc, "eventTime", received_at, problems)
    publish_time = _utc(meta, "publishTime", received_at, problems)
    return Notification(
        notification_id=notification_id,
        notification_type=notification_type,
        notification_version=_str(doc.get("notificationVersion")),
        payload_version=_str(doc.get("payloadVersion")),
        event_time=event_time,
        publish_time=publish_time,
        subscription_id=subscription_id,
        application_id=_str(meta.get("applicationId")),
        account_id=account,
        previous_account_status=previous,
        current_account_status=current,
        payload=json.dumps(payload),
        envelope=body,
        sqs_message_id=message_id,
        received_at=received_at,
        time_problems=tuple(problems),
    )


def _missing_or_mistyped(obj: Mapping, prefix: str, *keys: str) -> str | None:
    """The reason the first of ``keys`` that is not a non-empty string is unusable, else None."""
    for key in keys:
        value = obj.get(key)
        if value is None or value == "":
            return f"{prefix}{key} is missing"
        if not isinstance(value, str):
            return f"{prefix}{key} is not a string (a {type(value).__name__}: {str(value)[:40]})"
    return None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def open_writer(duckdb_path: Path) -> duckdb.DuckDBPyConnection:
    """A write connection to the warehouse, or WarehouseBusy when another process holds the file."""
    Path(duckdb_path).parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(duckdb_path))
    except duckdb.IOException as exc:
        if is_lock_error(exc):
            holder = lock_holder(exc)
            who = f"process {holder[0]} ({holder[1]})" if holder else "another writer (a run)"
            raise WarehouseBusy(f"the warehouse {duckdb_path} is locked by {who}") from None
        raise


def _insert_returning(con, table, rows: list[tuple], key: str) -> set[str]:
    if not rows:
        return set()
    columns = table.column_names
    placeholders = ", ".join("(" + ", ".join("?" * len(columns)) + ")" for _ in rows)
    params = [value for row in rows for value in row]
    returned = con.execute(
        f"insert into {table.qualified} ({', '.join(columns)}) values {placeholders} "
        f"on conflict do nothing returning {key}",
        params,
    ).fetchall()
    return {r[0] for r in returned}


def _rows(parsed: list[Notification | Rejected], now: datetime) -> tuple[list[tuple], list[tuple]]:
    notifications: dict[str, Notification] = {}
    for item in parsed:
        if isinstance(item, Notification):
            notifications.setdefault(item.notification_id, item)
    rejects = {r.sqs_message_id: r for r in parsed if isinstance(r, Rejected)}
    rows = [
        (n.notification_id, n.notification_type, n.notification_version, n.payload_version, n.event_time,
         n.publish_time, n.subscription_id, n.application_id, n.account_id, n.previous_account_status,
         n.current_account_status, n.payload, n.envelope, n.sqs_message_id, n.received_at, now)
        for n in notifications.values()
    ]  # fmt: skip
    reject_rows = [
        (r.sqs_message_id, r.body, r.body_sha256, r.reason, r.notification_id, r.notification_type, r.subscription_id,
         r.received_at)
        for r in rejects.values()
    ]  # fmt: skip
    return rows, reject_rows


def _insert(con: duckdb.DuckDBPyConnection, parsed: list[Notification | Rejected]) -> tuple[set[str], set[str]]:
    """One transaction: (new notification ids, new kept-aside message ids); raises and rolls back on failure."""
    rows, reject_rows = _rows(parsed, datetime.now(UTC).replace(tzinfo=None))
    con.execute("begin transaction")
    try:
        new_ids = _insert_returning(con, NOTIFICATIONS, rows, "notification_id")
        new_rejects = _insert_returning(con, NOTIFICATION_REJECTS, reject_rows, "sqs_message_id")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return new_ids, new_rejects


def _storable(text: str) -> str:
    """Text DuckDB can store whatever a body holds (lone surrogates escaped)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass
class BatchOutcome:
    """What recording one batch did."""

    recorded: list[Notification] = field(default_factory=list)
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    unrecorded: set[str] = field(default_factory=set)
    """SQS message ids that could be recorded neither as a row nor kept aside: left in the queue."""


def record_batch(con: duckdb.DuckDBPyConnection, parsed: list[Notification | Rejected]) -> BatchOutcome:
    """Insert a batch in one transaction (one row per notificationId, ``ON CONFLICT DO NOTHING``).

    When the batch cannot be inserted (a value DuckDB will not store), each message is tried on its
    own, and one that still fails is kept aside with the database's reason (body escaped): one message
    never holds back the others. Only a message that cannot even be kept aside stays unrecorded
    (and in the queue; logged as an error).
    """
    try:
        new_ids, new_rejects = _insert(con, parsed)
    except Exception as exc:  # noqa: BLE001 - retried message by message below
        log.warning("a batch of %d message(s) could not be recorded at once (%s); recording one by one",
                    len(parsed), type(exc).__name__)  # fmt: skip
        new_ids, new_rejects, stored, unrecorded = set(), set(), [], set()
        for item in parsed:
            try:
                ids, rejects = _insert(con, [item])
            except Exception as exc:  # noqa: BLE001
                item = Rejected(item.sqs_message_id, _storable(item.body if isinstance(item, Rejected) else
                                item.envelope), f"could not be recorded: {type(exc).__name__}: {str(exc)[:200]}",
                                _storable(item.notification_id or "") or None, None, None, item.received_at)  # fmt: skip
                try:
                    ids, rejects = _insert(con, [item])
                except Exception as again:  # noqa: BLE001
                    log.error("message %s could not be recorded nor kept aside (%s): left in the queue",
                              item.sqs_message_id, type(again).__name__)  # fmt: skip
                    unrecorded.add(item.sqs_message_id)
                    continue
            new_ids |= ids
            new_rejects |= rejects
            stored.append(item)
        parsed = stored
        outcome = BatchOutcome(unrecorded=unrecorded)
    else:
        outcome = BatchOutcome()
    seen: set[str] = set()
    for item in parsed:
        if isinstance(item, Notification):
            if item.notification_id in new_ids and item.notification_id not in seen:
                outcome.recorded.append(item)
                seen.add(item.notification_id)
            else:
                outcome.duplicates += 1
        elif item.sqs_message_id in new_rejects:
            outcome.rejected.append(item)
    return outcome


def drain(
    queue: QueueConfig,
    duckdb_path: Path | None = None,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    wait_seconds: int = 10,
    visibility_timeout: int = 120,
    max_messages: int = 1000,
    time_budget_seconds: float = 40.0,
    on_committed: Callable[[list[Notification | Rejected]], None] | None = None,
    sqs=None,
) -> IntakeResult:
    """Receive, record and delete until the queue is empty, ``max_messages`` or the time budget.

    The first receive long-polls ``wait_seconds`` (0-20); later ones return at once, so an empty
    queue ends the call. ``on_committed`` is called with each batch after its commit and before its
    deletion (progress reporting; tests use it to kill the process there).

    Writes through ``con`` when given (a run's connection). Otherwise the DuckDB file at
    ``duckdb_path`` is opened only while messages are being recorded -- never during the long poll,
    which would lock runs out for its whole wait -- and WarehouseBusy is raised when another process
    holds it: before receiving anything, or, if a run took the file meanwhile, after making the
    batch just received visible again, unrecorded and undeleted.
    """
    if con is None and duckdb_path is None:
        raise ValueError("drain needs a DuckDB connection or the path of the DuckDB file")
    started = time.monotonic()
    result = IntakeResult()
    sqs = sqs or queue.client()
    writer = con
    subscriptions: dict[str, str] | None = None
    if writer is None:  # fail fast, with the queue untouched, while a run holds the file
        open_writer(duckdb_path).close()
    try:
        wait = wait_seconds
        while result.received < max_messages:
            remaining = time_budget_seconds - (time.monotonic() - started)
            if remaining <= 0:
                break
            response = sqs.receive_message(
                QueueUrl=queue.queue_url,
                MaxNumberOfMessages=min(10, max_messages - result.received),
                WaitTimeSeconds=int(max(0, min(wait, remaining))),
                VisibilityTimeout=visibility_timeout,
            )
            messages = response.get("Messages", [])
            if not messages:
                break
            wait = 0
            if writer is None:
                try:
                    writer = open_writer(duckdb_path)
                except WarehouseBusy:
                    _release(sqs, queue, messages)
                    raise
            if subscriptions is None:
                ensure_tables(writer)
                subscriptions = subscription_map(writer)
            received_at = datetime.now(UTC).replace(tzinfo=None)
            parsed = [parse_message(m.get("MessageId", ""), m.get("Body", ""), subscriptions, received_at)
                      for m in messages]  # fmt: skip
            outcome = record_batch(writer, parsed)
            result.received += len(messages)
            result.batches += 1
            result.recorded.extend(outcome.recorded)
            result.duplicates += outcome.duplicates
            result.rejected.extend(outcome.rejected)
            if on_committed is not None:
                on_committed(parsed)
            done = [m for m in messages if m.get("MessageId", "") not in outcome.unrecorded]
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)]
            if entries:
                deleted = sqs.delete_message_batch(QueueUrl=queue.queue_url, Entries=entries)
                result.deleted += len(deleted.get("Successful", []))
                for failure in deleted.get("Failed", []):  # comes back after the visibility timeout: harmless
                    log.warning("could not delete message %s from the queue: %s", failure.get("Id"),
                                failure.get("Message"))  # fmt: skip
            # Logged after the delete: nothing said about a message can keep it in the queue.
            for n in outcome.recorded:
                log.info("notification recorded: %s", n.describe())
            for r in outcome.rejected:
                log.warning("notification message %s kept aside in %s: %s", r.sqs_message_id,
                            NOTIFICATION_REJECTS.qualified, r.reason)  # fmt: skip
    finally:
        if con is None and writer is not None:
            writer.close()
        result.elapsed_seconds = time.monotonic() - started
    return result


def _release(sqs, queue: QueueConfig, messages: list[dict]) -> None:
    """Make received messages visible again at once (best effort; else they return after the timeout)."""
    entries = [
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0} for i, m in enumerate(messages)
    ]
    try:
        sqs.change_message_visibility_batch(QueueUrl=queue.queue_url, Entries=entries)
    except Exception as exc:
        log.warning(
            "could not release %d message(s); they come back after the visibility timeout: %s", len(messages), exc
        )


def queue_depth(queue: QueueConfig, sqs=None) -> int | None:
    """Messages waiting (visible + in flight), SQS's approximate count; None when it cannot be read."""
    try:
        attributes = (sqs or queue.client()).get_queue_attributes(
            QueueUrl=queue.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
    except Exception:
        return None
    return int(attributes.get("ApproximateNumberOfMessages", 0)) + int(
        attributes.get("ApproximateNumberOfMessagesNotVisible", 0)
    )
