"""Dagster's SQLite event log, writing a batch of asset events in one transaction.

A run over a range of daily partitions records one ``ASSET_MATERIALIZATION_PLANNED`` and one
``ASSET_MATERIALIZATION`` event per asset and partition: the demo's first run (90 days, 77 assets)
records about 13,600. Dagster's ``SqliteEventLogStorage`` writes each in its own connection and
transactions (the run's shard, then the cross-run index): about 10 ms apiece here, over two minutes of
that run, while dbt waited for the CPU.

Dagster already groups those events (the events of one output's partitions, the planned events of a
run) and hands each group to ``store_event_batch`` when ``DAGSTER_EVENT_BATCH_SIZE`` is above 0; the
SQLite storage then stores them one by one all the same. This subclass writes a group of asset events
into the run's shard in one transaction and mirrors them into the index in one more, with the same
rows as ``store_event`` writes (the asset tables included); as with Dagster's own two transactions
per event, a crash between them can leave a group in the run's log and not yet in the index.
Other events in a group (a check's planned evaluation) are stored one by one, as Dagster does, except
that a partitioned check's planned event is serialized once, not once per partition.

The project's ``dagster.yaml`` names this class as the event log storage, and
:func:`enable_event_batching` sets ``DAGSTER_EVENT_BATCH_SIZE`` (Dagster reads it from the
environment only) in every process that runs steps: the command line and the code location.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from dagster._core.events import ASSET_EVENTS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable
from dagster._serdes import ConfigurableClassData, serialize_value

#: Dagster's knob (events per batch) for grouping the asset events of one output or plan.
EVENT_BATCH_SIZE_ENV = "DAGSTER_EVENT_BATCH_SIZE"
#: Groups larger than this are written in several transactions (a group is one output's partitions).
EVENT_BATCH_SIZE = 1000


def enable_event_batching() -> None:
    """Let Dagster hand grouped asset events to ``store_event_batch`` (an operator's value is kept)."""
    os.environ.setdefault(EVENT_BATCH_SIZE_ENV, str(EVENT_BATCH_SIZE))


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` whose ``store_event_batch`` writes asset events in one transaction.

    Config: ``base_dir`` (the folder of the per-run databases and the index), as Dagster's own.
    """

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value) -> BatchedSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """Store ``events`` in order: each stretch of asset events of one run in two transactions, any
        other event (a check's planned evaluation, say) as Dagster stores it."""
        stretch: list[EventLogEntry] = []
        for event in events:
            if _is_asset_event(event) and (not stretch or stretch[0].run_id == event.run_id):
                stretch.append(event)
                continue
            self._store_asset_events(stretch)
            stretch = []
            if _is_asset_event(event):
                stretch.append(event)
            else:
                self.store_event(event)
        self._store_asset_events(stretch)

    def _store_asset_events(self, events: list[EventLogEntry]) -> None:
        """The rows ``store_event`` writes for each asset event, in one run-shard and one index transaction."""
        if len(events) < 2:
            for event in events:
                self.store_event(event)
            return
        statements = [self.prepare_insert_event(event) for event in events]
        with self.run_connection(events[0].run_id) as conn:
            for statement in statements:
                conn.execute(statement)
        with self.index_transaction() as conn:
            event_ids = [conn.execute(statement).inserted_primary_key[0] for statement in statements]
            self._store_asset_event_tags(conn, events, event_ids)
            for event, event_id in zip(events, event_ids, strict=True):
                self._store_asset_event(conn, event, event_id)

    def _store_asset_check_evaluation_planned(self, event: EventLogEntry, event_id: int | None) -> None:
        """Dagster's rows (one per planned partition), with the event serialized once rather than once
        per partition: a daily check planned over 90 days otherwise serializes its event 90 times."""
        planned = event.get_dagster_event().event_specific_data
        partition_keys = planned.partitions_subset.get_partition_keys() if planned.partitions_subset else [None]
        common = {
            "asset_key": planned.asset_key.to_string(),
            "check_name": planned.check_name,
            "run_id": event.run_id,
            "execution_status": AssetCheckExecutionRecordStatus.PLANNED.value,
            "evaluation_event": serialize_value(event),
            "evaluation_event_timestamp": self._event_insert_timestamp(event),
            "evaluation_event_storage_id": event_id,
        }
        with self.index_connection() as conn:
            conn.execute(
                AssetCheckExecutionsTable.insert().values([{**common, "partition": key} for key in partition_keys])
            )


def _is_asset_event(event: EventLogEntry) -> bool:
    return event.is_dagster_event and event.dagster_event_type in ASSET_EVENTS
