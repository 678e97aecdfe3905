"""`ahw`: the account health warehouse's command line.

Commands stay thin: they read settings, call the same code the Dagster assets call, and print.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click

from orchestration.config import SettingsError, load_settings


@contextlib.contextmanager
def _warehouse(settings):
    """A write connection to the DuckDB file, waiting up to AHW_DUCKDB_LOCK_TIMEOUT for another process's
    lock; one line naming the holder's process id when it is not released."""
    from orchestration.warehouse.connection import WarehouseLocked, connect

    try:
        con = connect(settings.duckdb_path, on_wait=lambda text: click.echo(text, err=True))
    except WarehouseLocked as exc:
        raise click.ClickException(str(exc)) from None
    try:
        yield con
    finally:
        con.close()


#: Jobs ``ahw run --job`` accepts (the code location's; checked against it before a run starts).
DEFAULT_JOB = "daily_pipeline"


def error_line(exc: BaseException) -> str:
    """One line for an error the commands did not anticipate: what went wrong and how to see more."""
    from orchestration.run_console import one_line
    from orchestration.serving import lock_holder

    text = str(exc).strip() or type(exc).__name__
    if lock_holder(exc) is not None:
        return one_line(text)  # names the process holding the DuckDB file and what to do
    return f"{one_line(text)} ({type(exc).__name__}; `ahw -v ...` shows the traceback)"


class AhwGroup(click.Group):
    """Every error ends with one line naming what was wrong and how to fix it; tracebacks only with ``-v``."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from None
        except Exception as exc:
            if ctx.obj and ctx.obj.get("verbose"):
                raise
            raise click.ClickException(error_line(exc)) from None


class Day(click.ParamType):
    """A UTC day written YYYY-MM-DD; anything else is one line saying so."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError as exc:
            reason = str(exc).removeprefix("Invalid isoformat string: ").strip()
            detail = "" if reason.startswith("'") else f" ({reason})"
            self.fail(f"{value!r} is not a day written YYYY-MM-DD{detail}", param, ctx)


DAY = Day()


