"""Alert delivery as an asset: after ``marts.fct_alerts`` is built and published, deliver what changed.

Delivery rules and secrecy are in ``orchestration/notifications/delivery.py``. The materialization
carries the counts people look for in the UI: open alerts by kind and by severity, what was delivered
this time and what failed. Without AHW_ALERT_URLS the alerts are only recorded (the mart, and these
counts).
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.config import load_settings
from orchestration.defs.alerts.schedules import ALERT_DELIVERIES_KEY
from orchestration.defs.extraction.assets import DUCKDB_WRITER_POOL
from orchestration.defs.extraction.partitions import daily_partitions
from orchestration.defs.transformation.assets import PUBLISHED_MARTS_KEY


@dg.asset(
    key=ALERT_DELIVERIES_KEY,
    deps=[PUBLISHED_MARTS_KEY],
    group_name="alerts",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=DUCKDB_WRITER_POOL,
    kinds={"duckdb", "apprise"},
    description="Delivers new, escalated and resolved alert episodes of marts.fct_alerts to AHW_ALERT_URLS "
    "(Apprise: Slack, e-mail, webhooks); every attempt in ops.alert_deliveries. Metadata: open alerts by kind and "
    "severity.",
)
def alert_deliveries(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    from orchestration.notifications.alerts import counts, read_alerts
    from orchestration.notifications.delivery import deliver, settings_secrets

    settings = load_settings()
    with duckdb.get_connection() as con:
        result = deliver(con, settings.alert_urls, secrets=settings_secrets(settings))
        alerts = read_alerts(con)
    summary = counts(alerts)
    context.log.info(result.summary())
    for item in result.failed:
        context.log.warning(
            f"alert {item.alert.alert_id} ({item.event}) not delivered to a {item.target.scheme} target"
        )
    return dg.MaterializeResult(
        metadata={
            "open_alerts": sum(summary["by_kind"].values()),
            "open_critical": summary["by_severity"].get("critical", 0),
            "open_by_kind": dg.MetadataValue.json(summary["by_kind"]),
            "open_by_severity": dg.MetadataValue.json(summary["by_severity"]),
            "episodes_total": len(alerts),
            "targets": result.targets,
            "delivered": len(result.delivered),
            "failed": len(result.failed),
            "attempts": result.attempts,
            "held_back_acknowledged": result.skipped_acknowledged,
            "delivery": result.summary(),
        }
    )


alert_assets = [alert_deliveries]
