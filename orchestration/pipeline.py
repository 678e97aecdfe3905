"""Run a job for a range of days in-process (the CLI and the tests use this).

A partition range in one run is what a UI backfill with the single-run policy does too, so this
path exercises the same window slicing the scheduled and backfill runs do.

Without an explicit instance the run is recorded in the project's persistent Dagster instance
(``DAGSTER_HOME``, see orchestration/instance.py), so the UI shows it and its materialized
partitions, and its writing steps take the ``duckdb_writer`` pool's slot like every other run's.
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
    logger: str = "console",
    sandbox_end_date: date | None = None,
    sandbox_url: str | None = None,
    tags: dict[str, str] | None = None,
    asset_selection: list[dg.AssetKey] | None = None,
) -> dg.ExecuteInProcessResult:
    """Execute ``job_name`` of the code location over [first_day, last_day] as one run.

    ``instance``: default the persistent instance of the settings (runs of processes that died are
    marked failed first, and this run is tagged with this process's id for the same reason).
    ``logger``: ``console`` (Dagster's, to stderr) or ``ahw_cli`` (orchestration/run_console.py: the
    command line's progress bars and log file). ``sandbox_end_date`` sets the last day of the embedded
    sandbox world for this run; ``sandbox_url`` points the run at a running sandbox instead (the demo's,
    which publishes notifications). ``tags`` are added to the run's (``ahw/account`` picks one
    account); ``asset_selection`` runs a part of the job. Raises ``dagster.DagsterInvariantViolationError``
    for an unknown job name.
    """
    from orchestration.definitions import defs
    from orchestration.instance import cli_run_tags, get_instance, recover_abandoned_runs

    job = defs.resolve_job_def(job_name)
    run_tags = {**partition_range_tags(first_day, last_day), **(tags or {})}
    if instance is None:
        instance = get_instance()
        recover_abandoned_runs(instance)
        run_tags.update(cli_run_tags())
    spapi = {k: v for k, v in (("sandbox_end_date", sandbox_end_date and sandbox_end_date.isoformat()),
                               ("sandbox_url", sandbox_url)) if v}  # fmt: skip
    return job.execute_in_process(
        instance=instance,
        tags=run_tags,
        raise_on_error=raise_on_error,
        asset_selection=asset_selection,
        # INFO keeps progress and warnings on the console; the CLI's logger takes everything (DEBUG) to
        # its log file.
        run_config={
            "loggers": {logger: {"config": {"log_level": "DEBUG" if logger == "ahw_cli" else log_level}}},
            **({"resources": {"spapi": {"config": spapi}}} if spapi else {}),
        },
    )
