"""The job a status-change notification triggers: a fresh snapshot of one account, and what follows.

``account_refresh`` extracts ``GET_V2_SELLER_PERFORMANCE_REPORT`` for the account named by the run's
``ahw/account`` tag only (the other accounts are not asked), collects the queue's notifications, then
runs the raw gate, one ``dbt build`` of the partition, the mart gates, the exports and the alerts --
so the rating and the alerts follow Amazon within minutes of the notification instead of the next
morning. The whole dbt project is built (not only what reads the snapshot): the marts read
intermediate tables of the other reports too, which must exist even in a warehouse whose first run
this is; rebuilding a partition is idempotent.
"""

from __future__ import annotations

import dagster as dg

from orchestration.defs.extraction.partitions import daily_partitions
from orchestration.defs.transformation.assets import dbt_models

SELLER_PERFORMANCE_KEY = dg.AssetKey(["raw", "seller_performance"])

account_refresh_job = dg.define_asset_job(
    "account_refresh",
    selection=dg.AssetSelection.assets(SELLER_PERFORMANCE_KEY).downstream()
    | dg.AssetSelection.assets(*dbt_models.keys),
    partitions_def=daily_partitions,
    executor_def=dg.in_process_executor,
    description="A fresh seller performance snapshot of the account tagged ahw/account, then its marts, exports "
    "and alerts for the partition (triggered by ACCOUNT_STATUS_CHANGED notifications).",
)
