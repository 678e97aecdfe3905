"""Run the suites of one asset on a partition range, record them, and summarize for Dagster.

Used by the asset checks (defs/*/checks.py) and by ``python -m orchestration.quality`` (make
suites-run). The caller passes the connection; this module does the rest: validate every suite of
the asset, record each outcome in ``quality.validation_results``, regenerate the results page.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import duckdb

from orchestration.config import load_settings
from orchestration.quality.results import record, write_page
from orchestration.quality.runner import ValidationOutcome, validate
from orchestration.quality.suites import Suite, all_suites

MESSAGE_LIMIT = 4000


def suites_for(asset_key: str) -> list[Suite]:
    return [s for s in all_suites() if s.asset_key == asset_key]


def results_page_path() -> Path:
    return load_settings().data_dir / "quality" / "index.html"


def run_gate(con: duckdb.DuckDBPyConnection, asset_key: str, start: date, end: date, *,
             run_id: str | None = None, relations: Mapping[str, str] | None = None) -> list[ValidationOutcome]:  # fmt: skip
    """Validate every suite of ``asset_key`` on [start, end], record the outcomes, regenerate the page.

    ``relations`` reads other relations in place of the tables the frames name (the mart gates read
    the build area, ``marts_build``, before the marts are published).
    """
    outcomes = [validate(con, s, start, end, run_id=run_id, relations=relations) for s in suites_for(asset_key)]
    for outcome in outcomes:
        record(con, outcome)
    write_page(con, results_page_path())
    return outcomes


def summary_message(outcomes: list[ValidationOutcome]) -> str:
    text = "\n".join(o.message() for o in outcomes)
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 20] + "\n... (truncated)"


def check_metadata(outcomes: list[ValidationOutcome]) -> dict:
    """Metadata for a Dagster AssetCheckResult (plain values; the checks wrap them)."""
    failures = [(o.suite.name, f) for o in outcomes for f in o.failures]
    return {
        "partition": outcomes[0].partition if outcomes else "",
        "suites": ", ".join(o.suite.name for o in outcomes),
        "rows_validated": sum(o.rows for o in outcomes),
        "expectations_evaluated": sum(o.evaluated for o in outcomes),
        "expectations_failed": sum(len(o.errors) for o in outcomes),
        "warnings": sum(len(o.warnings) for o in outcomes),
        "failed_expectations": "\n".join(f"[{name}] {f.describe()}" for name, f in failures) or "none",
        "unexpected_counts": json.dumps(
            {f"{name}:{f.expectation}({f.column or ''})": f.unexpected_count for name, f in failures}
        ),
        "sample_rows": json.dumps(
            {f"{name}:{f.expectation}({f.column or ''})": f.samples for name, f in failures if f.samples}, default=str
        )[:8000],  # fmt: skip
        "results_page": str(results_page_path()),
        "duration_seconds": round(sum(o.duration_seconds for o in outcomes), 3),
    }
