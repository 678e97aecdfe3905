"""The fault matrix (issue 9 section 7): every failure mode the sandbox can switch on, one test each
(the parametrization's ids are the fault names, so pytest's report is the pass/fail matrix).

For each fault: the run either recovers by itself, or fails with one line naming the report, the
account and the marketplace, and a re-run with the fault gone recovers. Either way raw reconciles
with the sandbox world (0 rows lost, 0 duplicated). The matrix starts from one full pipeline run and
ends with a re-run of the same partition whose published marts must be identical to the first ones
(content hash without load ids), the alerts about our own failed gates apart: those are true events,
kept in fct_alerts and resolved by the re-runs. None of the faults left any other trace.

Extraction faults run the ``extract_reports`` job only (the faults live there; dbt does not see
them); kill -9 at each stage is in ``test_kill_9.py``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import dagster as dg
import duckdb
import pytest

from orchestration.pipeline import run_job
from orchestration.sandbox.faults import Fault
from orchestration.spapi.report_types import ORDERS, RETURNS, SELLER_PERFORMANCE
from tests.faults.conftest import ACCOUNT, DAY, SPEED
from tests.faults.reconcile import marts_hash, reconcile

US = "ATVPDKIKX0DER"
#: The faults are set on the orders report (or hit it first): the matrix runs that asset alone.
ORDERS_ONLY = [dg.AssetKey(["raw", ORDERS.raw_table])]


@dataclass(frozen=True)
class Case:
    name: str
    faults: tuple[Fault, ...]
    recovers: bool
    """True: the faulty run itself succeeds (retries, re-requests); False: it fails with one clear line."""
    token_ttl_seconds: float | None = None
    """Amazon seconds an access token lives during the faulty run (None: an hour, as Amazon's)."""


def _on_orders(kind: str, times: int | None = 1) -> Fault:
    return Fault(kind, report_type=ORDERS.name, seller_id=ACCOUNT.seller_id, marketplace_id=US, times=times)


CASES = [
    Case("throttle_storm", (Fault("throttle_storm", operation="createReport", times=4),), recovers=True),
    Case("server_error_500", (Fault("server_error", operation="getReport", times=2),), recovers=True),
    Case(
        "service_unavailable_503",
        (Fault("service_unavailable", operation="getReportDocument", times=2),),
        recovers=True,
    ),  # fmt: skip
    Case("fatal", (_on_orders("fatal"),), recovers=True),
    Case("stuck", (_on_orders("stuck"),), recovers=False),
    Case("expired_url", (_on_orders("expired_url"),), recovers=True),
    Case("truncated_gzip", (_on_orders("truncated_gzip"),), recovers=True),
    Case("schema_missing_column", (_on_orders("schema_missing_column"),), recovers=False),
    Case("schema_renamed_column", (_on_orders("schema_renamed_column"),), recovers=False),
    # the raw gate refuses a column it does not know (raw_orders: extra_columns must be null)
    Case("schema_extra_column", (_on_orders("schema_extra_column"),), recovers=False),
    Case("duplicate_rows", (_on_orders("duplicate_rows"),), recovers=False),
    # tokens live 3 Amazon minutes (50 ms here): the run outlives several, each met as a 403 and renewed
    Case("token_expiry_mid_run", (), recovers=True, token_ttl_seconds=0.05 * SPEED),
]


def extract(**kwargs) -> dg.ExecuteInProcessResult:
    return run_job("extract_reports", DAY, DAY, instance=dg.DagsterInstance.ephemeral(), raise_on_error=False,
                   **kwargs)  # fmt: skip


def failure_lines(result: dg.ExecuteInProcessResult) -> list[str]:
    return [line for e in result.all_events if e.is_step_failure
            for line in e.step_failure_data.error.message.splitlines() if line.strip()]  # fmt: skip


def stat(result: dg.ExecuteInProcessResult, name: str) -> int:
    return sum(int(e.materialization.metadata[name].value) for e in result.get_asset_materialization_events()
               if name in e.materialization.metadata)  # fmt: skip


@pytest.fixture(scope="module")
def baseline(warehouse, sandbox):
    """One full run of the partition: the published marts every later re-run must reproduce."""
    saved = {k: os.environ.get(k) for k in warehouse}
    os.environ.update(warehouse)
    try:
        result = run_job("daily_pipeline", DAY, DAY, instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
        assert result.success, failure_lines(result)
        return marts_hash(warehouse["AHW_DUCKDB_PATH"], without_operations=True)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fault(case: Case, baseline, env, sandbox, world, monkeypatch):
    path = env["AHW_DUCKDB_PATH"]
    assert reconcile(path, world, [DAY]).lost == 0
    before = sandbox.stats.snapshot()
    refused_before = sum(n for (_, status), n in sandbox.stats.statuses.items() if status == 403)
    for fault in case.faults:
        sandbox.faults.add(fault)
    if case.token_ttl_seconds is not None:
        monkeypatch.setattr(sandbox, "token_ttl_seconds", case.token_ttl_seconds)
    faulty = extract(asset_selection=ORDERS_ONLY)
    after = sandbox.stats.snapshot()
    fired = {k: after["requests"].get(k, 0) - before["requests"].get(k, 0) for k in after["requests"]}
    assert sum(fired.values()) > 0
    assert not [f for f in sandbox.faults.active() if f.times is not None], "a fault was never reached"
    if case.token_ttl_seconds is not None:  # the run did meet an expired access token (403), and renewed it
        assert sum(n for (_, status), n in sandbox.stats.statuses.items() if status == 403) > refused_before
        assert stat(faulty, "token_renewals") > 0  # counted in the materialization metadata
    if case.recovers:
        assert faulty.success, failure_lines(faulty)
        if case.faults and case.faults[0].kind in ("throttle_storm", "server_error", "service_unavailable"):
            assert stat(faulty, "retries") >= case.faults[0].times
    else:
        assert not faulty.success
        lines = failure_lines(faulty)
        named = [line for line in lines if ORDERS.name in line and ACCOUNT.name in line and US in line]
        assert named, lines
        assert not [line for line in lines if line.startswith("Traceback")], lines
        sandbox.faults.clear()
        again = extract(asset_selection=ORDERS_ONLY)
        assert again.success, failure_lines(again)
    check = reconcile(path, world, [DAY])
    assert (check.lost, check.duplicated) == (0, 0), check.details
    assert check.reconciled > 0


def test_cancelled_reports_are_empty_partitions(baseline, env, world):
    """CANCELLED (Amazon has no data for the range) is a success with zero rows: the world has no returns
    on the day for this account, the sandbox ends those reports CANCELLED, raw holds none and the load
    log records the partition as loaded with 0 rows."""
    assert all(not world.return_rows(ACCOUNT.name, m, DAY) for m in ACCOUNT.marketplace_ids)
    result = extract(asset_selection=[dg.AssetKey(["raw", RETURNS.raw_table])])
    assert result.success, failure_lines(result)
    assert stat(result, "cancelled_reports") == len(ACCOUNT.marketplace_ids)
    with duckdb.connect(env["AHW_DUCKDB_PATH"], read_only=True) as con:
        logged = con.execute(
            "select marketplace_id, rows_loaded from raw.load_log where report_type = ? and partition_date = ? "
            "order by loaded_at desc limit 2",
            [RETURNS.name, DAY],
        ).fetchall()
    assert sorted(logged) == [(m, 0) for m in sorted(ACCOUNT.marketplace_ids)]
    check = reconcile(env["AHW_DUCKDB_PATH"], world, [DAY])
    assert (check.lost, check.duplicated) == (0, 0), check.details


def test_snapshot_fault_fails_with_one_line_and_the_rerun_recovers(baseline, env, sandbox, world):
    """A FATAL that outlasts the re-requests on the V2 snapshot: one line naming it, then a clean re-run."""
    sandbox.faults.add(Fault("fatal", report_type=SELLER_PERFORMANCE.name, seller_id=ACCOUNT.seller_id,
                             marketplace_id=US, times=3))  # fmt: skip
    faulty = extract(asset_selection=[dg.AssetKey(["raw", SELLER_PERFORMANCE.raw_table])])
    assert not faulty.success
    lines = failure_lines(faulty)
    assert [line for line in lines if "FATAL 3 times" in line and ACCOUNT.name in line and US in line], lines
    sandbox.faults.clear()
    again = extract(asset_selection=[dg.AssetKey(["raw", SELLER_PERFORMANCE.raw_table])])
    assert again.success, failure_lines(again)
    check = reconcile(env["AHW_DUCKDB_PATH"], world, [DAY])
    assert (check.lost, check.duplicated) == (0, 0), check.details


def test_rerunning_the_partition_after_the_faults_publishes_identical_marts(baseline, env):
    result = run_job("daily_pipeline", DAY, DAY, instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    assert result.success, failure_lines(result)
    assert marts_hash(env["AHW_DUCKDB_PATH"], without_operations=True) == baseline
    # the gates the faults failed are history in fct_alerts: recorded, and resolved by the re-runs
    with duckdb.connect(env["AHW_DUCKDB_PATH"], read_only=True) as con:
        gates = con.execute(
            "select subject, status from marts.fct_alerts where kind = 'quality_gate_failed'"
        ).fetchall()
    assert gates and {status for _, status in gates} == {"resolved"}, gates
