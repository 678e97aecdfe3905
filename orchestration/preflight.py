"""Checks made before a command-line run starts, so a wrong input costs one line and no run.

Each function returns the problems it finds, one line each, naming what is wrong and how to fix it
(or raises nothing when all is well). ``ahw run`` and ``ahw demo`` print them and stop; a run that
starts has dates inside the partitions, a known job and account, and, in live mode, an accounts file,
LWA credentials and every refresh token in place.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from orchestration.config import Settings
from orchestration.spapi.accounts import AccountConfigError, load_accounts_file

#: Account names as the accounts file allows them (orchestration/spapi/accounts.py): they become
#: ``account_id`` in every table, file names in landing and run tags.
ACCOUNT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$")
ACCOUNT_NAME_MAX = 64


def latest_complete_day(today: date | None = None) -> date:
    """Yesterday (UTC): the last daily partition that exists (today's is not over yet)."""
    return (today or datetime.now(UTC).date()) - timedelta(days=1)


def check_days(first: date, last: date, settings: Settings, *, today: date | None = None) -> list[str]:
    """Problems with the partition range [first, last] (UTC days)."""
    problems = []
    latest = latest_complete_day(today)
    start = settings.partitions_start
    if last < first:
        problems.append(f"--end {last} is before --start {first}: give the earlier day as --start")
    for option, day in (("--start", first), ("--end", last)):
        if day > latest:
            when = "today (UTC), which is not over yet" if day == latest + timedelta(days=1) else "in the future"
            problems.append(f"{option} {day} is {when}: the latest complete day is {latest}")
        elif day < start:
            problems.append(
                f"{option} {day} is before the first daily partition {start}: pick a later day, or set "
                "AHW_PARTITIONS_START to an earlier one"
            )
        elif not settings.is_live and not settings.sandbox_url and day > settings.sandbox_end_date:
            problems.append(
                f"{option} {day} is after the sandbox world's last day {settings.sandbox_end_date}: pick an earlier "
                "day, or set AHW_SANDBOX_END_DATE"
            )
    return list(dict.fromkeys(problems))


def check_job(job: str, jobs: list[str]) -> str | None:
    """The problem with a job name, or None."""
    if job in jobs:
        return None
    return f"unknown job {job!r}: the jobs are {', '.join(sorted(jobs))}"


def configured_accounts(settings: Settings) -> dict[str, tuple[str, ...]]:
    """Account name -> marketplace ids: the live accounts file's, or the sandbox world's.

    Raises AccountConfigError (one line per problem) for a broken accounts file.
    """
    if settings.is_live:
        assert settings.accounts_file is not None
        return {a.name: a.marketplace_ids for a in load_accounts_file(settings.accounts_file)}
    from orchestration.sandbox.accounts import ACCOUNTS

    return {a.name: a.marketplace_ids for a in ACCOUNTS}


def check_account_name(name: str, option: str = "--account") -> str | None:
    """The problem with the shape of an account name, or None."""
    if len(name) > ACCOUNT_NAME_MAX:
        return f"{option} is {len(name)} characters long: account names have at most {ACCOUNT_NAME_MAX}"
    if not ACCOUNT_NAME.fullmatch(name):
        return (f"{option} {name!r} is not an account name: letters, digits and . _ @ + - only, starting with a "
                "letter or digit")  # fmt: skip
    return None


def check_account(name: str, settings: Settings, option: str = "--account") -> list[str]:
    """Problems with an account a command names: its shape, and whether it is configured."""
    shape = check_account_name(name, option)
    if shape:
        return [shape]
    try:
        known = configured_accounts(settings)
    except AccountConfigError as exc:
        return str(exc).splitlines()
    if name in known:
        return []
    where = f"the accounts file {settings.accounts_file}" if settings.is_live else "the sandbox"
    return [f"{option} {name!r} is not an account of {where}: the accounts are {', '.join(sorted(known))}"]


def check_live(settings: Settings) -> list[str]:
    """Live mode: the accounts file, the LWA credentials and every account's refresh token."""
    if not settings.is_live:
        return []
    problems = []
    if not settings.lwa_app_id:
        problems.append("LWA_APP_ID is not set: set it to your SP-API application's LWA client id")
    if settings.lwa_client_secret is None:
        problems.append("LWA_CLIENT_SECRET is not set: set it to your SP-API application's LWA client secret")
    assert settings.accounts_file is not None
    try:
        accounts = load_accounts_file(settings.accounts_file)
    except AccountConfigError as exc:
        return problems + str(exc).splitlines()
    for account in accounts:
        try:
            account.refresh_token()  # read from the variable the entry names; never printed
        except AccountConfigError as exc:
            problems.append(f"{exc}: export it with the account's refresh token")
    return problems
