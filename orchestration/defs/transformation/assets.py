"""dbt models as Dagster assets, downstream of the extraction assets, in one partitioned group.

One `dbt build` per run: each dbt invocation costs ~10 s of start-up here, more than the SQL of a
daily run, so splitting the project into several groups (inputs, incremental, downstream) would
triple the fixed cost of every run. The run's partition range reaches dbt through ``--vars``
(min_date, max_date): incremental models rebuild those days, the other models are rebuilt whole.
A backfill is one run (single-run policy). dbt tests surface as asset checks.
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


def ensure_dbt_source_tables(duckdb: DuckDBResource) -> None:
    """Create the sources that other writers fill (notifications, quality results) when missing, so the
    staging views dbt builds point at the real tables from the first run on (source_or_empty)."""
    from orchestration.notifications.tables import ensure_tables
    from orchestration.quality.results import DDL as QUALITY_DDL

    with duckdb.get_connection() as con:
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
    ensure_dbt_source_tables(duckdb)  # closed again before dbt opens the file
    first_day = days[0]
    # A first run of an account loads history before the range (AHW_HISTORY_DAYS): rebuild from there.
    started = context.instance.get_run_stats(context.run_id).start_time
    if started:
        with duckdb.get_connection() as con:
            loaded = first_day_loaded_since(con, datetime.fromtimestamp(started, UTC).replace(tzinfo=None))
        if loaded is not None and loaded < first_day:
            context.log.info(f"this run loaded history from {loaded}: dbt rebuilds from there")
            first_day = loaded
    context.log.info(f"dbt build for {first_day}..{days[-1]}")
    args = dbt_build_args(first_day, days[-1], connection=dbt_connection_vars(settings))
    yield from dbt.cli(args, context=context).stream()


dbt_model_assets = [dbt_models]
