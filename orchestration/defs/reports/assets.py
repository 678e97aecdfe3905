"""The account-health HTML report as an asset: ``$AHW_DATA_DIR/report/index.html`` and one page per
account x marketplace (orchestration/report).

Downstream of the marts' publication (``published/marts``): a report is only written from published
marts, never from a build whose gates failed. Partitioned like the marts with a
single-run backfill policy so it runs once at the end of the daily pipeline (or of a backfill), and in
the DuckDB writer pool so no writer runs while it reads (a reader in another process would make that
writer fail on DuckDB's file lock). It reads through a read-only connection that is closed before
the pages are written.
"""

import dagster as dg

from orchestration.config import load_settings
from orchestration.defs.extraction.assets import DUCKDB_WRITER_POOL, partition_days
from orchestration.defs.extraction.partitions import daily_partitions
from orchestration.defs.transformation.assets import PUBLISHED_MARTS_KEY
from orchestration.report import build_report

REPORT_KEY = dg.AssetKey(["reports", "account_health_html"])
#: Amazon's rating bands, read by the report from their seed to shade the charts.
RATING_BANDS_KEY = dg.AssetKey(["seeds", "rating_bands"])


@dg.asset(
    key=REPORT_KEY,
    group_name="reports",
    deps=[PUBLISHED_MARTS_KEY, RATING_BANDS_KEY],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=DUCKDB_WRITER_POOL,
    kinds={"duckdb", "html"},
    description="Static HTML account-health report in $AHW_DATA_DIR/report/: an overview ranking every account x "
    "marketplace by risk and one page per account x marketplace with interactive charts (rating, metrics "
    "against targets, policy violations, defect roll-offs, projection, top defect contributors). Opens from "
    "disk with no network access; written only from published marts (after the blocking mart checks passed).",
)
def account_health_html(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = load_settings()
    days = partition_days(context)
    result = build_report(settings.duckdb_path, settings.report_dir)
    context.log.info(
        f"account-health report for {len(result.account_pages)} account x marketplace(s), data as of {result.as_of}, "
        f"after the run of {days[0]}..{days[-1]}: {result.index.resolve()}"
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.index.resolve())),
            "page_count": result.pages,
            "account_marketplace_count": len(result.account_pages),
            "as_of_date": result.as_of or "",
            "bytes_written": result.bytes_written,
            "pages": dg.MetadataValue.json(sorted(p.name for p in result.account_pages)),
        }
    )


html_report_assets = [account_health_html]
