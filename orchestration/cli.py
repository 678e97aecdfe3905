"""`ahw`: the account health warehouse's command line.

Commands stay thin: they read settings, call the same code the Dagster assets call, and print.
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click

from orchestration.config import SettingsError, load_settings


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
    settings = load_settings()
    if settings.is_live:
        raise click.UsageError("demo runs against the sandbox; unset AHW_ACCOUNTS_FILE")
    last = _day(end_date) or settings.sandbox_end_date
    first = last - timedelta(days=days - 1)
    _run("daily_pipeline", first, last, sandbox_end_date=last)


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
        for event in result.all_events:
            if event.is_step_failure:
                click.echo(f"FAILED {event.step_key}: {event.step_failure_data.error.message}", err=True)
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
def sandbox(host: str, port: int, seed: int | None, end_date: str | None, speed: float) -> None:
    """Serve the SP-API sandbox standalone (point AHW_SANDBOX_URL at it)."""
    from orchestration.sandbox import WorldConfig, serve_forever

    settings = load_settings()
    end = _day(end_date) or datetime.now(UTC).date() - timedelta(days=1)
    config = WorldConfig(seed=seed if seed is not None else settings.sandbox_seed, end_date=end)
    click.echo(f"SP-API sandbox on http://{host}:{port} (world {config.seed}, ends {end}, speed {speed}x)")
    serve_forever(host, port, config, speed)


@main.command("import-report")
@click.option("--report-type", required=True, help="Amazon report type, e.g. GET_V2_SELLER_PERFORMANCE_REPORT.")
@click.option("--account", required=True, help="Account name (account_id in the tables).")
@click.option("--marketplace", "marketplace_id", required=True, help="Marketplace id, e.g. ATVPDKIKX0DER.")
@click.option("--partition-date", help="Partition for snapshot reports (default: the document's own date).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_report(report_type: str, account: str, marketplace_id: str, partition_date: str | None, file: Path) -> None:
    """Load a document saved by hand (Seller Central download, earlier pull) through landing into raw."""
    import duckdb

    from orchestration.catalogue import marketplace
    from orchestration.spapi.parsers import DocumentError
    from orchestration.spapi.report_types import report_type as lookup
    from orchestration.warehouse.landing import Landing
    from orchestration.warehouse.loader import import_file

    settings = load_settings()
    try:
        rt = lookup(report_type)
        marketplace(marketplace_id)
    except KeyError as exc:
        raise click.BadParameter(exc.args[0]) from None
    partitions = [date.fromisoformat(partition_date)] if partition_date else None
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.duckdb_path)) as con:
        try:
            result = import_file(
                con,
                Landing(settings.landing_dir),
                file,
                rt,
                account,
                marketplace_id,
                partition_dates=partitions,
                salt=settings.pii_salt,
            )
        except DocumentError as exc:
            click.echo(f"import failed: {exc}", err=True)
            sys.exit(1)
    rows = result.load.rows_loaded
    days = ", ".join(str(d) for d in result.partition_dates[:5]) + (" ..." if len(result.partition_dates) > 5 else "")
    click.echo(f"imported {file} as {rt.name} for {account} {marketplace_id}: report {result.report_id}, {rows} rows")
    click.echo(f"landed at {result.landing_file}; partitions: {days}")
    for warning in result.warnings:
        click.echo(f"warning: {warning}")


if __name__ == "__main__":
    main()