@click.group(cls=AhwGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Full log on the terminal and tracebacks (never secrets).")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Account health warehouse: SP-API reports -> DuckDB -> dbt marts -> HTML report.

    Configuration comes from the environment: AHW_DATA_DIR (default ./data), AHW_DUCKDB_PATH
    (default $AHW_DATA_DIR/warehouse.duckdb), AHW_ACCOUNTS_FILE (live mode; absent = sandbox),
    DAGSTER_HOME (default $AHW_DATA_DIR/dagster_home). Run it as .venv/bin/ahw (or `uv run ahw`);
    the venv need not be activated.
    """
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose
    if not verbose:  # Dagster's notes that the project uses beta features (partitioned checks, backfill policies)
        warnings.filterwarnings("ignore", message=r".*is currently in (beta|preview)")
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(asctime)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    load_settings()  # invalid configuration: every problem, one line each, before anything runs


def _problems(lines: list[str]) -> None:
    """Stop with the problems found before a run, one line each."""
    if lines:
        raise click.ClickException("\n".join(lines))


@main.command()
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 3660),
              help="Daily partitions (snapshots) ending on --end-date; orders, feedback and returns also cover "
                   "AHW_HISTORY_DAYS (180) days, the volume credit's window.")  # fmt: skip
@click.option("--end-date", type=DAY, help="Last partition; default yesterday UTC (also the sandbox world's end).")
@click.pass_context
def demo(ctx: click.Context, days: int, end_date: date | None) -> None:
    """Run the main job against the embedded sandbox into the local DuckDB file and print a summary.

    Progress is shown per stage; the full log goes to a file under $AHW_DATA_DIR/logs.
    """
    from orchestration.demo import run_demo
    from orchestration.preflight import check_days

    settings = load_settings()
    if settings.is_live:
        raise click.UsageError("demo runs against the sandbox; unset AHW_ACCOUNTS_FILE (or use `ahw run`)")
    last = end_date or settings.sandbox_end_date
    first = last - timedelta(days=days - 1)
    _problems([p.replace("--start", "the first day").replace("--end", "--end-date")
               for p in check_days(first, last, settings.model_copy(update={"sandbox_end_date_setting": last}))])  # fmt: skip
    _check_instance(settings)

    def body(console, display_logger):
        console.print(f"demo for {first}..{last} (sandbox, notifications, alerts) into {settings.duckdb_path}",
                      markup=False)  # fmt: skip
        return run_demo(settings, first, last, echo=lambda m: console.print(m, markup=False), logger=display_logger)

    result, outcome, elapsed, console, log_path = _displayed(ctx, "demo", DEFAULT_JOB, None, body)
    if not result.success:
        _failed("demo", elapsed, outcome, result.pipeline, log_path)
    steps = ", ".join(f"{k} {v:.1f}s" for k, v in result.seconds.items())
    console.print(f"demo succeeded in {elapsed:.1f}s ({steps}; notifications and alerts added "
                  f"{result.added_seconds:.1f}s)", markup=False)  # fmt: skip
    _after_success(console, settings, result.pipeline, log_path)


@main.command()
@click.option("--start", "start", required=True, type=DAY, help="First partition day (UTC).")
@click.option("--end", "end", type=DAY, help="Last partition day (default: --start).")
@click.option("--job", default=DEFAULT_JOB, show_default=True, help="Job to run (extract_reports: raw only).")
@click.option("--account", help="Only this account (its name in the accounts file, or a sandbox account).")
@click.option("--marts-only", is_flag=True,
              help="Rebuild the marts (dbt, gates, exports, report) from what raw holds, without extracting.")  # fmt: skip
@click.pass_context
def run(ctx: click.Context, start: date, end: date | None, job: str, account: str | None, marts_only: bool) -> None:
    """Run a job for a range of days in one run (sandbox or live, per configuration).

    Dates, the job, the account and (in live mode) the accounts file, LWA credentials and refresh
    tokens are checked before anything starts. Progress is shown per stage; the full log goes to a
    file under $AHW_DATA_DIR/logs; a failure ends with the failing step and its cause in one line.
    """
    from orchestration.preflight import check_account, check_days, check_live

    settings = load_settings()
    last = end or start
    problems = check_days(start, last, settings)
    if account:
        problems += check_account(account, settings)
    problems += check_live(settings)
    _problems(problems)
    jobs = _job_names()
    from orchestration.preflight import check_job

    _problems([p for p in [check_job(job, jobs)] if p])
    _check_instance(settings)
    _run(ctx, job, start, last, account=account, marts_only=marts_only)


def _job_names() -> list[str]:
    from orchestration.definitions import defs

    return sorted(j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__"))


def _check_instance(settings) -> None:
    """The Dagster instance must serialize writers of the DuckDB file (one line when it would not)."""
    from orchestration.instance import get_instance, pool_problem

    problem = pool_problem(get_instance(settings))
    _problems([problem] if problem else [])


def marts_selection(job: str) -> list:
    """The assets of ``job`` downstream of raw: dbt models, exports, serving copy, report, alerts."""
    from orchestration.definitions import defs
    from orchestration.run_console import GROUP_STAGES

    graph = defs.resolve_job_def(job).asset_layer.asset_graph
    keys = defs.resolve_job_def(job).asset_layer.selected_asset_keys
    return sorted(k for k in keys if GROUP_STAGES.get(graph.get(k).group_name or "") in ("dbt", "publish"))


def _run(ctx, job: str, first: date, last: date, *, account: str | None = None, marts_only: bool = False) -> None:
    from orchestration.defs.extraction.assets import ACCOUNT_TAG
    from orchestration.pipeline import run_job

    settings = load_settings()
    selection = marts_selection(job) if marts_only else None

    def body(console, display_logger):
        mode = "live" if settings.is_live else "sandbox"
        what = f"{job}{' (marts only)' if marts_only else ''}{f' for {account}' if account else ''}"
        console.print(f"running {what} for {first}..{last} ({mode}) into {settings.duckdb_path}", markup=False)
        return run_job(job, first, last, raise_on_error=False, logger=display_logger, asset_selection=selection,
                       tags={ACCOUNT_TAG: account} if account else None)  # fmt: skip

    result, outcome, elapsed, console, log_path = _displayed(ctx, "run", job, selection, body)
    if not result.success:
        _failed("run", elapsed, outcome, result, log_path)
    console.print(f"run succeeded in {elapsed:.1f}s: {outcome.rows_loaded:,} rows loaded into raw, "
                  f"{outcome.checks_passed} checks passed", markup=False)  # fmt: skip
    _after_success(console, settings, result, log_path)


def _displayed(ctx, command: str, job: str, selection, body):
    """Run ``body(console, logger)`` with progress bars and the full log in a file; returns
    (body's result, what the display saw, seconds, console, log path)."""
    from orchestration.run_console import CLI_LOGGER_KEY, displayed_run, quiet_run, run_plan

    settings = load_settings()
    plan = run_plan(job, selection)
    started = time.monotonic()
    with quiet_run(settings.log_dir, command, verbose=ctx.obj["verbose"]) as (console, log_path):
        console.print(f"full log: {log_path}", markup=False)
        with displayed_run(console, plan) as display:
            result = body(console, CLI_LOGGER_KEY)
            display.finish(bool(getattr(result, "success", False)))
    elapsed = time.monotonic() - started
    display.print_warnings(log_path)
    return result, display.outcome, elapsed, console, log_path


def _failed(command: str, elapsed: float, outcome, result, log_path) -> None:
    """The failing step and its cause in one line, at the very end; exit status 1."""
    if outcome.failures:
        step, cause = outcome.failures[0]
        more = f" (+{len(outcome.failures) - 1} more failed step(s))" if len(outcome.failures) > 1 else ""
        line = f"{command} failed after {elapsed:.1f}s at {step}: {cause}{more}; full log: {log_path}"
    elif outcome.checks_failed:
        line = (f"{command} failed after {elapsed:.1f}s: blocking check(s) failed: {', '.join(outcome.checks_failed)}; "
                f"full log: {log_path}")  # fmt: skip
    else:
        line = f"{command} failed after {elapsed:.1f}s: {_run_failure(result)}; full log: {log_path}"
    click.echo(line, err=True)
    sys.exit(1)


def _run_failure(result) -> str:
    """The run's own failure message when no step failed (e.g. a resource could not start)."""
    from orchestration.run_console import error_cause

    for event in getattr(result, "all_events", []) if result is not None else []:
        if event.event_type_value in ("RUN_FAILURE", "RESOURCE_INIT_FAILURE") and event.event_specific_data:
            error = getattr(event.event_specific_data, "error", None)
            if error is not None:
                return error_cause(error)
            if event.message:
                return event.message
    return "the run did not succeed (see the log)"


def _after_success(console, settings, result, log_path) -> None:
    from orchestration.serving import serving_path
    from orchestration.summary import print_summary

    print_summary(settings, console)
    report = _report_written(result)
    if report:
        console.print(f"\naccount-health report (open in a browser): {report}", markup=False)
    if serving_path(settings).exists():
        console.print(f"serving copy for BI tools (read-only DuckDB, 1.x readers): {serving_path(settings)}",
                      markup=False)  # fmt: skip
    console.print(f"Dagster UI with this run and its partitions: `ahw dev` (instance {settings.dagster_home})",
                  markup=False)  # fmt: skip
    console.print(f"full log: {log_path}", markup=False)


def _report_written(result) -> str | None:
    """Path of the HTML report the run wrote (its asset's ``path`` metadata), if the job included it."""
    from orchestration.defs.reports.assets import REPORT_KEY

    if result is None:
        return None
    for event in result.get_asset_materialization_events():
        if event.asset_key == REPORT_KEY:
            path = event.step_materialization_data.materialization.metadata.get("path")
            return str(path.value) if path is not None else None
    return None


def _echo_failures(result) -> None:
    from orchestration.run_console import error_cause

    for event in result.all_events:
        if event.is_step_failure:
            click.echo(f"FAILED {event.step_key}: {error_cause(event.step_failure_data.error)}", err=True)


@main.command("evaluate-rating")
@click.option("--seed", "seeds", type=int, multiple=True, help="World seed (repeat; default: the demo's and 3 others).")
@click.option(
    "--reported-days", default=90, show_default=True, help="Days of reported history before the held-out days."
)
@click.option("--holdout-days", default=14, show_default=True, help="Last days of each world the fit never sees.")
@click.option("--volume-scale", default=0.05, show_default=True, help="Order volume of the worlds (1 = the demo's).")
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path), help="Keep each world's warehouse here.")
def evaluate_rating(seeds: tuple[int, ...], reported_days: int, holdout_days: int, volume_scale: float, keep) -> None:
    """Calibrate the rating estimate on sandbox worlds with different hidden rules and score it on the
    days and marketplaces the fit did not see (seeds model beside it)."""
    from rich.console import Console

    from orchestration.evaluation.rating import DEFAULT_SEEDS, EvaluationConfig, evaluate, render

    config = EvaluationConfig(
        seeds=seeds or DEFAULT_SEEDS, reported_days=reported_days, holdout_days=holdout_days,
        volume_scale=volume_scale, work_dir=keep, keep=keep is not None,
    )  # fmt: skip
    started = time.monotonic()
    results = evaluate(config, echo=click.echo)
    Console(width=200).print(render(results, time.monotonic() - started))


