"""The blocking mart checks stop the Parquet exports (issue 4 section 2), in two real ``daily_pipeline`` runs.

The lever is an operational mistake, not an edited fixture: the pipeline runs 2026-06-20..23, then the
run of 06-24 never happens (scheduler down, or its run failed and nobody backfilled it), and the
scheduled run of 06-25 goes ahead. Every raw check of 06-25 passes (the data of that day is fine, and
four days of history keep the raw volume ratio inside its bound) and dbt builds the marts, but the
mart suites see the hole the missing day leaves in the daily history (``marts_fct_account_health_
snapshots``: days_since_previous_snapshot; ``marts_rating_history``: missing_days). Real GX
validations on real marts fail, Dagster's blocking checks skip ``exports/marts_parquet`` and
``reports/account_health_html``, and the Parquet files BI tools read and the HTML report stay those of
the good run. Nothing is tightened or edited for the test.
"""

from __future__ import annotations

import hashlib
from datetime import date

import dagster as dg
import duckdb
import pytest

from orchestration.pipeline import run_job
from tests.pipeline_env import sandbox_pipeline_env

END = date(2026, 6, 30)
SCALE = 0.05
GOOD_FIRST, GOOD_LAST = date(2026, 6, 20), date(2026, 6, 23)
SKIPPED, NEXT = date(2026, 6, 24), date(2026, 6, 25)
EXPORT = dg.AssetKey(["exports", "marts_parquet"])


def _files(export_dir) -> dict[str, tuple[int, str]]:
    return {
        p.name: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()) for p in sorted(export_dir.iterdir())
    }


def _mart_counts(warehouse) -> dict[str, int]:
    from orchestration.defs.exports.assets import MART_KEYS

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {k.path[-1]: con.execute(f"select count(*) from marts.{k.path[-1]}").fetchone()[0] for k in MART_KEYS}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A good run over four days, then the run of the day after a skipped day; files after each."""
    data = tmp_path_factory.mktemp("exports_pipeline")
    with sandbox_pipeline_env(data, END, SCALE):
        good = run_job("daily_pipeline", GOOD_FIRST, GOOD_LAST, instance=dg.DagsterInstance.ephemeral())
        after_good = _files(data / "exports")
        report_after_good = _files(data / "report")
        counts = _mart_counts(data / "warehouse.duckdb")
        gap = run_job("daily_pipeline", NEXT, NEXT, instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
        after_gap = _files(data / "exports")
        yield {
            "data": data, "good": good, "gap": gap, "after_good": after_good, "after_gap": after_gap,
            "counts_after_good": counts, "report_after_good": report_after_good,
            "report_after_gap": _files(data / "report"),
        }  # fmt: skip


def _materialized(result) -> dict[dg.AssetKey, dg.AssetMaterialization]:
    materializations = (e.event_specific_data.materialization for e in result.get_asset_materialization_events())
    return {m.asset_key: m for m in materializations}


def _checks(result) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.asset_key.to_user_string(): e for e in result.get_asset_check_evaluations()}


def _query(path, sql):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_good_run_exports_every_mart_as_parquet(runs):
    from orchestration.defs.exports.assets import MART_KEYS

    data, good = runs["data"], runs["good"]
    assert good.success
    checks = _checks(good)
    assert all(checks[f"marts/{m}"].passed for m in ("fct_policy_violations_daily", "fct_rating_components",
                                                    "fct_account_health_snapshots"))  # fmt: skip
    materialization = _materialized(good)[EXPORT]
    models = [k.path[-1] for k in MART_KEYS]
    assert sorted(runs["after_good"]) == sorted(f"{m}.parquet" for m in models)
    rows = materialization.metadata["rows_per_file"].value
    warehouse = data / "warehouse.duckdb"
    for model in models:
        parquet = str(data / "exports" / f"{model}.parquet")
        expected = runs["counts_after_good"][model]
        assert rows[f"{model}.parquet"] == expected
        assert _query(warehouse, f"select count(*) from read_parquet('{parquet}')")[0][0] == expected
    assert materialization.metadata["files_count"].value == len(models)
    assert materialization.metadata["total_bytes"].value == sum(
        (data / "exports" / f"{m}.parquet").stat().st_size for m in models
    )
    assert not [p for p in (data / "exports").iterdir() if p.name.startswith(".")], "no temporary files left"


def test_a_failed_mart_check_blocks_the_export_and_the_files_stay_those_of_the_good_run(runs):
    data, gap = runs["data"], runs["gap"]
    assert not gap.success
    checks = _checks(gap)
    # The day's raw data was fine: the raw gates passed and dbt built the marts ...
    assert all(c.passed for k, c in checks.items() if k.startswith("raw/")), checks
    materialized = _materialized(gap)
    assert dg.AssetKey(["marts", "fct_account_health_snapshots"]) in materialized
    # ... the mart suites found the hole the skipped day left ...
    snapshots = checks["marts/fct_account_health_snapshots"]
    assert not snapshots.passed
    message = snapshots.metadata["message"].value
    for part in ("marts_fct_account_health_snapshots", "days_since_previous_snapshot", NEXT.isoformat(), "acme-home"):
        assert part in message, message
    assert not checks["marts/fct_account_health_rating"].passed
    assert "missing_days" in checks["marts/fct_account_health_rating"].metadata["message"].value
    # ... so Dagster never ran the export: the files are byte for byte (and mtime) those of the good run.
    assert EXPORT not in materialized
    assert runs["after_gap"] == runs["after_good"]
    exported = str(data / "exports" / "fct_account_health_snapshots.parquet")
    warehouse = data / "warehouse.duckdb"
    assert _query(warehouse, f"select max(snapshot_date) from read_parquet('{exported}')")[0][0] == GOOD_LAST
    # ... nor published the build: BI readers of schema marts stay on the good run; the build area holds it
    assert _query(warehouse, "select max(snapshot_date) from marts.fct_account_health_snapshots")[0][0] == GOOD_LAST
    assert _query(warehouse, "select max(snapshot_date) from marts_build.fct_account_health_snapshots")[0][0] == NEXT
    assert not _query(warehouse, f"select * from marts.fct_account_health_snapshots where snapshot_date = '{SKIPPED}'")
    recorded = _query(
        warehouse,
        "select suite_name from quality.validation_results where not success and suite_name like 'marts_%'",
    )
    assert {r[0] for r in recorded} >= {"marts_fct_account_health_snapshots", "marts_rating_history"}


def test_a_failed_mart_check_keeps_the_html_report_of_the_good_run(runs):
    report = dg.AssetKey(["reports", "account_health_html"])
    assert report in _materialized(runs["good"])
    assert "index.html" in runs["report_after_good"]
    # The report hangs off the same marts: the failed checks skip it, and the pages stay the good run's.
    assert report not in _materialized(runs["gap"])
    assert runs["report_after_gap"] == runs["report_after_good"]
