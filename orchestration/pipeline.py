"""Run the main job for a range of days in-process (the CLI demo and the tests use this).

A partition range in one run is what a UI backfill with the single-run policy does too, so this
path exercises the same window slicing the scheduled and backfill runs do.
"""

from __future__ import annotations

from datetime import date

import dagster as dg

from orchestration.defs.extraction.partitions import partition_range_tags


def run_job(
    job_name: str,
    first_day: date,
    last_day: date,
    *,
    instance: dg.DagsterInstance | None = None,
    raise_on_error: bool = True,
    log_level: str = "INFO",
    sandbox_end_date: date | None = None,
    sandbox_url: str | None = None,
    tags: dict[str, str] | None = None,
    asset_selection: list[dg.AssetKey] | None = None,
) -> dg.ExecuteInProcessResult:
    """Execute ``job_name`` of the code location over [first_day, last_day] as one run.

    ``sandbox_end_date`` sets the last day of the embedded sandbox world for this run; ``sandbox_url``
    points the run at a running sandbox instead (the demo's, which publishes notifications). ``tags``
    are added to the run's (``ahw/account`` picks one account); ``asset_selection`` runs a part of the job.
    """
    from orchestration.definitions import defs

    job = defs.resolve_job_def(job_name)
    spapi = {k: v for k, v in (("sandbox_end_date", sandbox_end_date and sandbox_end_date.isoformat()),
                               ("sandbox_url", sandbox_url)) if v}  # fmt: skip
    return job.execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(),
        tags={**partition_range_tags(first_day, last_day), **(tags or {})},
        raise_on_error=raise_on_error,
        asset_selection=asset_selection,
        # INFO keeps progress and warnings; Dagster's DEBUG event stream is for the UI.
        run_config={
            "loggers": {"console": {"config": {"log_level": log_level}}},
            **({"resources": {"spapi": {"config": spapi}}} if spapi else {}),
        },
    )
