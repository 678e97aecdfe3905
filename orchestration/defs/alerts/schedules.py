"""The alerts job: rebuild ``marts.fct_alerts``, publish it and deliver what changed.

The daily pipeline and the account refresh build both as part of their graph. This job exists for
what they cannot do: announce a run that failed its blocking gates (``sensors.py`` starts it then,
since the failed run skipped everything downstream of the gate), and a by-hand ``ahw run --job
alerts``. Publishing here puts the new ``fct_alerts`` beside the other marts as last published: the
dbt step first resets a build area left unpublished by the failed run, so nothing unaudited is
published with it.
"""

from __future__ import annotations

import dagster as dg

from orchestration.defs.extraction.partitions import daily_partitions
from orchestration.defs.transformation.assets import PUBLISHED_MARTS_KEY

ALERTS_MART_KEY = dg.AssetKey(["marts", "fct_alerts"])
ALERT_DELIVERIES_KEY = dg.AssetKey(["alerts", "alert_deliveries"])

alerts_job = dg.define_asset_job(
    "alerts",
    selection=dg.AssetSelection.assets(ALERTS_MART_KEY, PUBLISHED_MARTS_KEY, ALERT_DELIVERIES_KEY),
    partitions_def=daily_partitions,
    executor_def=dg.in_process_executor,
    description="Rebuild marts.fct_alerts from the marts, the notifications and the quality results, and deliver "
    "new, escalated and resolved alerts to AHW_ALERT_URLS.",
)