@main.command()
def summary() -> None:
    """Print the per account x marketplace summary (from the serving copy: never waits for a run)."""
    from orchestration.summary import print_summary

    print_summary(load_settings())


@main.command()
def status() -> None:
    """Per account x marketplace: last day loaded per report type, rating and band (Amazon's and ours),
    account status, open alerts; and the last run with its failed or skipped checks. Runs nothing."""
    from orchestration.status import print_status

    print_status(load_settings())


@main.command()
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the report to (default $AHW_DATA_DIR/report).",
)
def report(output: Path | None) -> None:
    """Write the HTML account-health report from the DuckDB file and print the path of its index.html.

    Reads the marts with a read-only connection; the pages open from disk, with no network access.
    """
    from orchestration.report import ReportDataError, build_report

    settings = load_settings()
    try:
        result = build_report(settings.duckdb_path, output or settings.report_dir)
    except ReportDataError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"wrote {result.pages} page(s) for {len(result.account_pages)} account x marketplace(s), "
        f"data as of {result.as_of}",
        err=True,
    )
    click.echo(str(result.index.resolve()))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8787, show_default=True, type=int)
@click.option("--seed", type=int, help="World seed (default AHW_SANDBOX_SEED or the built-in seed).")
@click.option("--end-date", type=DAY, help="Last day of the world (default yesterday UTC).")
@click.option(
    "--speed", default=60.0, show_default=True, help="Time scale: rates, processing and expiry run this much faster."
)
@click.option("--sqs/--no-sqs", default=True, show_default=True, help="Start a local SQS (moto) for notifications.")
def sandbox(host: str, port: int, seed: int | None, end_date: date | None, speed: float, sqs: bool) -> None:
    """Serve the SP-API sandbox standalone (point AHW_SANDBOX_URL at it), with a local SQS it publishes
    ACCOUNT_STATUS_CHANGED notifications to (subscribe with `ahw notifications setup`)."""
    from orchestration.sandbox import WorldConfig, serve_forever

    settings = load_settings()
    end = end_date or datetime.now(UTC).date() - timedelta(days=1)
    config = WorldConfig(seed=seed if seed is not None else settings.sandbox_seed, end_date=end)
    click.echo(f"SP-API sandbox on http://{host}:{port} (world {config.seed}, ends {end}, speed {speed}x)")
    serve_forever(host, port, config, speed, with_sqs=sqs)


