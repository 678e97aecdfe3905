"""One asset per SP-API report type: extract the partition's days and load them into ``raw``.
Each asset accepts a partition range in one run (single-run backfill policy), so a backfill of a
quarter becomes a few 30-day order requests instead of ninety daily ones. The first run of an account
x marketplace also extracts AHW_HISTORY_DAYS (180) days of orders, feedback and returns, so the
180-day volume credit is complete from the first rating on. Writers of the DuckDB file
share the ``duckdb_writer`` pool, limited to one at a time in dagster.yaml.
"""

from datetime import date, timedelta

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.config import load_settings
from orchestration.defs.extraction.partitions import daily_partitions
from orchestration.defs.extraction.resources import SpApiResource
from orchestration.ingest import IngestFailed, SnapshotRefused, ingest
from orchestration.instance import DUCKDB_WRITER_POOL
from orchestration.spapi.accounts import SellerAccount
from orchestration.spapi.report_types import REPORT_TYPES, ReportType
from orchestration.warehouse.landing import Landing

#: Run tag naming the one account a run extracts (the notification-triggered refresh); absent = all.
ACCOUNT_TAG = "ahw/account"

__all__ = ["ACCOUNT_TAG", "DUCKDB_WRITER_POOL", "build_report_asset", "partition_days", "report_assets"]


def selected_accounts(context: dg.AssetExecutionContext, accounts: list[SellerAccount]) -> list[SellerAccount]:
    """The run's accounts: all, or the one its ``ahw/account`` tag names (dg.Failure for an unknown name)."""
    wanted = context.run.tags.get(ACCOUNT_TAG)
    if not wanted:
        return accounts
    chosen = [a for a in accounts if a.name == wanted]
    if not chosen:
        raise dg.Failure(f"run tag {ACCOUNT_TAG}={wanted!r} names no configured account "
                         f"(known: {', '.join(a.name for a in accounts)})", allow_retries=False)  # fmt: skip
    return chosen


def partition_days(context: dg.AssetExecutionContext) -> list[date]:
    """The UTC days of the run's partition range."""
    window = context.partition_time_window
    first = window.start.date()
    count = (window.end.date() - first).days
    return [first + timedelta(days=i) for i in range(count)]


def build_report_asset(report_type: ReportType) -> dg.AssetsDefinition:
    @dg.asset(
        name=report_type.raw_table,
        key_prefix=["raw"],
        group_name="extraction",
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=DUCKDB_WRITER_POOL,
        kinds={"duckdb", "python"},
        description=f"raw.{report_type.raw_table} from {report_type.name}: {report_type.description}",
        tags={"report_type": report_type.name},
    )
    def _asset(context: dg.AssetExecutionContext, duckdb: DuckDBResource, spapi: SpApiResource) -> dg.MaterializeResult:
        settings = load_settings()
        days = partition_days(context)
        connection = spapi.connection
        accounts = selected_accounts(context, connection.accounts)
        context.log.info(
            f"{report_type.name}: {len(days)} day(s) {days[0]}..{days[-1]} for {len(accounts)} "
            f"account(s) ({connection.mode})"
        )
        try:
            with duckdb.get_connection() as con:
                result = ingest(
                    report_type,
                    days,
                    connection=con,
                    accounts=accounts,
                    endpoint=connection.endpoint,
                    landing=Landing(settings.landing_dir),
                    salt=settings.pii_salt,
                    on_progress=context.log.info,
                    history_days=settings.history_days,
                    earliest_day=settings.partitions_start,
                )
        except SnapshotRefused as exc:
            raise dg.Failure(str(exc), allow_retries=False) from None
        except IngestFailed as exc:
            raise dg.Failure(
                str(exc), metadata={k: dg.MetadataValue.text(str(v)) for k, v in exc.result.metadata().items()}
            ) from None
        for warning in result.warnings[:20]:
            context.log.warning(warning)
        # History days (first run of an account) were loaded like partitions of their own: say so to
        # Dagster, so the partition status shows them materialized and a backfill does not redo them.
        for day in sorted(result.history_days):
            context.log_event(
                dg.AssetMaterialization(
                    asset_key=context.asset_key,
                    partition=day.isoformat(),
                    metadata={"rows": result.rows_per_partition.get(day, 0), "history": True},
                )
            )
        return dg.MaterializeResult(metadata={**result.metadata(), "report_type": report_type.name})

    return _asset


report_assets = [build_report_asset(rt) for rt in REPORT_TYPES.values()]
