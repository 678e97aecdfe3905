"""The one persistent Dagster instance: where it is, its dagster.yaml, and recovery after a killed CLI run."""

from __future__ import annotations

import subprocess

import dagster as dg
import yaml

from orchestration.config import load_settings
from orchestration.instance import (
    CLI_HOST_TAG,
    CLI_PID_TAG,
    DUCKDB_WRITER_POOL,
    cli_run_tags,
    get_instance,
    instance_home,
    pool_problem,
    recover_abandoned_runs,
)


def test_the_instance_lives_under_the_data_folder_unless_dagster_home_is_set(tmp_path):
    assert load_settings({"AHW_DATA_DIR": str(tmp_path / "d")}).dagster_home == (tmp_path / "d" / "dagster_home")
    elsewhere = tmp_path / "home"
    settings = load_settings({"AHW_DATA_DIR": str(tmp_path / "d"), "DAGSTER_HOME": str(elsewhere)})
    assert settings.dagster_home == elsewhere


def test_the_project_writes_its_dagster_yaml_once_and_leaves_an_operators_alone(tmp_path):
    settings = load_settings({"AHW_DATA_DIR": str(tmp_path / "data")})
    config = yaml.safe_load((instance_home(settings) / "dagster.yaml").read_text())
    assert config["telemetry"] == {"enabled": False}
    assert config["concurrency"]["pools"] == {"default_limit": 1, "granularity": "op"}
    assert pool_problem(get_instance(settings)) is None
    (settings.dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    instance_home(settings)
    assert (settings.dagster_home / "dagster.yaml").read_text() == "telemetry:\n  enabled: false\n"


def test_an_instance_that_would_let_two_writers_in_is_named(tmp_path):
    settings = load_settings({"AHW_DATA_DIR": str(tmp_path / "data")})
    home = settings.dagster_home
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    assert "sets no limit for pool duckdb_writer" in pool_problem(get_instance(settings))
    (home / "dagster.yaml").write_text("concurrency:\n  pools:\n    default_limit: 3\n")
    assert "lets 3 steps of pool duckdb_writer run at once" in pool_problem(get_instance(settings))
    (home / "dagster.yaml").write_text("concurrency:\n  pools:\n    default_limit: 1\n    granularity: run\n")
    assert "granularity: op" in pool_problem(get_instance(settings))


def test_a_killed_cli_runs_run_is_failed_and_its_writer_slot_freed(tmp_path):
    instance = get_instance(load_settings({"AHW_DATA_DIR": str(tmp_path / "data")}))
    dead = subprocess.Popen(["true"])
    dead.wait()
    alive = cli_run_tags()  # this process: still running
    for run_id, tags in (("dead-run", {**alive, CLI_PID_TAG: str(dead.pid)}), ("live-run", alive),
                         ("ui-run", {})):  # fmt: skip
        instance.add_run(dg.DagsterRun(job_name="daily_pipeline", run_id=run_id, status=dg.DagsterRunStatus.STARTED,
                                       tags=tags))  # fmt: skip
    storage = instance.event_log_storage
    storage.initialize_concurrency_limit_to_default(DUCKDB_WRITER_POOL)
    assert storage.claim_concurrency_slot(DUCKDB_WRITER_POOL, "dead-run", "raw__orders").is_claimed
    assert not storage.claim_concurrency_slot(DUCKDB_WRITER_POOL, "next-run", "raw__orders").is_claimed

    assert recover_abandoned_runs(instance) == ["dead-run"]
    assert instance.get_run_by_id("dead-run").status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id("live-run").status == dg.DagsterRunStatus.STARTED
    assert instance.get_run_by_id("ui-run").status == dg.DagsterRunStatus.STARTED
    storage.free_concurrency_slot_for_step("next-run", "raw__orders")
    assert storage.claim_concurrency_slot(DUCKDB_WRITER_POOL, "next-run", "raw__orders").is_claimed
    assert alive[CLI_HOST_TAG]
