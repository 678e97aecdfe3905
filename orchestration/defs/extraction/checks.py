"""The raw gate as the extraction assets' own blocking check (write-audit-publish).

The audit runs inside each raw asset's step, before anything is published
(``orchestration.quality.audit`` via the loader): every suite of the table validates the run's new
versions, those that pass are published, those that fail are kept in ``raw_rejected``. The result is
reported as the asset's check ``great_expectations`` (a check spec on the asset, blocking: dbt does not
run on a run whose raw gate failed). Which tables have the check is derived from the suites
(``orchestration/quality/suites.py``), never listed by hand.
"""

from __future__ import annotations

import dagster as dg

CHECK_NAME = "great_expectations"


def raw_tables_with_suites() -> list[str]:
    """Every raw table some suite validates (derived from the suites, never listed by hand)."""
    from orchestration.quality.suites import raw_suites

    return sorted({s.asset_key.split("/", 1)[1] for s in raw_suites()})


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
            "before it is published (a version that fails is kept in raw_rejected and the published one stays).",
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
