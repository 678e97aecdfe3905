"""dbt models as Dagster assets, downstream of the extraction assets, in one partitioned group, and the
step that publishes the marts after their gates.

One `dbt build` per run: each dbt invocation costs ~10 s of start-up here, more than the SQL of a
daily run, so splitting the project into several groups (inputs, incremental, downstream) would
triple the fixed cost of every run. The run's partition range reaches dbt through ``--vars``
(min_date, max_date): incremental models rebuild those days, the other models are rebuilt whole.
A backfill is one run (single-run policy). dbt tests surface as asset checks.

The mart models (asset keys ``marts/<model>``) are built into the build area, schema ``marts_build``;
dbt's tests and the blocking mart gates (``checks.py``) validate it, and only then does
``published/marts`` copy the build area into schema ``marts`` in one transaction
(``orchestration/warehouse/marts.py``). Everything that reads marts (exports, report, alerts) is
downstream of ``published/marts``.
"""

from datetime import UTC, datetime

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from dagster_duckdb import DuckDBResource

from orchestration.config import load_settings
from orchestration.defs.extraction.assets import DUCKDB_WRITER_POOL, partition_days
from orchestration.defs.transformation.partitions import (
    daily_partitions,
    dbt_build_args,
    dbt_connection_vars,
    first_day_loaded_since,
)
from orchestration.defs.transformation.resources import dbt_project
from orchestration.warehouse.marts import BUILD_SCHEMA, prepare_build_area, publish_marts

#: The publication of the marts: what BI tools, the exports, the report and the alerts read.
PUBLISHED_MARTS_KEY = dg.AssetKey(["published", "marts"])


class WarehouseTranslator(DagsterDbtTranslator):
    """One rule for keys: sources and models are ``<schema>/<name>`` (``raw/orders`` is the table
    extraction writes, ``raw/notifications`` the notifications sensor's, ``quality/validation_results``
    the gates'); the group of a model is its layer (schema)."""

    def get_asset_key(self, dbt_resource_props) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props.get("schema") or "raw", dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return "extraction"
        return dbt_resource_props.get("config", {}).get("schema") or "dbt"


def ensure_dbt_source_tables(con) -> None:
    """Create the sources that other writers fill (notifications, quality results) when missing, so the
    staging views dbt builds point at the real tables from the first run on (source_or_empty)."""
    from orchestration.notifications.tables import ensure_tables
    from orchestration.quality.results import DDL as QUALITY_DDL

    ensure_tables(con)
    for statement in QUALITY_DDL:
        con.execute(statement)


translator = WarehouseTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    name="dbt_models",
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    dagster_dbt_translator=translator,
    pool=DUCKDB_WRITER_POOL,
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, duckdb: DuckDBResource):
    days = partition_days(context)
    settings = load_settings()
    first_day = days[0]
    with duckdb.get_connection() as con:  # closed again before dbt opens the file
        ensure_dbt_source_tables(con)
        # A first run of an account loads history before the range (AHW_HISTORY_DAYS): rebuild from there.
        started = context.instance.get_run_stats(context.run_id).start_time
        if started:
            loaded = first_day_loaded_since(con, datetime.fromtimestamp(started, UTC).replace(tzinfo=None))
            if loaded is not None and loaded < first_day:
                context.log.info(f"this run loaded history from {loaded}: dbt rebuilds from there")
                first_day = loaded
        reset = prepare_build_area(con, run_id=context.run.run_id, first_day=first_day, last_day=days[-1])
    if reset is not None:
        context.log.info(
            f"build area {BUILD_SCHEMA} reset to the published marts ({reset.rows} rows, {reset.seconds:.2f}s): "
            "the last build was not published"
        )
    context.log.info(f"dbt build for {first_day}..{days[-1]} into {BUILD_SCHEMA}")
    args = dbt_build_args(first_day, days[-1], connection=dbt_connection_vars(settings))
    yield from dbt.cli(args, context=context).stream()


#: Every mart model (keys ``marts/<model>``): the publication waits for all of them and their gates.
MART_MODEL_KEYS = sorted((k for k in dbt_models.keys if k.path[0] == "marts"), key=lambda k: k.path[-1])


@dg.asset(
    key=PUBLISHED_MARTS_KEY,
    group_name="marts",
    deps=MART_MODEL_KEYS,
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=DUCKDB_WRITER_POOL,
    kinds={"duckdb"},
    description="Schema marts, what BI tools, the exports, the report and the alerts read: every table dbt built "
    f"in the build area ({BUILD_SCHEMA}), copied in ONE transaction once dbt's tests and the blocking mart gates "
    "passed. A failed gate or a crash leaves the previous publication in place, all marts from the same build.",
)
def published_marts(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    days = partition_days(context)
    with duckdb.get_connection() as con:
        publication = publish_marts(con, run_id=context.run.run_id, first_day=days[0], last_day=days[-1])
    context.log.info(
        f"published {len(publication.rows_per_table)} marts ({publication.rows} rows) in {publication.seconds:.2f}s"
    )
    return dg.MaterializeResult(
        metadata={
            "tables_count": len(publication.rows_per_table),
            "rows": publication.rows,
            "publish_seconds": round(publication.seconds, 3),
            "rows_per_table": dg.MetadataValue.json(publication.rows_per_table),
        }
    )


dbt_model_assets = [dbt_models, published_marts]
