"""The main job end to end: sandbox -> extraction -> GX gates -> dbt build, compared with the world.

One run over the days around the scripted Critical day of cobalt-gadgets; assertions read the marts.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.config import DEFAULT_SANDBOX_SEED
from orchestration.ingest import snapshot_moment
from orchestration.pipeline import run_job
from orchestration.sandbox import World, WorldConfig
from tests.pipeline_env import sandbox_pipeline_env

END = date(2026, 6, 30)
SCALE = 0.05


@pytest.fixture(scope="module")
def world():
    return World(WorldConfig(seed=DEFAULT_SANDBOX_SEED, end_date=END, volume_scale=SCALE))


@pytest.fixture(scope="module")
def days(world):
    critical = world.critical_date("cobalt-gadgets")
    assert critical is not None
    return [critical - timedelta(days=1), critical, critical + timedelta(days=1)]


@pytest.fixture(scope="module")
def warehouse(world, days, tmp_path_factory):
    """Run daily_pipeline once for the module; yield the DuckDB path."""
    data = tmp_path_factory.mktemp("pipeline")
    with sandbox_pipeline_env(data, END, SCALE) as path:
        result = run_job("daily_pipeline", days[0], days[-1], instance=dg.DagsterInstance.ephemeral())
        assert result.success
        yield str(path), result


def query(path, sql, params=None):
    with duckdb.connect(path, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def eod(day):
    """The moment the sandbox takes a partition's snapshot."""
    return snapshot_moment(day)


def test_every_account_marketplace_and_day_has_a_rating_row(warehouse, world, days):
    path, _ = warehouse
    rows = set(query(path, "select account_id, marketplace_id, rating_date from marts.fct_account_health_rating"))
    expected = {(a.name, m, d) for a in world.accounts for m in a.marketplace_ids for d in days}
    assert rows == expected


def test_the_account_scripted_to_hit_critical_is_critical_on_the_scripted_day(warehouse, world, days):
    path, _ = warehouse
    critical = world.critical_date("cobalt-gadgets")
    bands = dict(
        query(
            path,
            "select rating_date, band from marts.fct_account_health_rating "
            "where account_id = 'cobalt-gadgets' and marketplace_id = 'ATVPDKIKX0DER'",
        )
    )
    assert bands[critical] == "Critical"
    assert bands[critical - timedelta(days=1)] != "Critical"
    reported = query(
        path,
        "select reported_band, reported_ahr from marts.fct_account_health_rating "
        "where account_id = 'cobalt-gadgets' and marketplace_id = 'ATVPDKIKX0DER' and rating_date = ?",
        [critical],
    )
    truth = world.performance("cobalt-gadgets", "ATVPDKIKX0DER", eod(critical))
    assert reported == [("Critical", truth["ahr_score"])]


def test_reported_order_defect_rate_equals_the_sandboxs(warehouse, world, days):
    path, _ = warehouse
    rows = query(
        path,
        "select account_id, marketplace_id, metric_date, fulfillment_channel, value, numerator, denominator, "
        "window_days from marts.fct_health_metrics_daily where metric_name = 'order_defect_rate' "
        "and source = 'reported'",
    )
    assert rows
    seen = 0
    for account_id, marketplace_id, day, channel, value, numerator, denominator, window_days in rows:
        if window_days != 60:  # the longer window only the V1 report carries (rates in percent, two decimals)
            v1 = world.v1_metrics(account_id, marketplace_id, eod(day))["order_defects"]
            (w,) = [x for x in v1 if (x["window"][1] - x["window"][0]).days + 1 == window_days
                    and {"Seller": "MFN", "Amazon": "AFN"}[x["fulfilled_by"]] == channel]  # fmt: skip
            assert (numerator, denominator) == (w["order_with_defects"], w["order_count"])
            assert value == pytest.approx(w["rate"], abs=5e-5)
            continue
        odr = world.performance(account_id, marketplace_id, eod(day))["order_defect_rate"][channel.lower()]
        assert value == pytest.approx(odr["rate"], abs=1e-9)
        assert (numerator, denominator) == (odr["order_with_defects"], odr["order_count"])
        seen += 1
    pairs = sum(len(a.marketplace_ids) for a in world.accounts)
    assert seen >= pairs * len(days)  # at least one channel per account x marketplace x day


def test_summary_table_has_one_readable_row_per_account_and_marketplace(warehouse, world):
    path, _ = warehouse
    rows = query(
        path,
        "select account_id, marketplace_id, reported_ahr, estimated_ahr, band, worst_metric_name "
        "from marts.fct_account_health_summary",
    )
    assert {(r[0], r[1]) for r in rows} == {(a.name, m) for a in world.accounts for m in a.marketplace_ids}
    assert all(0 <= r[3] <= 1000 and r[4] in {"Healthy", "At Risk", "Critical"} for r in rows)


def test_quality_gates_ran_and_were_recorded(warehouse):
    path, result = warehouse
    checks = result.get_asset_check_evaluations()
    gx = [c for c in checks if c.check_name == "great_expectations"]
    assert gx and all(c.passed for c in gx)
    recorded = query(path, "select count(*), bool_and(success) from quality.validation_results")
    assert recorded[0][0] >= len(gx) and recorded[0][1]


def test_no_secret_reaches_logs_landing_or_tables(warehouse, world):
    path, result = warehouse
    secrets = [a.refresh_token for a in world.accounts] + [world.lwa_client_secret]
    messages = "\n".join(e.message or "" for e in result.all_events)
    assert messages and not [s for s in secrets if s in messages]
    landing = Path(path).parent / "landing"
    metadata = [p.read_text() for p in landing.rglob("*.json")]
    assert metadata and not [s for s in secrets for m in metadata if s in m]
    tables = query(
        path, "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE'"
    )
    for schema, table in tables:
        text = query(path, f'select string_agg(cast(t as varchar), \'|\') from "{schema}"."{table}" as t')[0][0] or ""
        assert not [s for s in secrets if s in text], f"{schema}.{table}"


def test_the_run_writes_the_html_report_for_every_account_and_marketplace(warehouse, world, days):
    path, result = warehouse
    from orchestration.defs.reports.assets import REPORT_KEY
    from orchestration.report.account_page import page_name

    # One report for the run, recorded as a materialization of each partition of its range.
    events = [e for e in result.get_asset_materialization_events() if e.asset_key == REPORT_KEY]
    assert len(events) == len(days)
    metadata = events[-1].step_materialization_data.materialization.metadata
    index = Path(path).parent / "report" / "index.html"
    assert metadata["path"].value == str(index)
    pairs = [(a.name, m) for a in world.accounts for m in a.marketplace_ids]
    assert metadata["page_count"].value == len(pairs) + 1
    overview = index.read_text()
    assert all(page_name(a, m) in overview and (index.parent / page_name(a, m)).exists() for a, m in pairs)
    secrets = [a.refresh_token for a in world.accounts] + [world.lwa_client_secret]
    pages = "".join(p.read_text() for p in index.parent.glob("*.html"))
    assert not [s for s in secrets if s in pages]
