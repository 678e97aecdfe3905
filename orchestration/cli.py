"""`ahw`: the account health warehouse's command line.

Commands stay thin: they read settings, call the same code the Dagster assets call, and print.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
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


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail of our own code (never secrets).")
def main(verbose: bool) -> None:
    """Account health warehouse: SP-API reports -> DuckDB -> dbt marts -> HTML report.

    Configuration comes from the environment: AHW_DATA_DIR (default ./data), AHW_DUCKDB_PATH
    (default $AHW_DATA_DIR/warehouse.duckdb), AHW_ACCOUNTS_FILE (live mode; absent = sandbox).
    """
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("sp_api").setLevel(logging.INFO)
    try:
        load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.option("--days", default=30, show_default=True, help="Number of daily partitions, ending yesterday (UTC).")
@click.option("--end-date", help="Last partition (YYYY-MM-DD); default yesterday UTC (also the sandbox world's end).")
def demo(days: int, end_date: str | None) -> None:
    """Run the main job against the embedded sandbox into the local DuckDB file and print a summary."""
    from orchestration.demo import run_demo
    from orchestration.summary import print_summary

    settings = load_settings()
    if settings.is_live:
        raise click.UsageError("demo runs against the sandbox; unset AHW_ACCOUNTS_FILE")
    last = _day(end_date) or settings.sandbox_end_date
    first = last - timedelta(days=days - 1)
    click.echo(f"running the demo for {first}..{last} (sandbox, notifications, alerts) into {settings.duckdb_path}")
    started = time.monotonic()
    result = run_demo(settings, first, last, echo=click.echo)
    elapsed = time.monotonic() - started
    if result.pipeline is not None and not result.pipeline.success:
        _echo_failures(result.pipeline)
    if not result.success:
        click.echo(f"demo failed after {elapsed:.1f}s", err=True)
        sys.exit(1)
    steps = ", ".join(f"{k} {v:.1f}s" for k, v in result.seconds.items())
    click.echo(
        f"demo succeeded in {elapsed:.1f}s ({steps}; notifications and alerts added {result.added_seconds:.1f}s)"
    )
    print_summary(settings.duckdb_path)


@main.command()
@click.option("--start", "start", required=True, help="First partition day (YYYY-MM-DD).")
@click.option("--end", "end", help="Last partition day (default: start).")
@click.option("--job", default="daily_pipeline", show_default=True, help="Job to run (extract_reports: raw only).")
def run(start: str, end: str | None, job: str) -> None:
    """Run a job for a range of days in one run (sandbox or live, per configuration)."""
    first = date.fromisoformat(start)
    _run(job, first, _day(end) or first)


def _run(job: str, first: date, last: date, sandbox_end_date: date | None = None) -> None:
    from orchestration.pipeline import run_job
    from orchestration.summary import print_summary

    settings = load_settings()
    click.echo(
        f"running {job} for {first}..{last} ({'live' if settings.is_live else 'sandbox'}) into {settings.duckdb_path}"
    )
    started = time.monotonic()
    result = run_job(job, first, last, raise_on_error=False, sandbox_end_date=sandbox_end_date)
    elapsed = time.monotonic() - started
    if not result.success:
        _echo_failures(result)
        click.echo(f"run failed after {elapsed:.1f}s", err=True)
        sys.exit(1)
    click.echo(f"run succeeded in {elapsed:.1f}s")
    print_summary(settings.duckdb_path)
    report = _report_written(result)
    if report:
        click.echo(f"\naccount-health report (open in a browser): {report}")


def _report_written(result) -> str | None:
    """Path of the HTML report the run wrote (its asset's ``path`` metadata), if the job included it."""
    from orchestration.defs.reports.assets import REPORT_KEY

    for event in result.get_asset_materialization_events():
        if event.asset_key == REPORT_KEY:
            path = event.step_materialization_data.materialization.metadata.get("path")
            return str(path.value) if path is not None else None
    return None


def _echo_failures(result) -> None:
    for event in result.all_events:
        if event.is_step_failure:
            click.echo(f"FAILED {event.step_key}: {event.step_failure_data.error.message}", err=True)


@main.command()
def summary() -> None:
    """Print the per account x marketplace summary of the DuckDB file."""
    from orchestration.summary import print_summary

    print_summary(load_settings().duckdb_path)


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
@click.option("--end-date", help="Last day of the world (default yesterday UTC).")
@click.option(
    "--speed", default=60.0, show_default=True, help="Time scale: rates, processing and expiry run this much faster."
)
@click.option("--sqs/--no-sqs", default=True, show_default=True, help="Start a local SQS (moto) for notifications.")
def sandbox(host: str, port: int, seed: int | None, end_date: str | None, speed: float, sqs: bool) -> None:
    """Serve the SP-API sandbox standalone (point AHW_SANDBOX_URL at it), with a local SQS it publishes
    ACCOUNT_STATUS_CHANGED notifications to (subscribe with `ahw notifications setup`)."""
    from orchestration.sandbox import WorldConfig, serve_forever

    settings = load_settings()
    end = _day(end_date) or datetime.now(UTC).date() - timedelta(days=1)
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

    settings = load_settings()
    dagster = Path(sys.executable).parent / "dagster"
    command = [str(dagster) if dagster.exists() else "dagster", "dev", "-w", "workspace.yaml", "-p", str(ui_port)]
    if settings.is_live or settings.sandbox_url:
        sys.exit(_run_dagster(command, dict(os.environ)))

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
            **os.environ,
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
@click.option("--account", required=True, help="Account name (account_id in the tables).")
@click.option("--marketplace", "marketplace_id", required=True, help="Marketplace id, e.g. ATVPDKIKX0DER.")
@click.option("--partition-date", help="Partition for snapshot reports (default: the document's own date).")
@click.option(
    "--encoding",
    help="Charset the file is in, as a download's Content-Type would declare it (e.g. Cp1252, utf8, Shift_JIS); "
    "default: a byte-order mark, else the marketplace's flat-file encoding from the catalogue.",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_report(
    report_type: str, account: str, marketplace_id: str, partition_date: str | None, encoding: str | None, file: Path
) -> None:
    """Load a document saved by hand (Seller Central download, earlier pull) through landing into raw.

    A marketplace id the catalogue does not know is accepted for JSON/XML reports (flagged in
    raw.load_log); a flat file for it is refused, since its encoding and date formats are unknown.
    """

    from orchestration.parsing import DocumentError
    from orchestration.parsing.encodings import python_codec
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
    partitions = [date.fromisoformat(partition_date)] if partition_date else None
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
    days = ", ".join(str(d) for d in result.partition_dates[:5]) + (" ..." if len(result.partition_dates) > 5 else "")
    facts = result.load.facts
    click.echo(f"imported {file} as {rt.name} for {account} {marketplace_id}: report {result.report_id}, {rows} rows")
    click.echo(f"landed at {result.landing_file}; partitions: {days}")
    click.echo(f"decoded as {facts.encoding} ({facts.encoding_source})")
    for column, how in facts.date_formats.items():
        click.echo(f"dates of {column}: {how['format']} (decided by the {how['decided_by']})")
    if result.load.rows_rejected:
        click.echo(f"{result.load.rows_rejected} row(s) kept aside in raw.rejected_rows (their fields do not fit)")
    if facts.flags:
        click.echo(f"flags: {', '.join(facts.flags)}")
    for warning in result.warnings:
        click.echo(f"warning: {warning}")


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
    if refresh and result.status_changes:
        from orchestration.defs.extraction.assets import ACCOUNT_TAG
        from orchestration.defs.notifications.sensors import refresh_requests
        from orchestration.pipeline import run_job

        for request in refresh_requests(result.status_changes):
            day = date.fromisoformat(request.partition_key)
            click.echo(f"account_refresh for {request.tags[ACCOUNT_TAG]} ({day})")
            run = run_job("account_refresh", day, day, raise_on_error=False, tags=request.tags)
            if not run.success:
                _echo_failures(run)
                sys.exit(1)


@main.group(invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Include resolved alerts.")
@click.pass_context
def alerts(ctx: click.Context, show_all: bool) -> None:
    """List open alerts (marts.fct_alerts); `ahw alerts ack ID` acknowledges one."""
    if ctx.invoked_subcommand is not None:
        return
    from orchestration.summary import print_alerts

    print_alerts(load_settings().duckdb_path, include_resolved=show_all)


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
    """Delete landed orders, feedback and returns documents older than AHW_LANDING_RETENTION_DAYS.

    The daily job does this after each of those reports; raw keeps every row loaded from them, and
    their metadata stays (marked purged_at). Seller performance snapshots hold no buyer data and stay.
    """
    from orchestration.warehouse.landing import Landing

    settings = load_settings()
    before = settings.landing_purge_before
    result = Landing(settings.landing_dir, settings.landing_key).purge(before, dry_run=dry_run)
    for path in result.files:
        click.echo(f"{'would purge' if dry_run else 'purged'} {path}")
    click.echo(
        f"{'would purge' if dry_run else 'purged'} {len(result.files)} file(s), {result.bytes} bytes, of "
        f"{result.reports} report(s) dated before {before} (AHW_LANDING_RETENTION_DAYS={settings.landing_retention_days})"
    )


if __name__ == "__main__":
    main()
