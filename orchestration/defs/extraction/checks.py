"""The raw gate as the extraction assets' own blocking check (write-audit-publish).

The audit runs inside each raw asset's step, before anything is published
(``orchestration.quality.audit`` via the loader): every suite of the table validates the run's new
versions, those that pass are published, those that fail are kept in ``raw_rejected``. The result is
reported as the asset's check ``great_expectations`` (a check spec on the asset, blocking: dbt does not
run on a run whose raw gate failed). Which tables have the check is derived from the suites
(``orchestration/quality/suites.py``), never listed by hand.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import dagster as dg

from orchestration.defs.extraction.partitions import RANGE_END_TAG, RANGE_START_TAG

CHECK_NAME = "great_expectations"


def raw_tables_with_suites() -> list[str]:
    """Every raw table some suite validates (derived from the suites, never listed by hand)."""
    from orchestration.quality.suites import raw_suites

    return sorted({s.asset_key.split("/", 1)[1] for s in raw_suites()})


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


def raw_check_specs(table: str) -> list[dg.AssetCheckSpec]:
    """The blocking check spec of ``raw/<table>`` when suites guard the table, else none."""
    if table not in raw_tables_with_suites():
        return []
    return [
        dg.AssetCheckSpec(
            CHECK_NAME,
            asset=dg.AssetKey(["raw", table]),
            blocking=True,
            description=f"Great Expectations suites of raw.{table}, run on the new version of each partition "
            "before it is published (a version that fails is kept in raw_rejected and the published one stays)."
            + STATUS_NOTE,
        )
    ]


def check_result(outcomes: list, rejected: list, asset_key: dg.AssetKey) -> dg.AssetCheckResult:
    """The check result of a run's audit: passed when no new version was rejected.

    ``outcomes``: the suites' ValidationOutcomes; ``rejected``: the loader's Rejections (their one-line
    messages say which document failed what and where its version is kept).
    """
    from orchestration.quality.gates import check_metadata, summary_message

    passed = not rejected and all(o.success for o in outcomes)
    message = summary_message(outcomes) if outcomes else "no new version to audit"
    if rejected:
        message = "\n".join(r.message() for r in rejected) + "\n" + message
    if outcomes:
        head = verdict(outcomes, min(o.start for o in outcomes), max(o.end for o in outcomes))
        if rejected and head.startswith("Passed"):
            head = f"Failed: {len(rejected)} new version(s) were kept out of raw (listed below)."
        message = head + "\n" + message
    meta = check_metadata(outcomes) if outcomes else {}
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=CHECK_NAME,
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=message[:1000],
        metadata={
            **meta,
            "failed_expectations": dg.MetadataValue.md(f"```\n{meta.get('failed_expectations', 'none')}\n```"),
            "documents_rejected": len(rejected),
            "rejected_versions": dg.MetadataValue.text("\n".join(r.where for r in rejected) or "none"),
            "message": dg.MetadataValue.text(message),
        },
    )
