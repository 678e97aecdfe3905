"""The Dagster extraction job, in-process, against the embedded sandbox, over several partitions."""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg
import duckdb
import pytest

from orchestration.config import DEFAULT_SANDBOX_SEED
from orchestration.pipeline import run_job
from orchestration.sandbox import World, WorldConfig
from orchestration.spapi.report_types import REPORT_TYPES

END = date(2026, 6, 30)
FIRST, LAST = date(2026, 6, 27), date(2026, 6, 29)
DAYS = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
SCALE = 0.05


@pytest.fixture
def sandbox_env(monkeypatch):
    monkeypatch.setenv("AHW_SANDBOX_END_DATE", END.isoformat())
    monkeypatch.setenv("AHW_SANDBOX_VOLUME_SCALE", str(SCALE))


@pytest.fixture(scope="module")
def world():
    return World(WorldConfig(seed=DEFAULT_SANDBOX_SEED, end_date=END, volume_scale=SCALE))


def table_counts(path, table):
    with duckdb.connect(path, read_only=True) as con:
        rows = con.execute(f"select account_id, marketplace_id, partition_date, count(*) from raw.{table} group by all")
        return {(a, m, d): n for a, m, d, n in rows.fetchall()}


def expected_counts(world, rows_fn):
    return {
        (a.name, m, d): len(rows_fn(a.name, m, d))
        for a in world.accounts
        for m in a.marketplace_ids
        for d in DAYS
        if rows_fn(a.name, m, d)
    }


def test_job_materializes_every_report_type_and_matches_the_world(sandbox_env, world, tmp_path, monkeypatch):
    import os

    result = run_job("extract_reports", FIRST, LAST, instance=dg.DagsterInstance.ephemeral())
    assert result.success
    path = os.environ["AHW_DUCKDB_PATH"]

    events = [e.event_specific_data.materialization for e in result.get_asset_materialization_events()]
    assert len(events) == len(REPORT_TYPES) * len(DAYS)  # one per asset and partition
    materializations = {m.asset_key.path[-1]: m for m in events}
    assert set(materializations) == {rt.raw_table for rt in REPORT_TYPES.values()}
    for m in materializations.values():
        for key in ("rows", "reports_requested", "retries", "throttled_429", "bytes_downloaded"):
            assert key in m.metadata

    assert table_counts(path, "orders") == expected_counts(world, world.order_item_rows)
    assert table_counts(path, "seller_feedback") == expected_counts(world, world.feedback_rows)
    assert table_counts(path, "returns") == expected_counts(world, world.return_rows)
    pairs = {(a.name, m) for a in world.accounts for m in a.marketplace_ids}
    snapshots = table_counts(path, "seller_performance")
    assert set(snapshots) == {(a, m, d) for a, m in pairs for d in DAYS}
    assert set(snapshots.values()) == {1}
    assert {(a, m) for a, m, _ in table_counts(path, "seller_performance_v1")} == pairs

    # a second run of the same partitions replaces, never duplicates
    assert run_job("extract_reports", FIRST, LAST, instance=dg.DagsterInstance.ephemeral()).success
    assert table_counts(path, "orders") == expected_counts(world, world.order_item_rows)
    assert table_counts(path, "seller_performance") == snapshots


def test_definitions_load_with_partitioned_assets_job_and_schedule():
    from orchestration.definitions import defs

    repo = defs.get_repository_def()
    keys = {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()}
    assert {f"raw/{rt.raw_table}" for rt in REPORT_TYPES.values()} <= keys
    assert defs.resolve_job_def("daily_pipeline").partitions_def is not None
    schedule = defs.resolve_schedule_def("daily_pipeline_schedule")
    assert schedule.cron_schedule == "0 6 * * *"
