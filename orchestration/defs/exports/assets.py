"""Parquet exports for BI tools: one file per mart, ``$AHW_DATA_DIR/exports/<model>.parquet``.

Downstream of the marts' publication (``published/marts``), so it reads the published marts and runs
only after dbt's tests and the blocking Great Expectations gates on the marts passed: a partition whose
mart checks failed is never exported. Each file is the whole mart (what a BI tool reads), written by DuckDB's ``COPY ... (FORMAT parquet)`` to a
temporary name in the same folder and moved into place with ``os.replace``: a reader sees the old
file or the new one, never half of one. All files are written before any is replaced, so a failure
leaves the previous export set untouched.
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


export_assets = [marts_parquet]
