"""Write, audit, publish, end to end (issue 9 section 1): the reported failure, reproduced and fixed.

Before: with duplicated order rows injected (sandbox fault ``duplicate_rows``) the run failed, yet
``raw.orders`` and the staging view held the bad rows and the good version was gone. Now the new
version is audited before it is published: readers keep the previous good version everywhere (raw,
staging, the published marts), and the refused one is kept in ``raw_rejected`` with the run id.
"""

from __future__ import annotations

import os
from datetime import date

import dagster as dg
import duckdb

from orchestration.pipeline import run_job
from orchestration.sandbox.faults import Fault
from orchestration.spapi.report_types import ORDERS

DAY = date(2026, 6, 28)
ACME, ACME_SELLER, US = "acme-home", "A1ACMEHOME0001", "ATVPDKIKX0DER"


def query(sql: str, params=None) -> list[tuple]:
    with duckdb.connect(os.environ["AHW_DUCKDB_PATH"], read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def published_marts_fingerprint() -> dict[str, tuple]:
    """Rows and an order-free hash of every published mart."""
    with duckdb.connect(os.environ["AHW_DUCKDB_PATH"], read_only=True) as con:
        tables = [
            t for (t,) in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()
        ]
        return {
            t: con.execute(f'select count(*), bit_xor(hash(m)) from marts."{t}" as m').fetchall()[0] for t in tables
        }


def acme_orders() -> list[tuple]:
    return query(
        "select * exclude (loaded_at) from raw.orders where account_id = ? and marketplace_id = ? "
        "and partition_date = ? order by source_row_number",
        [ACME, US, DAY],
    )


def acme_staged_order_items() -> list[tuple]:
    return query(
        "select * from staging.stg_spapi__order_items where account_id = ? and marketplace_id = ? "
        "and partition_date = ? order by all",
        [ACME, US, DAY],
    )


def check_evaluation(result, table: str):
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION" and event.event_specific_data.asset_key.path == [
            "raw",
            table,
        ]:
            return event.event_specific_data
    return None


def test_duplicated_rows_leave_the_previous_good_version_and_the_bad_one_in_the_rejected_area(server, world):
    good = run_job("daily_pipeline", DAY, DAY, instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    assert good.success
    raw_before, staging_before, marts_before = acme_orders(), acme_staged_order_items(), published_marts_fingerprint()
    assert len(raw_before) == len(world.order_item_rows(ACME, US, DAY)) > 0
    assert staging_before and marts_before

    server.faults.add(Fault("duplicate_rows", report_type=ORDERS.name, seller_id=ACME_SELLER, marketplace_id=US))
    bad = run_job("daily_pipeline", DAY, DAY, instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    assert not bad.success

    # readers see the previous good version: raw, the staging view, every published mart
    assert acme_orders() == raw_before
    assert acme_staged_order_items() == staging_before
    assert published_marts_fingerprint() == marts_before
    # ... the bad version is kept for inspection, with the run id and the reason
    duplicated = len(raw_before) + max(1, len(raw_before) // 5)
    kept = query(
        "select count(*), count(distinct amazon_order_id), any_value(reason) from raw_rejected.orders "
        "where run_id = ? and account_id = ? and marketplace_id = ? and partition_date = ?",
        [bad.run_id, ACME, US, DAY],
    )
    assert kept[0][:2] == (duplicated, len({r[0] for r in raw_before}))
    assert "expect_compound_columns_to_be_unique" in kept[0][2]
    assert query("select account_id, partition_dates, rows_count from raw_rejected.documents where run_id = ?",
                 [bad.run_id]) == [(ACME, [DAY], duplicated)]  # fmt: skip
    # ... and the failure says so: the asset's own blocking check, and the step's one-line error
    evaluation = check_evaluation(bad, "orders")
    assert evaluation is not None and not evaluation.passed
    assert "raw_rejected.orders where load_id = " in evaluation.metadata["message"].value
    failures = [e.step_failure_data.error.message for e in bad.all_events if e.is_step_failure]
    line = next(line for m in failures for line in m.splitlines() if "raw gate failed" in line)
    for part in (ORDERS.name, ACME, US, DAY.isoformat(), "raw_rejected.orders", "re-run"):
        assert part in line, line
    assert not [e for e in bad.get_asset_materialization_events() if e.asset_key.path[0] in ("marts", "published")]

    # a re-run with the fault gone publishes the good version again
    server.faults.clear()
    again = run_job("daily_pipeline", DAY, DAY, instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    assert again.success
    provenance_free = lambda rows: [r[:-6] for r in rows]  # noqa: E731 (report id and landing file are new)
    assert provenance_free(acme_orders()) == provenance_free(raw_before)
