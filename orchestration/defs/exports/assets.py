"""What BI tools read: Parquet exports and the serving copy, both published only behind the mart gates.

Parquet exports: one file per mart, ``$AHW_DATA_DIR/exports/<model>.parquet``.

Downstream of the marts' publication (``published/marts``), so it reads the published marts and runs
only after dbt's tests and the blocking Great Expectations gates on the marts passed: a partition whose
mart checks failed is never exported. Each file is the whole mart (what a BI tool reads), written by DuckDB's ``COPY ... (FORMAT parquet)`` to a
temporary name in the same folder and moved into place with ``os.replace``: a reader sees the old
file or the new one, never half of one. All files are written before any is replaced, so a failure
leaves the previous export set untouched.

Serving copy: ``$AHW_DATA_DIR/serving/warehouse.duckdb``, a read-only DuckDB file of the published
marts that DuckDB 1.x readers open, replaced atomically after every successful, gated run
(orchestration/serving.py). BI tools and ``ahw summary`` / ``ahw status`` read it, never the
pipeline's working file.
"""

import os
import uuid
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.config import load_settings
from orchestration.defs.extraction.assets import DUCKDB_WRITER_POOL, partition_days
from orchestration.defs.extraction.partitions import daily_partitions
from orchestration.defs.transformation.assets import PUBLISHED_MARTS_KEY, dbt_models
from orchestration.serving import STORAGE_VERSION, publish

#: The mart tables BI tools query (from the dbt manifest): facts and dimensions of schema ``marts``.
MART_KEYS = sorted(
    (k for k in dbt_models.keys if k.path[0] == "marts" and k.path[-1].startswith(("fct_", "dim_"))),
    key=lambda k: k.path[-1],
)


def exports_dir() -> Path:
    return load_settings().data_dir / "exports"


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def export_marts(con, directory: Path, models: list[str]) -> dict[str, dict[str, int]]:
    """Write ``marts.<model>`` to ``directory/<model>.parquet`` for each model, atomically.

    Returns rows and bytes per file. Temporary files are removed when anything fails.
    """
    directory.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[Path, Path]] = []
    stats: dict[str, dict[str, int]] = {}
    try:
        for model in models:
            final = directory / f"{model}.parquet"
            temp = directory / f".{model}.{uuid.uuid4().hex[:8]}.parquet.tmp"
            staged.append((temp, final))
            con.execute(f"copy (select * from marts.{model}) to {_sql_string(str(temp))} (format parquet)")
            rows = con.execute(f"select count(*) from read_parquet({_sql_string(str(temp))})").fetchone()[0]
            stats[model] = {"rows": int(rows), "bytes": temp.stat().st_size}
        for temp, final in staged:
            os.replace(temp, final)
    finally:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
    return stats


@dg.asset(
    key=dg.AssetKey(["exports", "marts_parquet"]),
    group_name="exports",
    deps=[PUBLISHED_MARTS_KEY],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=DUCKDB_WRITER_POOL,
    kinds={"duckdb", "parquet"},
    description="One Parquet file per published mart (fct_*, dim_*) in $AHW_DATA_DIR/exports/ for BI tools; "
    "written atomically, only after the blocking mart checks passed and the marts were published.",
)
def marts_parquet(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    days = partition_days(context)
    models = [k.path[-1] for k in MART_KEYS]
    directory = exports_dir()
    with duckdb.get_connection() as con:
        stats = export_marts(con, directory, models)
    context.log.info(
        f"exported {len(stats)} marts to {directory} after the run of {days[0]}..{days[-1]} "
        f"({sum(s['rows'] for s in stats.values())} rows)"
    )
    return dg.MaterializeResult(
        metadata={
            "directory": dg.MetadataValue.path(str(directory)),
            "files": dg.MetadataValue.json(sorted(f"{m}.parquet" for m in stats)),
            "files_count": len(stats),
            "rows_per_file": dg.MetadataValue.json({f"{m}.parquet": s["rows"] for m, s in stats.items()}),
            "bytes_per_file": dg.MetadataValue.json({f"{m}.parquet": s["bytes"] for m, s in stats.items()}),
            "total_rows": sum(s["rows"] for s in stats.values()),
            "total_bytes": sum(s["bytes"] for s in stats.values()),
        }
    )


@dg.asset(
    key=dg.AssetKey(["exports", "serving_copy"]),
    group_name="exports",
    deps=[PUBLISHED_MARTS_KEY],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=DUCKDB_WRITER_POOL,
    kinds={"duckdb"},
    description="Read-only DuckDB file for BI tools and `ahw summary` / `ahw status`: every mart (with dbt's "
    "descriptions), the seeds and the state of loads and quality suites (schema ops), in a storage format "
    f"DuckDB 1.x readers open ({STORAGE_VERSION}), at $AHW_DATA_DIR/serving/warehouse.duckdb. Replaced "
    "atomically, only after the blocking mart checks passed and the marts were published; readers never lock the pipeline out.",
)
def serving_copy(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    days = partition_days(context)
    settings = load_settings()
    with duckdb.get_connection() as con:
        result = publish(
            con, settings.serving_dir, run_id=context.run.run_id, partition_start=days[0], partition_end=days[-1]
        )
    context.log.info(
        f"published the serving copy {result.path} ({len(result.tables)} tables, "
        f"{sum(result.tables.values())} rows, {result.bytes} bytes) after the run of {days[0]}..{days[-1]}"
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path.resolve())),
            "storage_version": STORAGE_VERSION,
            "tables_count": len(result.tables),
            "rows_per_table": dg.MetadataValue.json(result.tables),
            "total_rows": sum(result.tables.values()),
            "bytes": result.bytes,
            "published_at": result.published_at.isoformat(),
        }
    )


export_assets = [marts_parquet, serving_copy]
