"""After a failed pipeline run, rebuild and deliver the alerts anyway.

A blocking gate that fails stops everything downstream of it in the same run, the alerts included,
although "a blocking quality gate failed" is exactly what someone must hear. This sensor starts the
``alerts`` job for the failed run's last partition day; the gate's failure is then in
``quality.validation_results`` and becomes a ``quality_gate_failed`` alert.
"""

from __future__ import annotations

import dagster as dg

from orchestration.defs.alerts.schedules import alerts_job
from orchestration.defs.extraction.partitions import RANGE_END_TAG, daily_partitions
from orchestration.defs.extraction.schedules import daily_pipeline_job
from orchestration.defs.notifications.schedules import account_refresh_job

FAILED_RUN_TAG = "ahw/after_failed_run"


def failed_run_partition(tags: dict[str, str]) -> str | None:
    """The last partition day of a run, from its range or single-partition tag."""
    return tags.get(RANGE_END_TAG) or tags.get("dagster/partition")


@dg.run_failure_sensor(
    name="alerts_after_failed_run",
    monitored_jobs=[daily_pipeline_job, account_refresh_job],
    request_job=alerts_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts the alerts job after a failed daily_pipeline or account_refresh run, so a failed blocking "
    "gate is announced although the failed run skipped its alerts.",
)
def alerts_after_failed_run(context: dg.RunFailureSensorContext):
    run = context.dagster_run
    partition = failed_run_partition(run.tags) or daily_partitions.get_last_partition_key()
    return dg.RunRequest(run_key=run.run_id, partition_key=partition, tags={FAILED_RUN_TAG: run.run_id})
