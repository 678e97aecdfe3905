"""Blocking Great Expectations gates on the marts' build area, one per mart that has suites.

The list comes from the suites themselves (``orchestration/quality/suites.py``): a mart suite
added there is a blocking check here, with nothing else to register. The checks validate the build
area (``marts_build``: what dbt just built, not yet published); ``published/marts`` and everything
downstream (exports, report, alerts) wait for them, so a failed gate leaves the published marts as
they were. Warnings inside a suite (such as the reported-vs-estimated gap) are recorded, never
blocking. Keys, relationships and accepted values are dbt tests.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.defs.extraction.assets import DUCKDB_WRITER_POOL
from orchestration.defs.extraction.checks import CHECK_NAME, STATUS_NOTE, partition_range, verdict
from orchestration.quality.suites import mart_suites

#: Marts guarded by a blocking check: every mart some suite validates (derived, never listed by hand).
GUARDED_MARTS = tuple(sorted({s.asset_key.split("/", 1)[1] for s in mart_suites()}))


def _gate(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource, model: str) -> dg.AssetCheckResult:
    from orchestration.quality.gates import check_metadata, run_gate, summary_message
    from orchestration.warehouse.marts import build_relations

    start, end = partition_range(context)
    with duckdb.get_connection() as con:
        outcomes = run_gate(con, f"marts/{model}", start, end, run_id=context.run.run_id,
                            relations=build_relations(con))  # fmt: skip
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
        },
    )


def build_mart_check(model: str) -> dg.AssetChecksDefinition:
    """A blocking check running the suites of ``marts.<model>`` on the build area for the run's partitions."""

    @dg.asset_check(
        asset=dg.AssetKey(["marts", model]),
        name=CHECK_NAME,
        blocking=True,
        pool=DUCKDB_WRITER_POOL,
        description=f"Great Expectations suites of marts.{model} on the build area (marts_build) for the "
        "partition(s) just built, before the marts are published (blocking)." + STATUS_NOTE,
    )
    def _check(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource) -> dg.AssetCheckResult:
        return _gate(context, duckdb, model)

    return _check


mart_checks = [build_mart_check(m) for m in GUARDED_MARTS]
