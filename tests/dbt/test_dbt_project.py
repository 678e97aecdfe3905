"""dbt project end to end on a small hand-checkable raw data set (tests/dbt/raw_fixtures.py).

A handful of in-process dbt invocations: one full build (models, seeds, data tests, unit tests),
one `docs generate`, and the daily incremental sequence compared with the full refresh.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from tests.dbt import raw_fixtures
from tests.dbt.conftest import make_invoker

US, DE = raw_fixtures.US, raw_fixtures.DE

INCREMENTAL_MARTS = {
    "fct_account_health_snapshots": "snapshot_date",
    "fct_health_metrics_daily": "metric_date",
    "fct_policy_violations_daily": "metric_date",
    "fct_account_health_rating": "rating_date",
    "fct_rating_components": "rating_date",
    "fct_metric_reconciliation": "metric_date",
    "fct_order_cancellations": "order_date",
}


def query(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    # Not read_only: in-process dbt-duckdb keeps its database instance open, and DuckDB refuses a
    # second connection to the same file with a different configuration.
    con = duckdb.connect(str(db_path))
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_build_runs_every_model_seed_and_test(built_warehouse):
    _, _, result = built_warehouse
    statuses = {
        r.node.unique_id: str(r.status) for r in result.result.results if not r.node.unique_id.startswith("exposure.")
    }
    assert all(s in ("success", "pass") for s in statuses.values()), statuses
    kinds = {uid.split(".")[0] for uid in statuses}
    assert {"model", "seed", "test", "unit_test"} <= kinds
    assert sum(uid.startswith("unit_test.") for uid in statuses) >= 13


def test_rating_rows_match_hand_computed_estimates(built_warehouse):
    db, _, _ = built_warehouse
    rows = query(
        db,
        """
        select account_id, marketplace_id, rating_date, estimated_ahr, reported_ahr, band, reported_band,
               volume_credit, is_volume_credit_known, total_deduction, has_open_critical_violation, account_status
        from marts.fct_account_health_rating order by 1, 2, 3""",
    )
    # Every account x marketplace x day with a snapshot has a rating row (3 x 5 days).
    assert len(rows) == 15
    by_key = {(r[0], r[1], r[2]): r[3:] for r in rows}
    nov = lambda d: dt.date(2026, 11, d)  # noqa: E731
    # Raw orders cover 2026-09-01 on (62 days on Nov 1): the volume credit counts the orders since then
    # scaled to 180 days (int_order_volumes_windowed). acme/US: 420 x 180 / 62 = 1219 orders ->
    # floor(1219 / 200) x 4 = 24; 200 + 24 - 2 x 4 = 216, Healthy, no ahrScore in the document.
    assert by_key[("acme", US, nov(1))] == (216, None, "Healthy", None, 24, True, 8, False, "NORMAL")
    # acme/DE on Nov 5: 199 x 180 / 66 = 543 orders -> 8; 200 + 8 - 3 x 2 (documentRequest spelling)
    # = 202 Healthy (a low violation only: the floor would hold it at 200 anyway); reported 180 At
    # Risk; SUSPENDED kept.
    assert by_key[("acme", DE, nov(5))] == (202, 180, "Healthy", "At Risk", 8, True, 6, False, "SUSPENDED")
    # bolt/US: 200 x 180 / 63 = 571 orders -> 8: 208 before the critical violation, 0 (Critical) from
    # Nov 3; Nov 5 orders not loaded (credit unknown: 0).
    assert by_key[("bolt", US, nov(2))][:3] == (208, 204, "Healthy")
    assert by_key[("bolt", US, nov(3))][:3] == (0, 0, "Critical")
    assert by_key[("bolt", US, nov(5))][4:8] == (0, False, 8, True)
    # No calibration ran on this warehouse: every estimate is the seeds' (model_source).
    assert query(db, "select distinct model_source from marts.fct_account_health_rating") == [("seeds",)]


def test_components_add_up_to_the_estimate(built_warehouse):
    db, _, _ = built_warehouse
    mismatches = query(
        db,
        """
        select c.account_id, c.marketplace_id, c.rating_date, sum(c.points), any_value(r.estimated_ahr)
        from marts.fct_rating_components c
        join marts.fct_account_health_rating r using (account_id, marketplace_id, rating_date)
        group by all having sum(c.points) <> any_value(r.estimated_ahr)""",
    )
    assert mismatches == []
    what_if = query(
        db,
        """
        select estimated_ahr_if_resolved from marts.fct_rating_components
        where account_id = 'bolt' and rating_date = '2026-11-03' and component_name = 'food_and_product_safety_issues'""",
    )
    assert what_if == [(208,)]


def test_metrics_handle_every_report_variant(built_warehouse):
    db, _, _ = built_warehouse
    rows = query(
        db,
        """
        select marketplace_id, metric_name, fulfillment_channel, window_days, value, numerator, denominator,
               amazon_status, is_target_missed
        from marts.fct_health_metrics_daily
        where account_id = 'acme' and metric_date = '2026-11-05' and source = 'reported'""",
    )
    got = {(r[0], r[1], r[2], r[3]): r[4:] for r in rows}
    # Example spelling prefulfillmentCancelRate, long timestamps -> 7-day window.
    assert got[(DE, "pre_fulfillment_cancellation_rate", "MFN", 7)] == (0.05, 1, 20, "BAD", True)
    # lateShipmentRateList: a 10-day window beside the 30-day top-level one.
    assert got[(DE, "late_shipment_rate", "MFN", 10)] == (0.06, 3, 50, "BAD", True)
    assert got[(DE, "late_shipment_rate", "MFN", 30)] == (0.02, 3, 150, "GOOD", False)
    # Sparse ODR afn object: rate kept, counts unknown.
    assert got[(DE, "order_defect_rate", "AFN", 60)] == (0.0, None, None, "GOOD", False)
    # Amazon says GOOD while the rate sits exactly on a strict target: both stay visible.
    assert got[(US, "pre_fulfillment_cancellation_rate", "MFN", 7)] == (0.025, 1, 40, "GOOD", True)
    # V1 metrics arrive too.
    assert got[(US, "contact_response_time", "ALL", 30)] == (0.9375, 300, 320, "GOOD", False)
    # Unknown keys (somethingNewFromAmazon) are ignored.
    assert not any("something" in k[1] for k in got)


def test_recomputed_metrics_and_reconciliation(built_warehouse):
    db, _, _ = built_warehouse
    # acme/US MFN ODR window 2026-08-24..2026-10-22: orders 00003 (1-star + A-to-z) and 00010 (2-star).
    rows = query(
        db,
        """
        select recomputed_numerator, reported_numerator, numerator_difference
        from marts.fct_metric_reconciliation
        where account_id = 'acme' and marketplace_id = ? and metric_date = '2026-11-05'
          and metric_name = 'order_defect_rate' and fulfillment_channel = 'MFN'""",
        [US],
    )
    assert rows == [(2, 3, -1)]


def test_policy_violations_and_snapshots(built_warehouse):
    db, _, _ = built_warehouse
    rows = query(
        db,
        """
        select account_id, marketplace_id, metric_date, category, defects_count, new_count, severity, points_deducted
        from marts.fct_policy_violations_daily where defects_count > 0 and metric_date = '2026-11-03'
        order by 1, 2""",
    )
    assert rows == [
        ("acme", DE, dt.date(2026, 11, 3), "document_requests", 3, 0, "low", 6),
        ("acme", US, dt.date(2026, 11, 3), "listing_policy_violations", 2, 0, "medium", 8),
        ("bolt", US, dt.date(2026, 11, 3), "food_and_product_safety_issues", 1, 1, "critical", 8),
    ]
    snaps = query(db, "select count(*), count(reported_ahr) from marts.fct_account_health_snapshots")
    assert snaps == [(15, 10)]


def test_attribution_rolloff_and_summary(built_warehouse):
    db, _, _ = built_warehouse
    claims = query(
        db,
        """
        select sku, asin, fulfillment_channel, affected_metric_name from marts.fct_defect_attribution
        where defect_type = 'a_to_z_claim'""",
    )
    assert claims == [("SKU-0", "B000", "MFN", "order_defect_rate")]
    rolloff = query(
        db,
        """
        select amazon_order_id, rolloff_date from marts.fct_defect_rolloff_calendar
        where metric_name = 'order_defect_rate' order by 1""",
    )
    # order date + 60-day window + 14-day lag
    assert rolloff == [("AAT-00003", dt.date(2026, 11, 17)), ("AAT-00010", dt.date(2026, 11, 24))]
    summary = query(
        db,
        """
        select account_id, marketplace_id, rating_date, reported_ahr, estimated_ahr, band, worst_metric_name,
               is_worst_metric_target_missed, next_rolloff_date
        from marts.fct_account_health_summary order by 1, 2""",
    )
    assert summary == [
        ("acme", DE, dt.date(2026, 11, 5), 180, 202, "Healthy", "pre_fulfillment_cancellation_rate", True, None),
        ("acme", US, dt.date(2026, 11, 5), None, 212, "Healthy", "late_shipment_rate", True, dt.date(2026, 11, 17)),
        ("bolt", US, dt.date(2026, 11, 5), 0, 0, "Critical", "late_shipment_rate", True, None),
    ]
    # The projection: bolt's critical violation stays open (nothing is resolved), so the band holds;
    # the summary's next band change comes from fct_rating_projections, and both say seeds.
    projection = query(
        db,
        """
        select account_id, marketplace_id, next_band_change_date, next_projected_band, model_source
        from marts.fct_account_health_summary order by 1, 2""",
    )
    assert projection == [("acme", DE, None, None, "seeds"), ("acme", US, None, None, "seeds"),
                          ("bolt", US, None, None, "seeds")]  # fmt: skip
    horizon = query(db, "select count(*), min(days_ahead), max(days_ahead) from marts.fct_rating_projections")
    assert horizon == [(3 * 30, 1, 30)]


def test_docs_generate(built_warehouse, tmp_path):
    db, _, _ = built_warehouse
    invoke = make_invoker(db, tmp_path)
    invoke("docs", "generate")
    assert (tmp_path / "target" / "catalog.json").exists()
    assert (tmp_path / "target" / "manifest.json").exists()


def _table_rows(db: Path, table: str) -> list[tuple]:
    return query(db, f"select * from marts.{table} order by all")


def test_daily_incremental_runs_equal_full_refresh(built_warehouse, tmp_path):
    full_db, _, _ = built_warehouse
    db = tmp_path / "incremental.duckdb"
    raw_fixtures.build_raw(db)
    invoke = make_invoker(db, tmp_path)
    days = raw_fixtures.SNAPSHOT_DATES
    # The first partition creates the seeds and every model (incremental marts hold only that day) ...
    invoke(
        "build", "--resource-type", "seed", "--resource-type", "model", vars={"min_date": days[0], "max_date": days[0]}
    )
    assert query(db, "select distinct rating_date from marts.fct_account_health_rating") == [(days[0],)]
    # ... then each following day is an incremental run, as the Dagster partitions would do.
    for day in days[1:]:
        invoke("run", "--select", "config.materialized:incremental", vars={"min_date": day, "max_date": day})
    # Re-running a partition changes nothing.
    invoke("run", "--select", "config.materialized:incremental", vars={"min_date": days[2], "max_date": days[2]})
    for table in INCREMENTAL_MARTS:
        incremental, full = _table_rows(db, table), _table_rows(full_db, table)
        only_incremental = sorted(set(incremental) - set(full), key=repr)[:5]
        only_full = sorted(set(full) - set(incremental), key=repr)[:5]
        assert incremental == full, f"{table}: only incremental {only_incremental}; only full refresh {only_full}"
    # A day whose snapshot is gone from raw (a bad load removed, say) is emptied by its re-run:
    # only the models' pre-hook, deleting the whole range before the append, removes its rows.
    last = days[-1]
    query(db, "delete from raw.seller_performance where partition_date = ?", [last])
    invoke("run", "--select", "config.materialized:incremental", vars={"min_date": last, "max_date": last})
    for table, column in (
        ("fct_account_health_snapshots", "snapshot_date"),
        ("fct_account_health_rating", "rating_date"),
    ):
        assert query(db, f"select count(*) from marts.{table} where {column} = ?", [last]) == [(0,)]
        assert query(db, f"select count(*) from marts.{table} where {column} < ?", [last])[0][0] > 0


def test_raw_fixture_matches_warehouse_ddl(tmp_path):
    """The fixture's raw DDL equals orchestration/warehouse/schema.py when that module exists."""
    schema = pytest.importorskip("orchestration.warehouse.schema")
    db = tmp_path / "ddl.duckdb"
    con = duckdb.connect(str(db))
    try:
        for statement in raw_fixtures.DDL:
            con.execute(statement)
        ours = con.execute("""
            select table_name, list(column_name || ' ' || data_type order by column_index)
            from duckdb_columns() where schema_name = 'raw' group by 1""").fetchall()
        con.execute("create schema theirs")
        for statement in schema.ddl()[1:]:
            con.execute(statement.replace("raw.", "theirs.", 1))
        theirs = con.execute("""
            select table_name, list(column_name || ' ' || data_type order by column_index)
            from duckdb_columns() where schema_name = 'theirs' group by 1""").fetchall()
    finally:
        con.close()
    assert dict(ours) == dict(theirs)


