"""``calibration/rating_parameters``: the estimate's parameters learned from Amazon's reported ahrScore.

Where it sits in the graph, and why. dbt builds both the features the fit reads
(``intermediate.int_rating_observations_joined``, ``intermediate.int_policy_violations_scored``) and
the estimate that reads the fit's output (the dbt source ``calibration``). Two ways to order that:

1. Split dbt into two invocations around this asset (features, fit, the rest). Every run would pay a
   second dbt start-up -- measured here (2 shared cores, other work running): a ``dbt run`` that
   selects nothing takes 11 s, and building the seeds and feature models of an evaluation world
   (``ahw evaluate-rating``, volume scale 0.05) 25 s -- and the dbt asset, which write-audit-publish
   also reshapes, would be cut in two.
2. Fit on the features of the PREVIOUS run before this run's single ``dbt build`` (chosen). The
   parameters lag the newest day by one run: the fit misses one reported day among the 90 or more it
   learns from, while the estimate of the new day still uses that day's own inputs.

So this asset is upstream of the dbt models (it materializes the keys of the dbt source
``calibration``) and downstream of the raw orders and seller performance it indirectly learns from.
On the first run of a warehouse the features do not exist yet: the asset then builds just them with
one ``dbt build`` of the feature selection (the cost of option 1, once), so a fresh demo or backfill
is calibrated from its first run. With too little reported history (fewer than 30 reported days
with a complete order count) it writes empty tables and the estimate keeps the seeds.
"""

import json
import time

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from orchestration.calibration.calibrate import FEATURE_SELECTION, calibrate_warehouse, features_built
from orchestration.calibration.tables import CATEGORY_POINTS_TABLE, PARAMETERS_TABLE, SCHEMA
from orchestration.config import load_settings
from orchestration.defs.extraction.assets import DUCKDB_WRITER_POOL, partition_days
from orchestration.defs.extraction.partitions import daily_partitions
from orchestration.defs.transformation.partitions import dbt_connection_vars, dbt_vars
from orchestration.defs.transformation.resources import dbt_project

RATING_PARAMETERS_KEY = dg.AssetKey([SCHEMA, PARAMETERS_TABLE])
CATEGORY_POINTS_KEY = dg.AssetKey([SCHEMA, CATEGORY_POINTS_TABLE])
#: The raw tables the features are built from (orders for the volume credit, V2 snapshots for ahrScore
#: and the policy violations).
RAW_INPUT_KEYS = [dg.AssetKey(["raw", "orders"]), dg.AssetKey(["raw", "seller_performance"])]


@dg.multi_asset(
    name="rating_parameters",
    specs=[
        dg.AssetSpec(
            RATING_PARAMETERS_KEY,
            group_name="calibration",
            deps=RAW_INPUT_KEYS,
            kinds={"duckdb", "python"},
            description="One row per account x marketplace: the estimate's start, volume credit, floor and "
            "critical override fitted on Amazon's reported ahrScore (bounded robust least squares, the seeds "
            "as prior), pooled / per account / per account x marketplace, with standard errors, the fit "
            "window and the error on held-out reported days. Read by dbt as source calibration.",
        ),
        dg.AssetSpec(
            CATEGORY_POINTS_KEY,
            group_name="calibration",
            deps=RAW_INPUT_KEYS,
            kinds={"duckdb", "python"},
            description="One row per account x marketplace x policy category: fitted points per open "
            "violation, with standard errors and whether only the prior decided them.",
        ),
    ],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=DUCKDB_WRITER_POOL,
)
def rating_parameters(context: dg.AssetExecutionContext, duckdb: DuckDBResource, dbt: DbtCliResource):
    days = partition_days(context)
    settings = load_settings()
    with duckdb.get_connection() as con:
        built = features_built(con)
    if not built:
        # First run of this warehouse: build only the features (seeds and models upstream of them).
        variables = {**dbt_connection_vars(settings), **dbt_vars(days[0], days[-1])}
        mark = time.monotonic()
        dbt.cli(
            ["build", "--select", FEATURE_SELECTION, "--resource-type", "seed", "--resource-type", "model",
             "--vars", json.dumps(variables, sort_keys=True)],
            manifest=dbt_project.manifest_path,
        ).wait()  # fmt: skip
        context.log.info(f"built the rating features for {days[0]}..{days[-1]} in {time.monotonic() - mark:.1f} s")
    with duckdb.get_connection() as con:
        calibration, written = calibrate_warehouse(
            con, holdout_days=settings.calibration_holdout_days, min_days=settings.calibration_min_days
        )
    if calibration.skipped_reason:
        context.log.warning(f"rating calibration skipped: {calibration.skipped_reason}")
    scopes: dict[str, int] = {}
    for pair in calibration.pairs:
        scopes[pair.scope] = scopes.get(pair.scope, 0) + 1
    held_out = [p.held_out.mae for p in calibration.pairs if p.held_out.mae is not None]
    seeds_held_out = [p.seeds_held_out.mae for p in calibration.pairs if p.seeds_held_out.mae is not None]
    common = {
        "fit_seconds": round(calibration.seconds, 2),
        "fits": calibration.fits,
        "features_from": "this run (first run)" if not built else "the previous run",
        "skipped_reason": calibration.skipped_reason or "",
    }
    metadata = {**common, "dagster/row_count": written[PARAMETERS_TABLE], "scopes": dg.MetadataValue.json(scopes)}
    if held_out:  # mean over account x marketplaces of the held-out mean absolute error (points)
        metadata["held_out_mae_mean"] = round(sum(held_out) / len(held_out), 2)
        metadata["seeds_held_out_mae_mean"] = round(sum(seeds_held_out) / len(seeds_held_out), 2)
    yield dg.MaterializeResult(asset_key=RATING_PARAMETERS_KEY, metadata=metadata)
    yield dg.MaterializeResult(
        asset_key=CATEGORY_POINTS_KEY, metadata={**common, "dagster/row_count": written[CATEGORY_POINTS_TABLE]}
    )


calibration_assets = [rating_parameters]
