"""The command line's run display: errors in one line, warnings summed by kind, stages from the asset graph."""

from __future__ import annotations

import io
import logging

import dagster as dg
from dagster._utils.error import SerializableErrorInfo
from rich.console import Console

from orchestration.run_console import (
    RUN_LOGGER,
    RunDisplay,
    displayed_run,
    error_cause,
    one_line,
    quiet_run,
    run_plan,
    warning_kind,
)


def test_one_line_keeps_the_first_line_and_the_first_item_of_a_list_it_announces():
    message = (
        "orchestration.ingest.IngestFailed: GET_SELLER_FEEDBACK_DATA: 2 report(s) failed:\n"
        "  - GET_SELLER_FEEDBACK_DATA acme-home ATVPDKIKX0DER report 17: FATAL twice [partition(s) 2026-06-01]\n"
        "  - GET_SELLER_FEEDBACK_DATA acme-home A2EUQ1WTGCTBG2 report 18: FATAL twice [partition(s) 2026-06-01]\n"
    )
    assert one_line(message) == (
        "GET_SELLER_FEEDBACK_DATA: 2 report(s) failed: GET_SELLER_FEEDBACK_DATA acme-home ATVPDKIKX0DER report 17: "
        "FATAL twice [partition(s) 2026-06-01] (+1 more line(s) in the log)"
    )
    assert one_line(
        "dagster._core.definitions.events.Failure: run tag ahw/account='x' names no configured account"
    ) == ("run tag ahw/account='x' names no configured account")
    assert one_line("") == "unknown error (see the log)"


def test_error_cause_is_the_innermost_error_of_dagsters_chain():
    inner = SerializableErrorInfo("AccountConfigError: accounts file a.json, account #1: must be an object\n", [],
                                  "AccountConfigError")  # fmt: skip
    outer = SerializableErrorInfo("DagsterResourceFunctionError: Error executing resource_fn on spapi\n", [],
                                  "DagsterResourceFunctionError", cause=inner)  # fmt: skip
    assert error_cause(outer) == "accounts file a.json, account #1: must be an object"


def test_warnings_of_the_same_kind_on_other_days_and_numbers_are_one_kind():
    a = warning_kind("GET_SELLER_FEEDBACK_DATA acme-home ATVPDKIKX0DER 2026-06-01: 3 row(s) kept aside")
    b = warning_kind("GET_SELLER_FEEDBACK_DATA acme-home ATVPDKIKX0DER 2026-06-02: 12 row(s) kept aside")
    c = warning_kind("GET_SELLER_FEEDBACK_DATA acme-home A2EUQ1WTGCTBG2 2026-06-02: 12 row(s) kept aside")
    assert a == b != c


def test_the_daily_pipelines_plan_puts_every_asset_in_a_stage():
    plan = run_plan("daily_pipeline")
    assert set(plan.assets.values()) == {"extract", "dbt", "publish"}
    assert "raw__orders" in plan.extraction_steps and "raw__notifications" in plan.extraction_steps
    assert plan.assets[dg.AssetKey(["exports", "serving_copy"])] == "publish"
    assert plan.assets[dg.AssetKey(["marts", "fct_account_health_rating"])] == "dbt"
    assert dg.AssetCheckKey(dg.AssetKey(["raw", "orders"]), "great_expectations") in plan.checks
    refresh = run_plan("account_refresh")
    assert refresh.extraction_steps == ("raw__notifications", "raw__seller_performance")


def test_a_real_run_drives_the_bars_and_its_warnings_are_summed(tmp_path):
    @dg.asset(group_name="extraction", key=["raw", "things"])
    def things(context):
        for day in ("2026-06-01", "2026-06-02", "2026-06-03"):
            context.log.warning(f"acme-home ATVPDKIKX0DER {day}: 2 row(s) kept aside")
        context.log.info("[1/2] things acme-home ATVPDKIKX0DER 2026-06-01: DONE, 5 rows")
        return dg.MaterializeResult(metadata={"rows": 5})

    @dg.asset(group_name="marts", deps=[things])
    def fct_things():
        raise ValueError("fct_things: the window is empty\nsecond line")

    from orchestration.run_console import CLI_LOGGER_KEY, RunPlan, cli_logger

    defs = dg.Definitions(assets=[things, fct_things], loggers={CLI_LOGGER_KEY: cli_logger})
    job = defs.resolve_implicit_global_asset_job_def()
    plan = RunPlan({things.key: "extract", fct_things.key: "dbt"}, frozenset(), ("raw__things",))
    console = Console(file=(tmp_path / "out.txt").open("w"), width=200)
    with quiet_run(tmp_path / "logs", "test") as (_console, log_path), displayed_run(console, plan) as display:
        result = job.execute_in_process(raise_on_error=False,
                                        run_config={"loggers": {CLI_LOGGER_KEY: {"config": {"log_level": "DEBUG"}}}})  # fmt: skip
        display.finish(result.success)
    assert not result.success
    assert display.outcome.rows_loaded == 5
    assert display.outcome.failures == [("fct_things", "fct_things: the window is empty (+1 more line(s) in the log)")]
    assert list(display.outcome.warnings.values()) == [3]
    text = log_path.read_text()
    assert "STEP_FAILURE" in text and "2026-06-03: 2 row(s) kept aside" in text
    console.file.close()
    printed = (tmp_path / "out.txt").read_text()
    assert "things: 5 rows" in printed and "(not completed)" in printed
    assert not logging.getLogger(RUN_LOGGER).handlers


def test_the_display_survives_records_it_does_not_understand():
    display = RunDisplay(Console(file=io.StringIO()), run_plan("extract_reports"))
    record = logging.LogRecord(RUN_LOGGER, logging.INFO, __file__, 1, "[x/y] nonsense", None, None)
    record.dagster_meta = {"dagster_event": None, "step_key": "raw__orders", "orig_message": "[x/y] nonsense"}
    display.emit(record)
    assert display.outcome.failures == []


def test_old_log_files_of_a_command_are_pruned_the_others_stay(tmp_path):
    from orchestration.run_console import prune_logs

    tmp_path = tmp_path / "logs"
    tmp_path.mkdir()
    for day in range(1, 8):
        (tmp_path / f"run-202606{day:02d}T060000Z.log").write_text("x")
    (tmp_path / "demo-20260601T060000Z.log").write_text("x")
    removed = prune_logs(tmp_path, "run", keep=3)
    assert sorted(p.name for p in removed) == [f"run-202606{d:02d}T060000Z.log" for d in range(1, 5)]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "demo-20260601T060000Z.log", "run-20260605T060000Z.log", "run-20260606T060000Z.log", "run-20260607T060000Z.log"
    ]  # fmt: skip
