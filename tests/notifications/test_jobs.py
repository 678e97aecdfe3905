"""The jobs around notifications: a refresh run refuses an account it does not know, and a failed run
starts the alerts job for its last partition day (a failed gate is still announced)."""

from __future__ import annotations

from datetime import date

import dagster as dg

from orchestration.defs.alerts.sensors import FAILED_RUN_TAG, alerts_after_failed_run
from orchestration.defs.extraction.assets import ACCOUNT_TAG
from orchestration.defs.extraction.partitions import RANGE_END_TAG
from orchestration.pipeline import run_job

DAY = date(2026, 6, 10)


def test_a_failed_refresh_names_the_account_and_starts_the_alerts_job():
    instance = dg.DagsterInstance.ephemeral()
    failed = run_job("account_refresh", DAY, DAY, instance=instance, raise_on_error=False,
                     tags={ACCOUNT_TAG: "no-such-account"})  # fmt: skip
    assert not failed.success
    (failure,) = failed.get_step_failure_events()
    message = failure.step_failure_data.error.message
    assert "no-such-account" in message and "cobalt-gadgets" in message  # names the known accounts
    assert failed.dagster_run.tags[RANGE_END_TAG] == DAY.isoformat()

    context = dg.build_run_status_sensor_context(
        sensor_name=alerts_after_failed_run.name,
        dagster_event=failed.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=failed.dagster_run,
    ).for_run_failure()
    request = alerts_after_failed_run(context)
    assert request.partition_key == DAY.isoformat()
    assert request.tags[FAILED_RUN_TAG] == failed.run_id and request.run_key == failed.run_id