@main.command()
@click.option("--port", default=8787, show_default=True, type=int, help="Port of the sandbox.")
@click.option("--speed", default=3600.0, show_default=True, help="Time scale of the sandbox.")
@click.option("--ui-port", default=3000, show_default=True, type=int, help="Port of the Dagster UI.")
def dev(port: int, speed: float, ui_port: int) -> None:
    """Dagster UI and daemon (`dagster dev`) with a long-lived sandbox, its local SQS and the subscriptions.

    In sandbox mode the sandbox, the SQS server and the notification subscriptions live as long as this
    command, so the notifications sensor has a queue to poll and runs share one sandbox clock (move it
    with PUT /_sandbox/clock to see status changes published). In live mode this is `dagster dev`.
    """
    import os

    from orchestration.instance import instance_home

    settings = load_settings()
    _check_instance(settings)
    dagster = Path(sys.executable).parent / "dagster"
    workspace = Path(__file__).resolve().parents[1] / "workspace.yaml"
    command = [str(dagster) if dagster.exists() else "dagster", "dev", "-w", str(workspace), "-p", str(ui_port)]
    # The instance every run is recorded in (ahw run and ahw demo too), so the UI shows their runs.
    base_env = {**os.environ, "DAGSTER_HOME": str(instance_home(settings))}
    click.echo(f"Dagster instance: {settings.dagster_home}")
    if settings.is_live or settings.sandbox_url:
        sys.exit(_run_dagster(command, base_env))

    from orchestration.defs.extraction.resources import sandbox_connection
    from orchestration.notifications.queue import sandbox_queue
    from orchestration.notifications.setup import setup_notifications
    from orchestration.sandbox import SandboxServer, World, WorldConfig
    from orchestration.sandbox.sqs import SqsServer

    world = World(WorldConfig(seed=settings.sandbox_seed, end_date=settings.sandbox_end_date,
                              volume_scale=settings.sandbox_volume_scale))  # fmt: skip
    with SqsServer() as sqs, SandboxServer(world, speed=speed, port=port, token_ttl_seconds=3600 * speed,
                                           url_ttl_seconds=30 * speed, sqs_endpoint_url=sqs.endpoint_url) as server:  # fmt: skip
        connection = sandbox_connection(server.url)
        settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
        with _warehouse(settings) as con:
            setup_notifications(con, connection.endpoint, connection.accounts, sandbox_queue(sqs.endpoint_url))
        click.echo(f"sandbox on {server.url} (world ends {world.end_date}), local SQS on {sqs.endpoint_url}")
        # The child gets the sandbox's URL as its configuration (and this environment's tools, dbt, on its
        # PATH); this process's own environment is unchanged.
        tools = str(Path(sys.executable).parent)
        env = {
            **base_env,
            "AHW_SANDBOX_URL": server.url,
            "PATH": os.pathsep.join([tools, os.environ.get("PATH", "")]),
        }
        sys.exit(_run_dagster(command, env))


