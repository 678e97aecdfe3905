"""Every CLI and configuration error ends with ONE line naming what was wrong and how to fix it, with no
traceback unless `-v`; nothing starts running (issue 9 §4, issue 12 §4).

Each case runs the real command line (click's runner, the real settings from the environment) and
asserts the last line names the problem and that no run was recorded in the Dagster instance.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet

from orchestration.cli import main

YESTERDAY = datetime.now(UTC).date() - timedelta(days=1)


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env)


def last_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def assert_one_line_error(result, *needles: str) -> str:
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    line = last_line(result)
    for needle in needles:
        assert needle in line, line
    return line


def no_run_recorded(tmp_path: Path) -> bool:
    return not (tmp_path / "data" / "dagster_home" / "storage").exists() or not any(
        (tmp_path / "data" / "dagster_home" / "storage").iterdir()
    )


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--start", "2026-02-30"], ["'2026-02-30' is not a day written YYYY-MM-DD", "day is out of range"]),
        (["--start", "30/06/2026"], ["'30/06/2026' is not a day written YYYY-MM-DD"]),
        (["--start", "2026-06-10", "--end", "2026-06-01"], ["--end 2026-06-01 is before --start 2026-06-10"]),
        (["--start", (YESTERDAY + timedelta(days=30)).isoformat()], ["is in the future", str(YESTERDAY)]),
        (["--start", (YESTERDAY + timedelta(days=1)).isoformat()], ["is today (UTC)", str(YESTERDAY)]),
        (["--start", "2025-12-31"], ["before the first daily partition 2026-01-01", "AHW_PARTITIONS_START"]),
        (["--start", "2026-06-01", "--account", "no-such-seller"], ["--account 'no-such-seller' is not an account",
                                                                     "acme-home"]),
        (["--start", "2026-06-01", "--account", "x" * 200], ["--account is 200 characters long", "at most 64"]),
        (["--start", "2026-06-01", "--account", "acme home;drop"], ["is not an account name"]),
    ],
)  # fmt: skip
def test_bad_run_arguments_are_one_line_each_and_nothing_runs(args, needles, tmp_path):
    result = invoke("run", *args)
    assert_one_line_error(result, *needles)
    assert no_run_recorded(tmp_path)


def test_several_date_problems_are_listed_one_per_line(tmp_path):
    future = (YESTERDAY + timedelta(days=10)).isoformat()
    result = invoke("run", "--start", future, "--end", "2025-06-01")
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert any("--end 2025-06-01 is before --start" in line for line in lines)
    assert any(f"--start {future} is in the future" in line for line in lines)
    assert any("--end 2025-06-01 is before the first daily partition" in line for line in lines)


def test_a_day_after_the_sandbox_worlds_end_is_refused(monkeypatch):
    monkeypatch.setenv("AHW_SANDBOX_END_DATE", "2026-06-30")
    result = invoke("run", "--start", "2026-07-02")
    assert_one_line_error(result, "after the sandbox world's last day 2026-06-30", "AHW_SANDBOX_END_DATE")


def test_an_unknown_job_is_one_line_listing_the_jobs():
    result = invoke("run", "--start", "2026-06-01", "--job", "nightly")
    line = assert_one_line_error(result, "unknown job 'nightly'")
    for job in ("daily_pipeline", "extract_reports", "account_refresh", "alerts"):
        assert job in line


def test_data_dir_pointing_at_a_file(tmp_path, monkeypatch):
    target = tmp_path / "not-a-folder"
    target.write_text("x")
    monkeypatch.setenv("AHW_DATA_DIR", str(target))
    monkeypatch.delenv("AHW_DUCKDB_PATH")
    result = invoke("summary")
    assert_one_line_error(result, f"AHW_DATA_DIR: {target} is a file, not a folder; point it at a folder")


def live_env(tmp_path: Path, accounts: object, **extra: str) -> dict[str, str]:
    path = tmp_path / "accounts.json"
    path.write_text(accounts if isinstance(accounts, str) else json.dumps(accounts))
    return {"AHW_ACCOUNTS_FILE": str(path), "AHW_PII_SALT": "pepper-" + "x" * 20, "LWA_APP_ID": "app",
            "LWA_CLIENT_SECRET": "secret", "AHW_LANDING_KEY": Fernet.generate_key().decode(), **extra}  # fmt: skip


GOOD_ENTRY = {"name": "acme-us", "selling_partner_id": "A1EXAMPLE", "region": "NA",
              "marketplaces": ["ATVPDKIKX0DER"], "refresh_token_env": "AHW_REFRESH_TOKEN_ACME_US"}  # fmt: skip


def test_unset_pii_salt_in_live_mode(tmp_path):
    env = live_env(tmp_path, {"accounts": [GOOD_ENTRY]})
    env["AHW_PII_SALT"] = ""
    result = invoke("run", "--start", YESTERDAY.isoformat(), env=env)
    assert_one_line_error(result, "AHW_PII_SALT: must be set in live mode", "set it to a long random string")
    assert "pepper" not in result.output


@pytest.mark.parametrize(
    ("accounts", "needles"),
    [
        ({"accounts": ["acme-us"]}, ["account #1", "must be an object with name, selling_partner_id"]),
        ('{"accounts": [', ["is not valid JSON"]),
        ({"accounts": [{**GOOD_ENTRY, "region": "MARS"}]}, ["account acme-us", "unknown region 'MARS'"]),
        ({"accounts": [{**GOOD_ENTRY, "marketplaces": ["A1F83G8C2ARO7P"]}]}, ["marketplace A1F83G8C2ARO7P is in region EU"]),
        ({"accounts": [{**GOOD_ENTRY, "name": "n" * 80}]}, ["name String should have at most 64 characters"]),
        ({"accounts": [GOOD_ENTRY]}, ["'AHW_REFRESH_TOKEN_ACME_US' (its refresh token) is not set",
                                      "export it with the account's refresh token"]),
    ],
)  # fmt: skip
def test_a_broken_accounts_file_is_named_before_any_run_starts(accounts, needles, tmp_path):
    result = invoke("run", "--start", YESTERDAY.isoformat(), env=live_env(tmp_path, accounts))
    assert_one_line_error(result, *needles)
    assert no_run_recorded(tmp_path)
    assert "secret" not in result.output and "pepper" not in result.output


def test_demo_refuses_a_nonsense_day_count_and_end_date():
    assert_one_line_error(invoke("demo", "--days", "0"), "0 is not in the range 1<=x<=3660")
    assert_one_line_error(invoke("demo", "--end-date", "yesterday"), "'yesterday' is not a day written YYYY-MM-DD")
    future = (YESTERDAY + timedelta(days=3)).isoformat()
    assert_one_line_error(invoke("demo", "--end-date", future), f"--end-date {future} is in the future")


def test_an_unexpected_error_is_one_line_and_its_traceback_is_behind_v(monkeypatch):
    import orchestration.summary

    def broken(*_args, **_kwargs):
        raise ZeroDivisionError("the numbers did not add up\nsecond line")

    monkeypatch.setattr(orchestration.summary, "print_summary", broken)
    quiet = invoke("summary")
    line = assert_one_line_error(quiet, "the numbers did not add up", "ZeroDivisionError", "`ahw -v ...`")
    assert "second line" not in quiet.output and "(+1 more line(s) in the log)" in line
    verbose = invoke("-v", "summary")
    assert isinstance(verbose.exception, ZeroDivisionError)


def test_a_lock_error_names_the_process_holding_the_file(monkeypatch):
    import duckdb

    import orchestration.summary

    def locked(*_args, **_kwargs):
        raise duckdb.IOException(
            'IO Error: Could not set lock on file "/x/warehouse.duckdb": Conflicting lock is held in '
            "/usr/bin/python3.11 (PID 4242) by user root. See also https://duckdb.org/docs/connect/concurrency"
        )

    monkeypatch.setattr(orchestration.summary, "print_summary", locked)
    assert_one_line_error(invoke("summary"), "/x/warehouse.duckdb is held by process 4242", "close the program")


def test_import_report_flags_an_account_that_is_not_configured(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{}")
    args = ["import-report", "--report-type", "GET_V2_SELLER_PERFORMANCE_REPORT", "--marketplace", "ATVPDKIKX0DER"]
    unknown = invoke(*args, "--account", "acme-hone", str(path))
    assert_one_line_error(unknown, "--account 'acme-hone' is not an account of the sandbox", "acme-home",
                          "--new-account")  # fmt: skip
    too_long = invoke(*args, "--account", "a" * 65, "--new-account", str(path))
    assert_one_line_error(too_long, "--account is 65 characters long")
    assert not (tmp_path / "data" / "landing").exists()
