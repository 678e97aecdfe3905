"""Dates a run is asked for, checked against the partitions before anything starts."""

from __future__ import annotations

from datetime import date

from cryptography.fernet import Fernet

from orchestration.config import load_settings
from orchestration.preflight import check_account_name, check_days, check_job

TODAY = date(2026, 7, 15)


def settings(**env):
    return load_settings({"AHW_SANDBOX_END_DATE": "2026-07-14", **env})


def test_a_range_inside_the_partitions_has_no_problem():
    assert check_days(date(2026, 1, 1), date(2026, 7, 14), settings(), today=TODAY) == []


def test_each_problem_is_one_line_naming_the_day_and_the_fix():
    assert check_days(date(2026, 7, 15), date(2026, 7, 15), settings(), today=TODAY) == [
        "--start 2026-07-15 is today (UTC), which is not over yet: the latest complete day is 2026-07-14",
        "--end 2026-07-15 is today (UTC), which is not over yet: the latest complete day is 2026-07-14",
    ]
    assert check_days(date(2026, 7, 2), date(2026, 7, 1), settings(), today=TODAY) == [
        "--end 2026-07-01 is before --start 2026-07-02: give the earlier day as --start"
    ]
    start, end = check_days(
        date(2026, 3, 1), date(2026, 3, 1), settings(AHW_PARTITIONS_START="2026-04-01"), today=TODAY
    )
    assert start.startswith("--start 2026-03-01 is before the first daily partition 2026-04-01")
    assert end.startswith("--end 2026-03-01 is before the first daily partition 2026-04-01")


def test_the_sandbox_worlds_end_bounds_a_sandbox_run_but_not_a_live_one(tmp_path):
    (line,) = check_days(date(2026, 7, 10), date(2026, 7, 12), settings(AHW_SANDBOX_END_DATE="2026-07-11"), today=TODAY)
    assert "--end 2026-07-12 is after the sandbox world's last day 2026-07-11" in line
    accounts = tmp_path / "a.json"
    accounts.write_text("{}")
    live = settings(
        AHW_SANDBOX_END_DATE="2026-07-11",
        AHW_ACCOUNTS_FILE=str(accounts),
        AHW_PII_SALT="s" * 20,
        AHW_LANDING_KEY=Fernet.generate_key().decode(),
    )
    assert check_days(date(2026, 7, 10), date(2026, 7, 12), live, today=TODAY) == []


def test_jobs_and_account_names():
    assert check_job("daily_pipeline", ["daily_pipeline", "alerts"]) is None
    assert (
        check_job("nightly", ["daily_pipeline", "alerts"])
        == "unknown job 'nightly': the jobs are alerts, daily_pipeline"
    )
    assert check_account_name("acme-us") is None
    assert "at most 64" in check_account_name("a" * 65)
    assert "is not an account name" in check_account_name("../etc")