def _run_dagster(command: list[str], env: dict[str, str]) -> int:
    """Run `dagster dev` in its own process group until it exits or this process is interrupted
    (Ctrl-C, SIGTERM); then stop the whole group: SIGINT, and SIGKILL after 20 s (`dagster dev`
    without a terminal ignores SIGINT and SIGTERM, and its webserver and daemon are its children)."""
    import os
    import signal
    import subprocess

    def interrupted(*_):
        raise KeyboardInterrupt

    child = subprocess.Popen(command, env=env, start_new_session=True)
    previous = signal.signal(signal.SIGTERM, interrupted)
    try:
        return child.wait()
    except KeyboardInterrupt:
        for sig, wait in ((signal.SIGINT, 20), (signal.SIGKILL, 10)):
            try:
                os.killpg(child.pid, sig)
            except ProcessLookupError:
                break
            try:
                child.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)  # what is left of the group (webserver, daemon, code servers)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


@main.command("import-report")
@click.option("--report-type", required=True, help="Amazon report type, e.g. GET_V2_SELLER_PERFORMANCE_REPORT.")
@click.option("--account", required=True, help="Account name (account_id in the tables): a configured account.")
@click.option("--marketplace", "marketplace_id", required=True, help="Marketplace id, e.g. ATVPDKIKX0DER.")
@click.option("--partition-date", type=DAY,
              help="Partition for snapshot reports (default: the document's own date), or for a flat file with "
                   "no rows (empty or header only), which has no date of its own to load into.")  # fmt: skip