ORDER_KEYED_TABLES = (
    "intermediate.int_order_items_latest",
    "intermediate.int_orders_rolled_up",
    "intermediate.int_order_defects_identified",
    "intermediate.int_order_defects_flagged",
    "intermediate.int_order_counts_daily",
    "marts.fct_defect_attribution",
)


def test_late_feedback_and_claim_restate_earlier_order_dates(built_warehouse, tmp_path):
    """Documents that arrive after their order's day change that day's rows on the next run.

    A 1-2 star feedback (order AAT-00010) and an A-to-z claim (return RMA1, order AAT-00003) are
    held back from raw while the warehouse is first built, then loaded; one incremental run over
    their partitions restates the order dates they belong to (weeks earlier), and the order-keyed
    tables end up equal to the full build that had them from the start.
    """
    full_db, _, _ = built_warehouse
    db = tmp_path / "late.duckdb"
    raw_fixtures.build_raw(db)
    held_back = {
        "seller_feedback": "order_id = 'AAT-00010'",
        "returns": "amazon_rma_id = 'RMA1'",
    }
    con = duckdb.connect(str(db))
    try:
        for table, where in held_back.items():
            con.execute(f"create table main.late_{table} as select * from raw.{table} where {where}")
            con.execute(f"delete from raw.{table} where {where}")
        late_days = con.execute(
            "select min(partition_date), max(partition_date) from ("
            "select partition_date from main.late_seller_feedback union all "
            "select partition_date from main.late_returns)"
        ).fetchall()[0]
    finally:
        con.close()
    first_day, last_day = late_days
    invoke = make_invoker(db, tmp_path)
    day_before = first_day - dt.timedelta(days=1)
    invoke(
        "build",
        "--resource-type",
        "seed",
        "--resource-type",
        "model",
        vars={"min_date": day_before, "max_date": day_before},
    )

    def flags() -> list[tuple]:
        return query(
            db,
            "select amazon_order_id, has_negative_feedback, has_a_to_z_claim from intermediate.int_order_defects_flagged "
            "where amazon_order_id in ('AAT-00003', 'AAT-00010') order by 1",
        )

    assert flags() == [("AAT-00003", True, False), ("AAT-00010", False, False)]

    con = duckdb.connect(str(db))
    try:
        for table in held_back:
            con.execute(f"insert into raw.{table} select * from main.late_{table}")
            con.execute(f"drop table main.late_{table}")
    finally:
        con.close()
    invoke("run", "--select", "config.materialized:incremental", vars={"min_date": first_day, "max_date": last_day})

    assert flags() == [("AAT-00003", True, True), ("AAT-00010", True, False)]
    for table in ORDER_KEYED_TABLES:
        late = query(db, f"select * from {table} order by all")
        full = query(full_db, f"select * from {table} order by all")
        assert late == full, f"{table}: {sorted(set(late) ^ set(full), key=repr)[:5]}"
