"""One asset per SP-API report type: extract the partition's days, audit them, publish them to ``raw``.
Each asset accepts a partition range in one run (single-run backfill policy), so a backfill of a
quarter becomes a few 30-day order requests instead of ninety daily ones. The first run of an account
x marketplace also extracts AHW_HISTORY_DAYS (180) days of orders, feedback and returns, so the
180-day volume credit is complete from the first rating on. Writers of the DuckDB file
share the ``duckdb_writer`` pool, limited to one at a time in dagster.yaml.

Write-audit-publish happens inside the step: the new versions are staged, the raw gate validates
them, only those that pass replace the published partitions, and the gate's verdict is the asset's
own blocking check (``checks.py``). A rejected version leaves the published one in place and is kept
in ``raw_rejected.<table>`` with the run id; the step then fails with one line per rejected document.

Retention: each buyer-data asset (orders, feedback, returns) ends a clean step by purging its landed
documents older than AHW_LANDING_RETENTION_DAYS (``Landing.purge``); raw keeps what was loaded from them.
Every asset also deletes its versions the raw gate rejected more than AHW_LANDING_RETENTION_DAYS days ago
(``purge_rejected``). A step that failed purges nothing, so the documents and versions it names stay for
inspection and re-runs.
"""

from datetime import date, timedelta

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.config import load_settings
from orchestration.defs.extraction.checks import check_result, raw_check_specs
from orchestration.defs.extraction.partitions import daily_partitions
from orchestration.defs.extraction.resources import SpApiResource
from orchestration.ingest import IngestFailed, SnapshotRefused, ingest
from orchestration.instance import DUCKDB_WRITER_POOL
from orchestration.spapi.accounts import SellerAccount
from orchestration.spapi.report_types import REPORT_TYPES, ReportType
from orchestration.warehouse.landing import Landing, holds_buyer_data
from orchestration.warehouse.rejected import purge_rejected

__all__ = ["ACCOUNT_TAG", "DUCKDB_WRITER_POOL", "build_report_asset", "partition_days", "report_assets"]
#: Run tag naming the one account a run extracts (the notification-triggered refresh); absent = all.
ACCOUNT_TAG = "ahw/account"


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


def purge_landing(report_type: ReportType, settings) -> dict[str, int]:
    """The daily job's retention step for buyer data: landed documents of ``report_type`` dated before
    today minus AHW_LANDING_RETENTION_DAYS are deleted (raw keeps their rows). Returns metadata."""
    if not holds_buyer_data(report_type):
        return {}
    purged = Landing(settings.landing_dir, settings.landing_key).purge(
        settings.landing_purge_before, report_types=[report_type]
    )
    return {"landing_files_purged": len(purged.files), "landing_bytes_purged": purged.bytes}


def purge_rejected_versions(report_type: ReportType, settings, con) -> dict[str, int]:
    """The retention of the rejected area: ``report_type``'s versions the raw gate rejected more than
    AHW_LANDING_RETENTION_DAYS days ago (``rejected_at``, UTC) are deleted. Returns metadata."""
    return {"rejected_versions_purged": purge_rejected(con, settings.landing_retention_days, report_type=report_type)}


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
        check_specs=raw_check_specs(report_type.raw_table),
    )
    def _asset(context: dg.AssetExecutionContext, duckdb: DuckDBResource, spapi: SpApiResource):
        settings = load_settings()
        days = partition_days(context)
        connection = spapi.connection
        accounts = selected_accounts(context, connection.accounts)
        context.log.info(
            f"{report_type.name}: {len(days)} day(s) {days[0]}..{days[-1]} for {len(accounts)} "
            f"account(s) ({connection.mode})"
        )
        failed: IngestFailed | None = None
        try:
            with duckdb.get_connection() as con:
                result = ingest(
                    report_type,
                    days,
                    connection=con,
                    accounts=accounts,
                    endpoint=connection.endpoint,
                    landing=Landing(settings.landing_dir, settings.landing_key),
                    salt=settings.pii_salt,
                    on_progress=context.log.info,
                    run_id=context.run.run_id,
                    history_days=settings.history_days,
                    earliest_day=settings.partitions_start,
                )
        except SnapshotRefused as exc:
            raise dg.Failure(str(exc), allow_retries=False) from None
        except IngestFailed as exc:
            failed, result = exc, exc.result
        for warning in result.warnings[:20]:
            context.log.warning(warning)
        key = dg.AssetKey(["raw", report_type.raw_table])
        checks = [check_result(result.audit_outcomes, result.rejected, key)] if raw_check_specs(key.path[-1]) else []
        # Retention runs only after a clean step: a document that failed stays on disk for its re-run.
        purged = {}
        if failed is None:
            purged = purge_landing(report_type, settings)
            with duckdb.get_connection() as con:
                purged |= purge_rejected_versions(report_type, settings, con)
        metadata = {**result.metadata(), "report_type": report_type.name, **purged}
        if failed is None:
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
        if result.documents_published or failed is None:
            yield dg.MaterializeResult(metadata=metadata, check_results=checks)
        else:
            yield from checks
        if failed is not None:
            raise dg.Failure(
                str(failed), metadata={k: dg.MetadataValue.text(str(v)) for k, v in metadata.items()}
            ) from None

    return _asset


report_assets = [build_report_asset(rt) for rt in REPORT_TYPES.values()]
