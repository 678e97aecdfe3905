"""Blocking Great Expectations gates on the raw tables: dbt does not run on a partition whose raw
checks failed (blocking checks stop downstream steps of the same run).

Each check validates the partition range the run just wrote with every suite of its table
(orchestration/quality/suites.py), through the run's own ``duckdb`` resource (one process, one
connection configuration; the recording is a write, serialized with the other writers by the pool).

The checks are not partitioned themselves: a run of a partition range (a backfill with the
single-run policy, ``ahw run``) evaluates each check once for the whole range, and a partitioned
check would then show one planned evaluation per day that never arrives ("Skipped" in the UI beside
a "Passed" result). The range comes from the run's tags, as Dagster sets them.
"""

from datetime import UTC, date, datetime, timedelta

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.defs.extraction.assets import DUCKDB_WRITER_POOL
from orchestration.defs.extraction.partitions import RANGE_END_TAG, RANGE_START_TAG

CHECK_NAME = "great_expectations"
#: Tag of a run of one partition (the schedule's, a per-partition backfill's).
PARTITION_TAG = "dagster/partition"

#: What a person reads on the check's page in the UI, under its name: what it does, and what the
#: statuses that are not a result mean (Dagster shows them without saying why).
STATUS_NOTE = (
    " Passed / Failed: the result of the run's partitions (the failed expectations, their counts and sample "
    "rows are in the metadata, and every result is in quality.validation_results and "
    "$AHW_DATA_DIR/quality/index.html). Skipped or Execution failed: the check did not run, because the step "
    "before it failed or was skipped (the run's page names that step); the next run of the same days "
    "evaluates it."
)


def partition_range(context: dg.AssetCheckExecutionContext) -> tuple[date, date]:
    """The first and last day (UTC) of the run's partitions; the latest complete day when the check runs
    on its own (the UI's Execute button), outside a partitioned run."""
    tags = context.run.tags
    if tags.get(RANGE_START_TAG) and tags.get(RANGE_END_TAG):
        return date.fromisoformat(tags[RANGE_START_TAG]), date.fromisoformat(tags[RANGE_END_TAG])
    if tags.get(PARTITION_TAG):
        day = date.fromisoformat(tags[PARTITION_TAG])
        return day, day
    latest = datetime.now(UTC).date() - timedelta(days=1)
    context.log.info(f"no partition in this run: validating the latest complete day {latest}")
    return latest, latest


def verdict(outcomes, start: date, end: date) -> str:
    """The first line of a check's result in the UI: the same word as its status, and what follows from it."""
    days = f"{start}..{end}" if start != end else str(start)
    errors = sum(len(o.errors) for o in outcomes)
    warnings = sum(len(o.warnings) for o in outcomes)
    if not outcomes:
        return f"Passed: no suite validates this table ({days})."
    if errors:
        return (f"Failed: {errors} blocking expectation(s) failed on {days}, so the steps after this check in the "
                "run did not run; the failures are listed below and in the metadata.")  # fmt: skip
    noted = f" with {warnings} warning(s), which do not block (listed below)" if warnings else ""
    return f"Passed{noted}: every blocking expectation held on {days}."


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
        description=verdict(outcomes, start, end) + "\n" + message[:1000],
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
        pool=DUCKDB_WRITER_POOL,
        description=description + STATUS_NOTE,
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