@click.option(
    "--encoding",
    help="Charset the file is in, as a download's Content-Type would declare it (e.g. Cp1252, utf8, Shift_JIS); "
    "default: a byte-order mark, else the marketplace's flat-file encoding from the catalogue.",
)
@click.option("--new-account", is_flag=True, help="Accept an account name that is not configured (a new account).")
@click.option(
    "--build", is_flag=True, help="Then rebuild the marts of the imported days (dbt, gates, exports, report)."
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def import_report(
    ctx: click.Context,
    report_type: str,
    account: str,
    marketplace_id: str,
    partition_date: date | None,
    encoding: str | None,
    new_account: bool,
    build: bool,
    file: Path,
) -> None:
    """Load a document saved by hand (Seller Central download, earlier pull) through landing into raw.

    Says what it loaded (rows per day, encoding, date formats, rows kept aside) and what to run next;
    with --build it rebuilds the affected marts itself. An account name that is not configured is
    refused unless --new-account says it is meant. A marketplace id the catalogue does not know is
    accepted for JSON/XML reports (flagged in raw.load_log); a flat file for it is refused, since its
    encoding and date formats are unknown.
    """

    from orchestration.parsing import DocumentError
    from orchestration.parsing.encodings import python_codec
    from orchestration.preflight import check_account, check_account_name
    from orchestration.spapi.report_types import report_type as lookup
    from orchestration.warehouse.landing import Landing, LandingError
    from orchestration.warehouse.loader import import_file

    settings = load_settings()
    try:
        rt = lookup(report_type)
    except KeyError as exc:
        raise click.BadParameter(exc.args[0], param_hint="--report-type") from None
    if encoding:
        try:
            python_codec(encoding)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--encoding") from None
    if new_account:
        _problems([p for p in [check_account_name(account)] if p])
    else:
        _problems([f"{p} (or pass --new-account to import it under a new name)" if "is not an account" in p else p
                   for p in check_account(account, settings)])  # fmt: skip
    partitions = [partition_date] if partition_date else None
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    with _warehouse(settings) as con:
        try:
            result = import_file(
                con,
                Landing(settings.landing_dir, settings.landing_key),
                file,
                rt,
                account,
                marketplace_id,
                partition_dates=partitions,
                salt=settings.pii_salt,
                encoding=encoding,
                settings=settings,
            )
        except (DocumentError, LandingError) as exc:
            click.echo(f"import failed: {exc}", err=True)
            sys.exit(1)
    rows = result.load.rows_loaded
    days = sorted(result.partition_dates)
    shown = ", ".join(f"{d}: {result.load.rows_per_partition.get(d, 0)}" for d in days[:7])
    facts = result.load.facts
    click.echo(f"imported {file} as {rt.name} for {account} {marketplace_id}: report {result.report_id}")
    click.echo(f"loaded {rows} row(s) into raw.{rt.raw_table} over {len(days)} day(s)"
               + (f" {days[0]}..{days[-1]}" if days else "") + (f" ({shown}{' ...' if len(days) > 7 else ''})"
                                                              if days else ""))  # fmt: skip
    click.echo(f"landed at {result.landing_file}")
    click.echo(f"decoded as {facts.encoding} ({facts.encoding_source})")
    for column, how in facts.date_formats.items():
        click.echo(f"dates of {column}: {how['format']} (decided by the {how['decided_by']})")
    if result.load.rows_outside_window:
        click.echo(f"{result.load.rows_outside_window} row(s) outside the requested partitions skipped")
    if result.load.rows_rejected:
        click.echo(f"{result.load.rows_rejected} row(s) kept aside in raw.rejected_rows (their fields do not fit)")
    if facts.flags:
        click.echo(f"flags: {', '.join(facts.flags)}")
    if new_account:
        click.echo(f"note: {account!r} is not a configured account; its rows are kept under that name")
    for warning in result.warnings:
        click.echo(f"warning: {warning}")
    if not days:
        return
    if build:
        _run(ctx, DEFAULT_JOB, days[0], days[-1], marts_only=True)
        return
    click.echo(f"next: rebuild the marts of these days with `ahw run --start {days[0]} --end {days[-1]} "
               "--marts-only` (or import with --build)")  # fmt: skip


def _spapi_connection(settings):
    """The configured SP-API (live accounts, or the running sandbox of AHW_SANDBOX_URL)."""
    from orchestration.defs.extraction.resources import live_connection, sandbox_connection

    if settings.is_live:
        return live_connection(settings)
    if not settings.sandbox_url:
        raise click.UsageError(
            "notifications need a running sandbox in sandbox mode: start `ahw sandbox` (it starts a local SQS) and "
            "set AHW_SANDBOX_URL, or use `ahw dev` / `ahw demo`, which do both"
        )
    return sandbox_connection(settings.sandbox_url)


@main.group()
def notifications() -> None:
    """SP-API notifications (ACCOUNT_STATUS_CHANGED) over SQS: subscribe, receive."""


@notifications.command("setup")
def notifications_setup() -> None:
    """Create the SQS destination and one ACCOUNT_STATUS_CHANGED subscription per account (idempotent)."""

    from orchestration.notifications.queue import QueueNotConfigured, queue_from_settings
    from orchestration.notifications.setup import SetupError, setup_notifications

    settings = load_settings()
    connection = _spapi_connection(settings)
    try:
        queue = queue_from_settings(settings)
    except QueueNotConfigured as exc:
        raise click.ClickException(str(exc)) from None
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    with _warehouse(settings) as con:
        try:
            result = setup_notifications(con, connection.endpoint, connection.accounts, queue)
        except SetupError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"queue {queue.queue_arn} ({queue.mode})")
    for region, destination in sorted(result.destinations.items()):
        click.echo(f"destination {region}: {destination}")
    for account, subscription in sorted(result.subscriptions.items()):
        click.echo(f"subscription {account}: {subscription}")
    click.echo(
        f"created: {', '.join(result.created) or 'nothing'}; already there: {', '.join(result.kept) or 'nothing'}"
    )


