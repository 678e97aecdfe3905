"""The batched SQLite event log: a range run's per-partition events stored as Dagster's own storage stores them."""

from __future__ import annotations

import shutil

import dagster as dg
import pytest
import yaml

from orchestration.config import load_settings
from orchestration.instance import get_instance, instance_home
from orchestration.instance_storage import EVENT_BATCH_SIZE_ENV, BatchedSqliteEventLogStorage

DAYS = dg.DailyPartitionsDefinition(start_date="2026-01-01", end_date="2026-01-08")


@dg.asset(partitions_def=DAYS)
def upstream(context) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"days": len(context.partition_keys)})


@dg.asset(partitions_def=DAYS, deps=[upstream])
def downstream(context) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"days": len(context.partition_keys)})


@dg.asset_check(asset=downstream)
def downstream_check() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


JOB = dg.define_asset_job("range_job", selection=[upstream, downstream])
DEFS = dg.Definitions(assets=[upstream, downstream], asset_checks=[downstream_check], jobs=[JOB])
RANGE = {"dagster/asset_partition_range_start": "2026-01-02", "dagster/asset_partition_range_end": "2026-01-06"}


def _run_range(instance: dg.DagsterInstance) -> str:
    result = DEFS.resolve_job_def("range_job").execute_in_process(instance=instance, tags=RANGE)
    assert result.success
    return result.run_id


def _what_the_instance_knows(instance: dg.DagsterInstance, run_id: str) -> dict:
    """Everything the UI reads about the run's assets, without ids and timestamps."""
    known = {}
    for key in (upstream.key, downstream.key):
        materializations = instance.fetch_materializations(key, limit=100).records
        planned = instance.get_event_records(
            dg.EventRecordsFilter(dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED, asset_key=key)
        )
        known[key.to_user_string()] = {
            "materialized": sorted(r.partition_key for r in materializations),
            "materialized_partitions": sorted(instance.get_materialized_partitions(key)),
            "planned": sorted(r.event_log_entry.dagster_event.event_specific_data.partition for r in planned),
            "latest_run": instance.get_latest_materialization_event(key).run_id == run_id,
            "run_events": sorted(
                (e.dagster_event.event_type_value, e.dagster_event.partition)
                for e in instance.all_logs(run_id)
                if e.dagster_event and e.dagster_event.asset_key == key
            ),
        }
    return known


def test_a_range_run_is_stored_the_same_batched_or_one_by_one(tmp_path, monkeypatch):
    monkeypatch.setenv(EVENT_BATCH_SIZE_ENV, "0")
    (tmp_path / "plain").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "plain")) as plain:
        expected = _what_the_instance_knows(plain, _run_range(plain))

    monkeypatch.delenv(EVENT_BATCH_SIZE_ENV)
    settings = load_settings({"AHW_DATA_DIR": str(tmp_path / "data")})
    instance = get_instance(settings)  # writes the project's dagster.yaml and enables batching
    assert isinstance(instance.event_log_storage, BatchedSqliteEventLogStorage)
    stored_together = []
    original = BatchedSqliteEventLogStorage._store_asset_events
    monkeypatch.setattr(
        BatchedSqliteEventLogStorage,
        "_store_asset_events",
        lambda self, events: (stored_together.append(len(events)), original(self, events))[1],
    )
    run_id = _run_range(instance)
    batched = _what_the_instance_knows(instance, run_id)

    assert batched == expected
    assert expected["upstream"]["materialized"] == [
        "2026-01-02",
        "2026-01-03",
        "2026-01-04",
        "2026-01-05",
        "2026-01-06",
    ]
    # The run's plan (10 asset x partition events, next to the check's planned evaluation, which is
    # stored on its own) and each output's five partitions were written together.
    assert any(e.dagster_event and e.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION_PLANNED"
               for e in instance.all_logs(run_id))  # fmt: skip
    assert sorted(n for n in stored_together if n > 1) == [5, 5, 10]


def test_the_project_yaml_follows_a_moved_folder_and_leaves_an_operators_alone(tmp_path):
    settings = load_settings({"AHW_DATA_DIR": str(tmp_path / "data")})
    home = instance_home(settings)
    config = yaml.safe_load((home / "dagster.yaml").read_text())
    assert config["event_log_storage"]["config"]["base_dir"] == str(home.resolve() / "history" / "runs")

    moved = tmp_path / "moved"
    shutil.copytree(tmp_path / "data", moved)
    moved_home = instance_home(load_settings({"AHW_DATA_DIR": str(moved)}))
    config = yaml.safe_load((moved_home / "dagster.yaml").read_text())
    assert config["event_log_storage"]["config"]["base_dir"] == str(moved_home.resolve() / "history" / "runs")

    mine = (
        (moved_home / "dagster.yaml")
        .read_text()
        .split("\n", 1)[1]
        .replace("max_concurrent_runs: 4", "max_concurrent_runs: 2")
    )
    (moved_home / "dagster.yaml").write_text(mine)
    instance_home(load_settings({"AHW_DATA_DIR": str(moved)}))
    assert (moved_home / "dagster.yaml").read_text() == mine


@pytest.fixture(autouse=True)
def _no_leaked_batch_setting(monkeypatch):
    """get_instance() sets Dagster's batch size in os.environ; keep it inside each test."""
    monkeypatch.setenv(EVENT_BATCH_SIZE_ENV, "1000")
