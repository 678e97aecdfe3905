"""Blocking Great Expectations gates on the marts: the rating, the metrics, the policy violations,
the rating components and the snapshots. Everything downstream of the marts (exports, report, alerts)
waits for them. The reported-vs-estimated gap is a warning inside the suite (recorded, never
blocking). Keys, relationships and accepted values are dbt tests.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.defs.extraction.assets import DUCKDB_WRITER_POOL
from orchestration.defs.extraction.checks import CHECK_NAME, check_result, partition_range
from orchestration.defs.transformation.partitions import daily_partitions

GUARDED_MARTS = (
    "fct_account_health_rating",
    "fct_health_metrics_daily",
    "fct_policy_violations_daily",
    "fct_rating_components",
    "fct_account_health_snapshots",
)


def build_mart_check(model: str) -> dg.AssetChecksDefinition:
    asset_key = f"marts/{model}"

    @dg.asset_check(
        asset=dg.AssetKey(["marts", model]),
        name=CHECK_NAME,
        blocking=True,
        partitions_def=daily_partitions,
        pool=DUCKDB_WRITER_POOL,
        description=f"Great Expectations suites of marts.{model} on the partition(s) just built (blocking).",
    )
    def _check(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource) -> dg.AssetCheckResult:
        start, end = partition_range(context)
        return check_result(context, duckdb, asset_key, start, end)

    return _check


mart_checks = [build_mart_check(m) for m in GUARDED_MARTS]