@notifications.command("poll")
@click.option("--refresh", is_flag=True, help="Also run account_refresh for each account whose status changed.")
def notifications_poll(refresh: bool) -> None:
    """Receive what is in the queue now and record it (what the sensor does each tick)."""
    from orchestration.notifications.intake import WarehouseBusy, drain
    from orchestration.notifications.queue import QueueNotConfigured, queue_from_settings

    settings = load_settings()
    try:
        queue = queue_from_settings(settings)
        result = drain(queue, settings.duckdb_path, wait_seconds=settings.sqs_wait_seconds,
                       visibility_timeout=settings.sqs_visibility_timeout_seconds)  # fmt: skip
    except (QueueNotConfigured, WarehouseBusy) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(result.summary())
    for n in result.recorded:
        click.echo(f"recorded {n.describe()}")
    for r in result.rejected:
        click.echo(f"kept aside {r.sqs_message_id}: {r.reason}")
    if refresh:
        from orchestration.defs.extraction.assets import ACCOUNT_TAG
        from orchestration.defs.notifications.sensors import refresh_requests
        from orchestration.notifications.refresh import read_pending
        from orchestration.pipeline import run_job

        # Every recorded change no snapshot has followed yet, not only this call's (an earlier poll may
        # have stopped between its commit and its refresh).
        for request in refresh_requests(read_pending(settings.duckdb_path) or []):
            day = date.fromisoformat(request.partition_key)
            click.echo(f"account_refresh for {request.tags[ACCOUNT_TAG]} ({day})")
            run = run_job("account_refresh", day, day, raise_on_error=False, tags=request.tags)
            if not run.success:
                _echo_failures(run)
                sys.exit(1)


