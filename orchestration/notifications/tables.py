"""Tables of notifications and alerts: ``raw.notifications``, ``raw.notification_rejects`` and schema ``ops``.

The two raw tables' columns are part of the raw contract (``orchestration/raw_schema.py``); the ``ops``
tables are defined here in the same ``Column`` style. ``ops`` holds the warehouse's own
operational records, not Amazon data: the subscription map, the log of alert delivery attempts and
acknowledgements. Timestamps are UTC (naive ``TIMESTAMP``).

Keys are enforced (DuckDB primary keys) where a duplicate would be a bug: one row per
``notificationId`` (SQS delivers at least once), one per kept-aside SQS message, one per subscription.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from orchestration.raw_schema import NOTIFICATION_COLUMNS, NOTIFICATION_REJECT_COLUMNS, PRIMARY_KEYS, Column

_ARROW = {"VARCHAR": pa.string(), "JSON": pa.string(), "TIMESTAMP": pa.timestamp("us"), "INTEGER": pa.int32(),
          "BOOLEAN": pa.bool_()}  # fmt: skip


def _c(name: str, ddl: str, description: str) -> Column:
    return Column(name, ddl, _ARROW[ddl], description)


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    description: str = ""

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    def create_sql(self) -> str:
        cols = [f"{c.name} {c.ddl_type}" for c in self.columns]
        if self.primary_key:
            cols.append(f"PRIMARY KEY ({', '.join(self.primary_key)})")
        return f"CREATE TABLE IF NOT EXISTS {self.qualified} (\n  " + ",\n  ".join(cols) + "\n)"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


NOTIFICATIONS = Table(
    "raw",
    "notifications",
    NOTIFICATION_COLUMNS,
    PRIMARY_KEYS["notifications"],
    "One row per notification (notificationId) received from the SQS queue, envelope kept as received.",
)

NOTIFICATION_REJECTS = Table(
    "raw",
    "notification_rejects",
    NOTIFICATION_REJECT_COLUMNS,
    PRIMARY_KEYS["notification_rejects"],
    "One row per SQS message that could not be recorded as a notification; kept with the reason, "
    "deleted from the queue so it never blocks it.",
)

SUBSCRIPTIONS = Table(
    "ops",
    "notification_subscriptions",
    (
        _c("subscription_id", "VARCHAR", "subscriptionId Amazon (or the sandbox) returned"),
        _c("account_id", "VARCHAR", "configured account name"),
        _c("selling_partner_id", "VARCHAR", "the account's selling partner id"),
        _c("notification_type", "VARCHAR", "e.g. ACCOUNT_STATUS_CHANGED"),
        _c("payload_version", "VARCHAR", "payload version subscribed to"),
        _c("destination_id", "VARCHAR", "destinationId of the SQS destination"),
        _c("queue_arn", "VARCHAR", "ARN of the destination's SQS queue"),
        _c("mode", "VARCHAR", "live or sandbox"),
        _c("recorded_at", "TIMESTAMP", "UTC, when ahw notifications setup last confirmed it"),
    ),
    ("subscription_id",),
    "One row per notification subscription the warehouse made: maps subscription id -> account.",
)

ALERT_DELIVERIES = Table(
    "ops",
    "alert_deliveries",
    (
        _c("alert_id", "VARCHAR", "marts.fct_alerts.alert_id"),
        _c("dedupe_key", "VARCHAR", "marts.fct_alerts.dedupe_key"),
        _c("kind", "VARCHAR", "alert kind"),
        _c("account_id", "VARCHAR", "account of the alert (NULL for warehouse-wide alerts)"),
        _c("marketplace_id", "VARCHAR", "marketplace of the alert (NULL when not marketplace-specific)"),
        _c("event", "VARCHAR", "opened, escalated or resolved"),
        _c("severity", "VARCHAR", "severity delivered (low, medium, high, critical)"),
        _c("severity_rank", "INTEGER", "1 low .. 4 critical"),
        _c("target_scheme", "VARCHAR", "scheme of the Apprise URL (json, mailto, slack, ...); never the URL"),
        _c("target_hash", "VARCHAR", "first 16 hex of SHA-256 of the URL: tells targets apart without storing them"),
        _c("attempt", "INTEGER", "1-based attempt number of this delivery"),
        _c("attempted_at", "TIMESTAMP", "UTC"),
        _c("success", "BOOLEAN", "Apprise reported the notification sent"),
        _c("error", "VARCHAR", "why it failed, with every part of the URL removed"),
        _c("title", "VARCHAR", "the title sent (no secrets, no buyer data)"),
    ),
    (),
    "One row per delivery attempt of an alert event to one target.",
)

ALERT_ACKNOWLEDGEMENTS = Table(
    "ops",
    "alert_acknowledgements",
    (
        _c("alert_id", "VARCHAR", "marts.fct_alerts.alert_id"),
        _c("severity_rank", "INTEGER", "severity rank when acknowledged: not delivered again until it rises above"),
        _c("acknowledged_at", "TIMESTAMP", "UTC"),
        _c("acknowledged_by", "VARCHAR", "who acknowledged (free text given to ahw alerts ack)"),
        _c("note", "VARCHAR", "optional note"),
    ),
    ("alert_id",),
    "One row per acknowledged alert (the latest acknowledgement).",
)

TABLES = (NOTIFICATIONS, NOTIFICATION_REJECTS, SUBSCRIPTIONS, ALERT_DELIVERIES, ALERT_ACKNOWLEDGEMENTS)


def ddl() -> list[str]:
    schemas = sorted({t.schema for t in TABLES})
    return [f"CREATE SCHEMA IF NOT EXISTS {s}" for s in schemas] + [t.create_sql() for t in TABLES]


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables when missing (idempotent; existing tables are left as they are)."""
    for statement in ddl():
        con.execute(statement)
