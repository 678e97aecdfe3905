"""``ahw status``: where the warehouse stands, without running anything.

Per account x marketplace: the last day loaded per report type, Amazon's account status, Amazon's
rating and band beside our estimate, and the open alerts. Then the last run recorded in the Dagster
instance: its job, days and outcome, the step that failed and why, and the checks that failed or did
not run (a check does not run when a step before it failed; it says which).

The tables come from the serving copy (orchestration/serving.py), so a run in progress never makes
this wait or fail; the run comes from the Dagster instance (``DAGSTER_HOME``), read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rich.console import Console
from rich.table import Table

from orchestration.config import Settings
from orchestration.serving import ServingUnavailable, reader
from orchestration.summary import REPORT_TITLES, health_rows, load_rows
from orchestration.terminal import make_console

#: Jobs whose runs ``ahw status`` reports (the ones that write the warehouse).
PIPELINE_JOBS = ("daily_pipeline", "account_refresh", "extract_reports")


@dataclass
class AccountStatus:
    account_id: str
    marketplace_id: str
    country: str
    last_days: dict[str, str]
    """raw table -> last day loaded (``-`` when never)."""
    account_status: str = "-"
    reported: str = "-"
    estimated: str = "-"
    open_alerts: int = 0


@dataclass
class RunStatus:
    """The last pipeline run of the instance and what happened to its checks."""

    run_id: str
    job_name: str
    status: str
    started_at: datetime | None
    days: str
    failed_steps: list[tuple[str, str]] = field(default_factory=list)
    checks_passed: int = 0
    checks_failed: list[tuple[str, str]] = field(default_factory=list)
    """(check, its description)."""
    checks_not_run: list[str] = field(default_factory=list)


def account_statuses(settings: Settings) -> tuple[list[AccountStatus], str]:
    """Rows per account x marketplace and the source they were read from."""
    with reader(settings) as r:
        loads = {(row["account_id"], row["marketplace_id"]): row for row in load_rows(r)}
        health = {(h.account_id, h.marketplace_id): h for h in health_rows(r)}
        alerts: dict[tuple[str, str], int] = {}
        if r.exists("marts.fct_alerts"):
            for account, marketplace_id, n in r.con.execute(
                "select account_id, marketplace_id, count(*) from marts.fct_alerts where status = 'open' group by all"
            ).fetchall():
                alerts[(account, marketplace_id)] = int(n)
        account_wide = {a: n for (a, m), n in alerts.items() if m is None}
        source = r.source
    rows = []
    for key in sorted(set(loads) | set(health)):
        account, marketplace_id = key
        load = loads.get(key, {})
        h = health.get(key)
        rows.append(
            AccountStatus(
                account_id=account,
                marketplace_id=marketplace_id,
                country=h.country if h else marketplace_id,
                last_days={t: str(load[t]["last_day"]) if t in load else "-" for t in REPORT_TITLES},
                account_status=h.account_status if h else "-",
                reported=h.reported if h else "-",
                estimated=h.estimated if h else "-",
                open_alerts=alerts.get(key, 0) + account_wide.get(account, 0),
            )
        )
    return rows, source


def last_run(settings: Settings) -> RunStatus | None:
    """The latest run of a pipeline job in the instance, with its failed steps and checks; None without one."""
    import dagster as dg

    from orchestration.defs.extraction.partitions import RANGE_END_TAG, RANGE_START_TAG
    from orchestration.run_console import error_cause

    if not (settings.dagster_home / "dagster.yaml").exists():
        return None
    instance = dg.DagsterInstance.from_config(str(settings.dagster_home))
    runs = instance.get_runs(dg.RunsFilter(job_name=None), limit=20)
    runs = [r for r in runs if r.job_name in PIPELINE_JOBS]
    if not runs:
        return None
    run = runs[0]
    record = instance.get_run_record_by_id(run.run_id)
    start, end = run.tags.get(RANGE_START_TAG), run.tags.get(RANGE_END_TAG)
    days = f"{start}..{end}" if start else run.tags.get("dagster/partition", "-")
    status = RunStatus(run.run_id, run.job_name, run.status.value,
                       record.start_time and datetime.fromtimestamp(record.start_time), days)  # fmt: skip
    planned: list[str] = []
    evaluated: set[str] = set()
    for entry in instance.all_logs(run.run_id):
        event = entry.dagster_event
        if event is None:
            continue
        kind = event.event_type_value
        if kind == "STEP_FAILURE":
            status.failed_steps.append((event.step_key or "", error_cause(event.step_failure_data.error)))
        elif kind == "ASSET_CHECK_EVALUATION_PLANNED":
            key = event.event_specific_data.asset_check_key
            planned.append(f"{key.asset_key.to_user_string()}:{key.name}")
        elif kind == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            key = evaluation.asset_check_key
            name = f"{key.asset_key.to_user_string()}:{key.name}"
            if name in evaluated:
                continue
            evaluated.add(name)
            if evaluation.passed:
                status.checks_passed += 1
            else:
                text = evaluation.description or ""
                status.checks_failed.append((name, text.splitlines()[0] if text else ""))
    status.checks_not_run = [c for c in dict.fromkeys(planned) if c not in evaluated]
    return status


def print_status(settings: Settings, console: Console | None = None) -> None:
    console = console or make_console()
    try:
        rows, source = account_statuses(settings)
    except ServingUnavailable as exc:
        rows, source = [], None
        console.print(str(exc), markup=False)
    if rows:
        table = Table(title="Status per account x marketplace (last day loaded per report; ratings of the latest "
                      "snapshot)", title_justify="left")  # fmt: skip
        for name in ("account", "mkt", *REPORT_TITLES.values(), "status", "Amazon's rating", "our estimate",
                     "open alerts"):  # fmt: skip
            table.add_column(name, justify="right" if name == "open alerts" else "left")
        for row in rows:
            table.add_row(row.account_id, row.country, *row.last_days.values(), row.account_status, row.reported,
                          row.estimated, str(row.open_alerts))  # fmt: skip
        console.print(table)
        console.print(f"(read from the {source})", markup=False, style="dim")
    run = last_run(settings)
    if run is None:
        console.print(f"no pipeline run recorded in the Dagster instance {settings.dagster_home} yet", markup=False)
        return
    when = f" started {run.started_at:%Y-%m-%d %H:%M}" if run.started_at else ""
    console.print(f"\nlast run: {run.job_name} for {run.days}{when}: {run.status} (run {run.run_id[:8]})",
                  markup=False)  # fmt: skip
    for step, cause in run.failed_steps:
        console.print(f"  failed step {step}: {cause}", markup=False)
    console.print(f"  checks: {run.checks_passed} passed, {len(run.checks_failed)} failed, "
                  f"{len(run.checks_not_run)} not run", markup=False)  # fmt: skip
    for name, text in run.checks_failed:
        console.print(f"  failed  {name}{f': {text[:160]}' if text else ''}", markup=False)
    if run.checks_not_run:
        why = (f"a step before them failed ({run.failed_steps[0][0]})" if run.failed_steps
               else "their steps were skipped")  # fmt: skip
        shown = ", ".join(run.checks_not_run[:6]) + (f" and {len(run.checks_not_run) - 6} more"
                                                      if len(run.checks_not_run) > 6 else "")  # fmt: skip
        console.print(f"  not run ({why}): {shown}", markup=False)
