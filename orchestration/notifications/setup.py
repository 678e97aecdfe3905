"""``ahw notifications setup``: the SQS destination and one ACCOUNT_STATUS_CHANGED subscription per account.

Live and sandbox run the same code through python-amazon-sp-api's ``Notifications`` client; only the
endpoint, the LWA URL and the queue differ (configuration). Idempotent: an existing destination for
the queue's ARN is reused (``getDestinations``), an existing subscription to it is kept
(``getSubscription``), one pointing elsewhere is replaced, and a 409 from a concurrent set-up is
resolved by reading back. Destinations belong to the application per SP-API region (grantless calls,
LWA ``client_credentials``); subscriptions belong to each selling partner (the seller's token).

The documented payload names neither the seller nor the marketplace, so the subscription id is the
only link back to an account: every subscription is recorded in ``ops.notification_subscriptions``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
from sp_api.base import (
    SellingApiException,
    SellingApiNotFoundException,
    SellingApiRequestThrottledException,
    SellingApiServerException,
    SellingApiStateConflictException,
    SellingApiTemporarilyUnavailableException,
)
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from orchestration.notifications.queue import QueueConfig
from orchestration.notifications.tables import SUBSCRIPTIONS, ensure_tables
from orchestration.spapi.accounts import SellerAccount
from orchestration.spapi.client import SpApiEndpoint, notifications_client

log = logging.getLogger(__name__)

ACCOUNT_STATUS_CHANGED = "ACCOUNT_STATUS_CHANGED"
#: Payload version of ACCOUNT_STATUS_CHANGED subscriptions (Amazon's notification type table).
PAYLOAD_VERSION = "2021-01-01"
DESTINATION_NAME = "account-health-warehouse"

#: Notifications API usage plan is 1 request/s, burst 5: a set-up of many accounts meets 429s.
_retry = retry(
    retry=retry_if_exception_type(
        (SellingApiRequestThrottledException, SellingApiServerException, SellingApiTemporarilyUnavailableException)
    ),
    wait=wait_exponential(multiplier=0.5, max=10),
    stop=stop_after_attempt(6),
    reraise=True,
)


class SetupError(RuntimeError):
    """A destination or subscription could not be made; names the account and Amazon's error."""


@dataclass
class SetupResult:
    destinations: dict[str, str] = field(default_factory=dict)
    """region -> destinationId."""
    subscriptions: dict[str, str] = field(default_factory=dict)
    """account name -> subscriptionId."""
    created: list[str] = field(default_factory=list)
    """What this call created (``destination NA``, ``subscription acme-home``), for the CLI."""
    kept: list[str] = field(default_factory=list)


def _errors(exc: SellingApiException) -> str:
    return "; ".join(f"{e.get('code')}: {e.get('message')} {e.get('details') or ''}".strip() for e in exc.error or [])


@_retry
def _call(fn: Callable, *args, **kwargs):
    return fn(*args, **kwargs)


def ensure_destination(endpoint: SpApiEndpoint, region: str, queue_arn: str, result: SetupResult) -> str:
    """The destinationId for ``queue_arn`` in ``region``, created when missing (grantless calls)."""
    client = notifications_client(endpoint, None, region)
    try:

        def existing() -> str | None:
            for dest in _call(client.get_destinations).payload or []:
                if ((dest.get("resource") or {}).get("sqs") or {}).get("arn") == queue_arn:
                    return dest["destinationId"]
            return None

        found = existing()
        if found:
            result.kept.append(f"destination {region}")
            return found
        try:
            created = _call(client.create_destination, name=DESTINATION_NAME, arn=queue_arn).payload
            result.created.append(f"destination {region}")
            return created["destinationId"]
        except SellingApiStateConflictException:  # made meanwhile by another set-up: read it back
            found = existing()
            if found:
                result.kept.append(f"destination {region}")
                return found
            raise
    except SellingApiException as exc:
        raise SetupError(f"destination for {queue_arn} in region {region}: {_errors(exc)}") from None
    finally:
        client.close()


def ensure_subscription(
    endpoint: SpApiEndpoint, account: SellerAccount, destination_id: str, result: SetupResult
) -> str:
    """The account's ACCOUNT_STATUS_CHANGED subscriptionId to ``destination_id``, created when missing."""
    client = notifications_client(endpoint, account, account.region)
    try:
        try:
            current = _call(client.get_subscription, ACCOUNT_STATUS_CHANGED, payloadVersion=PAYLOAD_VERSION).payload
        except SellingApiNotFoundException:
            current = None
        if current and current.get("destinationId") == destination_id:
            result.kept.append(f"subscription {account.name}")
            return current["subscriptionId"]
        if current:  # subscribed to another destination of this application: move it to ours
            _call(client.delete_notification_subscription, ACCOUNT_STATUS_CHANGED, current["subscriptionId"])
        try:
            created = _call(client.create_subscription, ACCOUNT_STATUS_CHANGED, destination_id=destination_id,
                            payload_version=PAYLOAD_VERSION).payload  # fmt: skip
        except SellingApiStateConflictException:
            created = _call(client.get_subscription, ACCOUNT_STATUS_CHANGED, payloadVersion=PAYLOAD_VERSION).payload
        result.created.append(f"subscription {account.name}")
        return created["subscriptionId"]
    except SellingApiException as exc:
        raise SetupError(f"account {account.name!r}: ACCOUNT_STATUS_CHANGED subscription: {_errors(exc)}") from None
    finally:
        client.close()


def setup_notifications(
    con: duckdb.DuckDBPyConnection,
    endpoint: SpApiEndpoint,
    accounts: Sequence[SellerAccount],
    queue: QueueConfig,
) -> SetupResult:
    """Destination per region + subscription per account, recorded in ``ops.notification_subscriptions``.

    In sandbox mode the local queue is created first (``CreateQueue`` is idempotent); in live mode the
    queue must exist already (its policy must let Amazon send to it). Raises SetupError naming the
    account and Amazon's error; subscriptions made before the error are recorded.
    """
    if queue.is_sandbox:
        queue.client().create_queue(QueueName=queue.queue_name)
    ensure_tables(con)
    result = SetupResult()
    try:
        for region in sorted({a.region for a in accounts}):
            result.destinations[region] = ensure_destination(endpoint, region, queue.queue_arn, result)
        for account in accounts:
            subscription_id = ensure_subscription(endpoint, account, result.destinations[account.region], result)
            result.subscriptions[account.name] = subscription_id
            _record(con, subscription_id, account, result.destinations[account.region], queue)
    finally:
        log.info("notifications set-up: created %s; kept %s", result.created or "nothing", result.kept or "nothing")
    return result


def _record(con, subscription_id: str, account: SellerAccount, destination_id: str, queue: QueueConfig) -> None:
    values = [subscription_id, account.name, account.selling_partner_id, ACCOUNT_STATUS_CHANGED, PAYLOAD_VERSION,
              destination_id, queue.queue_arn, queue.mode, datetime.now(UTC).replace(tzinfo=None)]  # fmt: skip
    columns = ", ".join(SUBSCRIPTIONS.column_names)
    updates = ", ".join(f"{c} = excluded.{c}" for c in SUBSCRIPTIONS.column_names if c != "subscription_id")
    con.execute(
        f"insert into {SUBSCRIPTIONS.qualified} ({columns}) values ({', '.join('?' * len(values))}) "
        f"on conflict (subscription_id) do update set {updates}",
        values,
    )


def subscription_map(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """subscription id -> account name, as recorded by the set-up."""
    ensure_tables(con)
    return dict(con.execute(f"select subscription_id, account_id from {SUBSCRIPTIONS.qualified}").fetchall())
