"""Real sellers' documents end to end: the main job over the last days of the sandbox world, compared
with the world's ground truth (not with hard-coded numbers).

The last days of a world are where orders are still Pending, Unshipped, Shipping, PartiallyShipped or
InvoiceUnconfirmed; the world also has a Far East account (Amazon.co.jp in code page 932 with
Japanese texts, Amazon.com.au), Amazon.nl, multi-channel fulfillment orders and buyer-requested
cancellations. Orders reach raw as a report generated at the end of the world shows them.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, timedelta

import dagster as dg
import duckdb
import pytest

from orchestration.config import DEFAULT_SANDBOX_SEED
from orchestration.pipeline import run_job
from orchestration.sandbox import World, WorldConfig
from orchestration.sandbox.orders import NON_AMAZON, ORDER_STATUSES
from tests.pipeline_env import sandbox_pipeline_env

END = date(2026, 6, 30)
SCALE = 0.1
DAYS = [END - timedelta(days=2), END - timedelta(days=1), END]
JP, AU, NL = "A1VC38T7YXB528", "A39IBJ37TRP1C6", "A1805IZSGTT6HS"


@pytest.fixture(scope="module")
def world():
    return World(WorldConfig(seed=DEFAULT_SANDBOX_SEED, end_date=END, volume_scale=SCALE))


@pytest.fixture(scope="module")
def warehouse(world, tmp_path_factory):
    """Run daily_pipeline once over DAYS; yield the DuckDB path."""
    data = tmp_path_factory.mktemp("real_sellers")
    with sandbox_pipeline_env(data, END, SCALE) as path:
        result = run_job("daily_pipeline", DAYS[0], DAYS[-1], instance=dg.DagsterInstance.ephemeral())
        assert result.success
        yield str(path)


@pytest.fixture(scope="module")
def world_rows(world) -> dict[tuple[str, str], list[dict[str, str]]]:
    """The order-item rows of the loaded days, as the report generated at the end of the world shows them."""
    return {
        (a.name, m): [r for d in DAYS for r in world.order_item_rows(a.name, m, d)]
        for a in world.accounts
        for m in a.marketplace_ids
    }


def query(path, sql, params=None):
    with duckdb.connect(path, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_the_far_east_account_and_amazon_nl_reach_the_marts(warehouse, world):
    rows = set(query(warehouse, "select account_id, marketplace_id, rating_date from marts.fct_account_health_rating"))
    for account, marketplace_id in (("hinoki-kitchen", JP), ("hinoki-kitchen", AU), ("brightline-outdoor", NL)):
        assert {(account, marketplace_id, d) for d in DAYS} <= rows
    summary = {r[0]: r[1] for r in query(warehouse, "select marketplace_id, reported_ahr from marts.fct_account_health_summary "
                                                    "where account_id = 'hinoki-kitchen'")}  # fmt: skip
    assert summary[JP] == world.performance("hinoki-kitchen", JP, world.end_moment)["ahr_score"]


def test_japanese_texts_land_exactly_as_the_world_wrote_them(warehouse, world_rows):
    raw = {
        (o, sku): (name, state)
        for o, sku, name, state in query(
            warehouse,
            "select amazon_order_id, sku, product_name, ship_state from raw.orders where marketplace_id = ?",
            [JP],
        )
    }
    truth = {
        (r["amazon-order-id"], r["sku"]): (r["product-name"], r["ship-state"])
        for r in world_rows[("hinoki-kitchen", JP)]
    }
    assert raw == truth and truth
    names = "".join(name for name, _ in raw.values())
    with pytest.raises(UnicodeEncodeError):
        names.encode("cp1252")  # characters outside Windows-1252 survived


def test_every_status_lands_as_the_world_shows_it(warehouse, world_rows):
    raw = Counter(
        query(
            warehouse,
            "select account_id, marketplace_id, order_status, item_status, sales_channel, "
            "is_buyer_requested_cancellation, buyer_requested_cancel_reason from raw.orders",
        )
    )
    truth = Counter(
        (account, m, r["order-status"], r["item-status"], r["sales-channel"],
         r["is-buyer-requested-cancellation"] == "true", r["buyer-requested-cancel-reason"] or None)
        for (account, m), rows in world_rows.items()
        for r in rows
    )  # fmt: skip
    assert raw == truth
    assert {status for (_, _, status, *_) in raw} == set(ORDER_STATUSES)


def test_mcf_orders_are_in_raw_shown_apart_and_out_of_the_volume_credit(warehouse, world_rows):
    mcf_in_raw = query(warehouse, "select count(*) from raw.orders where sales_channel = ?", [NON_AMAZON])[0][0]
    assert mcf_in_raw == sum(r["sales-channel"] == NON_AMAZON for rows in world_rows.values() for r in rows) > 0
    staged = query(warehouse, "select bool_or(is_marketplace_order) from staging.stg_spapi__order_items "
                              "where sales_channel = ?", [NON_AMAZON])  # fmt: skip
    assert staged == [(False,)]
    ratings = query(warehouse, "select account_id, marketplace_id, rating_date, orders_180d, mcf_orders_180d "
                               "from marts.fct_account_health_rating")  # fmt: skip
    for account, m, day, orders_180d, mcf_180d in ratings:
        in_window = {
            (r["amazon-order-id"], r["sales-channel"] == NON_AMAZON)
            for r in world_rows[(account, m)]
            if day - timedelta(days=179) <= date.fromisoformat(r["purchase-date"][:10]) <= day
        }
        assert (orders_180d, mcf_180d) == (sum(not mcf for _, mcf in in_window), sum(mcf for _, mcf in in_window))
    assert any(mcf for *_, mcf in ratings)


def test_buyer_requested_cancellations_stay_out_of_the_recomputed_cancellation_rate(warehouse, world):
    rows = query(
        warehouse,
        "select h.account_id, h.marketplace_id, h.metric_date, h.window_start_date, h.window_end_date, h.numerator, "
        "h.denominator, s.snapshot_at from marts.fct_health_metrics_daily as h "
        "join staging.stg_spapi__performance_snapshots as s "
        "on s.account_id = h.account_id and s.marketplace_id = h.marketplace_id and s.snapshot_date = h.metric_date "
        "where h.metric_name = 'pre_fulfillment_cancellation_rate' and h.source = 'recomputed'",
    )
    assert rows
    end = world.end_moment
    buyer_cancelled_counted = 0
    for account, m, _, first, last, numerator, denominator, snapshot_at in rows:
        # the world's MFN marketplace orders of the window whose latest version is in raw, as of the extraction,
        # placed by the snapshot moment (Amazon had not seen later ones when it reported)
        orders = [
            o
            for i in range((last - first).days + 1)
            for o in world.orders(account, m, first + timedelta(days=i), include_mcf=False)
            if o.channel == "MFN"
            and o.last_updated_at(end).date() in DAYS
            and o.status_at(end) != "Pending"
            and o.purchase <= snapshot_at.replace(tzinfo=UTC)
        ]
        moment = snapshot_at.replace(tzinfo=UTC)
        assert (numerator, denominator) == (sum(o.seller_cancelled_by(moment) for o in orders), len(orders))
        buyer_cancelled_counted += sum(o.is_buyer_requested_cancellation for o in orders)
    assert buyer_cancelled_counted > 0, "the run must hold buyer-requested cancellations for this test to bite"


def test_cancellations_are_listed_by_whom_and_only_the_sellers_are_defects(warehouse, world_rows):
    listed = {
        (account, o): (by, reason)
        for account, o, by, reason in query(
            warehouse,
            "select account_id, amazon_order_id, cancelled_by, buyer_requested_cancel_reason "
            "from marts.fct_order_cancellations",
        )
    }
    truth = {
        (account, r["amazon-order-id"]): (
            "buyer_request" if r["is-buyer-requested-cancellation"] == "true" else "seller",
            r["buyer-requested-cancel-reason"] or None,
        )
        for (account, _), rows in world_rows.items()
        for r in rows
        if r["order-status"] == "Cancelled"
    }
    assert listed == truth
    buyer_orders = {key for key, (by, _) in truth.items() if by == "buyer_request"}
    assert buyer_orders
    for mart in ("fct_defect_attribution", "fct_defect_rolloff_calendar"):
        defects = set(query(warehouse, f"select account_id, amazon_order_id from marts.{mart}"))
        assert not defects & buyer_orders, mart
    cancellation_defects = set(
        query(
            warehouse,
            "select account_id, amazon_order_id from marts.fct_defect_attribution where defect_type = 'cancellation'",
        )  # fmt: skip
    )
    assert cancellation_defects == {key for key, (by, _) in truth.items() if by == "seller"}