@main.group(invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Include resolved alerts.")
@click.option("--limit", default=40, show_default=True, type=click.IntRange(1), help="Alerts to list at most.")
@click.pass_context
def alerts(ctx: click.Context, show_all: bool, limit: int) -> None:
    """List open alerts (marts.fct_alerts); `ahw alerts ack ID` acknowledges one."""
    if ctx.invoked_subcommand is not None:
        return
    from orchestration.summary import print_alerts

    print_alerts(load_settings(), include_resolved=show_all, limit=limit)


@alerts.command("ack")
@click.argument("alert_id")
@click.option("--by", default="cli", show_default=True, help="Who acknowledges (kept with the acknowledgement).")
@click.option("--note", help="Optional note.")
def alerts_ack(alert_id: str, by: str, note: str | None) -> None:
    """Acknowledge an alert: not delivered again until its severity rises."""

    from orchestration.notifications.alerts import UnknownAlert, acknowledge

    settings = load_settings()
    if not settings.duckdb_path.exists():
        raise click.ClickException(f"{settings.duckdb_path} does not exist yet: run `ahw demo` or `ahw run` first")
    with _warehouse(settings) as con:
        try:
            alert = acknowledge(con, alert_id, by=by, note=note)
        except UnknownAlert:
            raise click.ClickException(
                f"no alert {alert_id} in marts.fct_alerts (`ahw alerts --all` lists them)"
            ) from None
    click.echo(f"acknowledged {alert.alert_id}: {alert.kind_label} {alert.where} ({alert.severity}, {alert.status})")


@alerts.command("deliver")
def alerts_deliver() -> None:
    """Deliver pending alert events of marts.fct_alerts to AHW_ALERT_URLS now (without rebuilding the mart)."""

    from orchestration.notifications.delivery import deliver, settings_secrets

    settings = load_settings()
    with _warehouse(settings) as con:
        result = deliver(con, settings.alert_urls, secrets=settings_secrets(settings))
    click.echo(result.summary())
    if result.failed:
        sys.exit(1)


@main.command("purge-landing")
@click.option("--dry-run", is_flag=True, help="Only list what would be purged.")
def purge_landing(dry_run: bool) -> None:
    """Delete landed orders, feedback and returns documents older than AHW_LANDING_RETENTION_DAYS, and
    the versions the raw gate rejected more than AHW_LANDING_RETENTION_DAYS days ago.

    The daily job does this after each report; raw keeps every row loaded from them, and
    their metadata stays (marked purged_at). Seller performance snapshots hold no buyer data and stay.
    """
    from orchestration.warehouse.landing import Landing
    from orchestration.warehouse.rejected import purge_rejected

    settings = load_settings()
    before = settings.landing_purge_before
    days = settings.landing_retention_days
    verb = "would purge" if dry_run else "purged"
    result = Landing(settings.landing_dir, settings.landing_key).purge(before, dry_run=dry_run)
    for path in result.files:
        click.echo(f"{verb} {path}")
    click.echo(
        f"{verb} {len(result.files)} file(s), {result.bytes} bytes, of "
        f"{result.reports} report(s) dated before {before} (AHW_LANDING_RETENTION_DAYS={days})"
    )
    if settings.duckdb_path.exists():
        with _warehouse(settings) as con:
            versions = purge_rejected(con, days, dry_run=dry_run)
        click.echo(f"{verb} {versions} rejected version(s) in raw_rejected rejected more than {days} day(s) ago")


if __name__ == "__main__":
    main()
