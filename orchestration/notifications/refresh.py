"""Which recorded status changes still wait for their refresh: derived from the warehouse, not from a call.

A recorded ``ACCOUNT_STATUS_CHANGED`` must lead to a fresh seller performance snapshot of its account.
Deciding that from "the rows this drain inserted" loses the refresh whenever anything fails between
the commit and the moment the sensor hands its run requests to Dagster (a crash, a kill, an error
while logging): the redelivered messages are then duplicates and nothing asks for the run again.

So the answer is read from what is recorded: a status change is *refreshed* once ``raw.seller_performance``
holds a snapshot of its account that Amazon took at or after the change (``snapshot_at`` >= the
notification's publish time, else its event time, else its receipt). Until then it is *pending*. The
sensor asks for one ``account_refresh`` run per account with pending changes, and remembers in its
cursor (persisted by Dagster together with the run requests) which pending changes it already asked
for, so a tick does not ask twice while the run is under way; ``run_key`` deduplicates as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.notifications.intake import ACCOUNT_STATUS_CHANGED, WarehouseBusy, open_writer
from orchestration.notifications.tables import NOTIFICATIONS


@dataclass(frozen=True)
class PendingChange:
    """A recorded status change without a snapshot taken after it (the fields refresh requests need)."""

    notification_id: str
    account_id: str
    current_account_status: str
    event_time: datetime | None
    publish_time: datetime | None
    received_at: datetime


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
        ).fetchone()[0]
    )


def pending_status_changes(con: duckdb.DuckDBPyConnection) -> list[PendingChange]:
    """Every recorded status change whose account has no snapshot taken at or after it (oldest first)."""
    if not _exists(con, NOTIFICATIONS.schema, NOTIFICATIONS.name):
        return []
    snapshots = (
        "select account_id, max(snapshot_at) as snapshot_at from raw.seller_performance group by account_id"
        if _exists(con, "raw", "seller_performance")
        else "select null::varchar as account_id, null::timestamp as snapshot_at where false"
    )
    rows = con.execute(
        f"""
        with latest as ({snapshots})
        select n.notification_id, n.account_id, n.current_account_status, n.event_time, n.publish_time, n.received_at
        from {NOTIFICATIONS.qualified} as n
        left join latest as l on l.account_id = n.account_id
        where n.notification_type = ? and n.current_account_status is not null
          and (l.snapshot_at is null or l.snapshot_at < coalesce(n.publish_time, n.event_time, n.received_at))
        order by coalesce(n.publish_time, n.event_time, n.received_at), n.notification_id
        """,
        [ACCOUNT_STATUS_CHANGED],
    ).fetchall()
    return [PendingChange(*row) for row in rows]


def to_request(pending: Iterable[PendingChange], already_requested: Iterable[str]) -> list[PendingChange]:
    """The pending changes no run has been asked for yet."""
    asked = set(already_requested)
    return [p for p in pending if p.notification_id not in asked]


def read_pending(duckdb_path: Path) -> list[PendingChange] | None:
    """:func:`pending_status_changes` of the warehouse file; None while another process holds it."""
    try:
        con = open_writer(duckdb_path)
    except WarehouseBusy:
        return None
    try:
        return pending_status_changes(con)
    finally:
        con.close()
