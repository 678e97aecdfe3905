"""Blocking Great Expectations gates on the raw tables: dbt does not run on a partition whose raw
checks failed (blocking checks stop downstream steps of the same run).

Each check validates the partition range the run just wrote with every suite of its table
(orchestration/quality/suites.py), through the run's own ``duckdb`` resource (one process, one
connection configuration; the recording is a write, serialized with the other writers by the pool).
"""

from datetime import timedelta

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.defs.extraction.assets import DUCKDB_WRITER_POOL
from orchestration.defs.extraction.partitions import daily_partitions

CHECK_NAME = "great_expectations"


def partition_range(context: dg.AssetCheckExecutionContext):
    window = context.partition_time_window
    return window.start.date(), window.end.date() - timedelta(days=1)


def check_result(context, duckdb: DuckDBResource, asset_key: str, start, end) -> dg.AssetCheckResult:
    from orchestration.quality.gates import check_metadata, run_gate, summary_message

    with duckdb.get_connection() as con:
        outcomes = run_gate(con, asset_key, start, end, run_id=context.run.run_id)
    passed = all(o.success for o in outcomes)
    message = summary_message(outcomes)
    (context.log.info if passed else context.log.error)(message)
    meta = check_metadata(outcomes)
    return dg.AssetCheckResult(
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=message[:1000],
        metadata={
            **meta,
            "failed_expectations": dg.MetadataValue.md(f"```\n{meta['failed_expectations']}\n```"),
            "message": dg.MetadataValue.text(message),
        },  # fmt: skip
    )


def build_gx_check(schema: str, table: str, description: str) -> dg.AssetChecksDefinition:
    """A blocking check running the suites of ``<schema>.<table>`` on the run's partition range."""
    asset_key = f"{schema}/{table}"

    @dg.asset_check(
        asset=dg.AssetKey([schema, table]),
        name=CHECK_NAME,
        blocking=True,
        partitions_def=daily_partitions,
        pool=DUCKDB_WRITER_POOL,
        description=description,
    )
    def _check(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource) -> dg.AssetCheckResult:
        start, end = partition_range(context)
        return check_result(context, duckdb, asset_key, start, end)

    return _check


def _raw_tables_with_suites() -> list[str]:
    """Every raw table some suite validates (derived from the suites, never listed by hand)."""
    from orchestration.quality.suites import raw_suites

    return sorted({s.asset_key.split("/", 1)[1] for s in raw_suites()})


raw_checks = [
    build_gx_check(
        "raw", table, f"Great Expectations suites of raw.{table} on the partition(s) just written (blocking)."
    )
    for table in _raw_tables_with_suites()
]
