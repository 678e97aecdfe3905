"""Every marketplace of the catalogue round-trips: the sandbox writes its flat files in the marketplace's
encoding and date formats, the extractor downloads them over real HTTP, the parsers load them, and
raw holds exactly the world's rows and dates (issue 8: "every marketplace in the catalogue
round-trips through the sandbox's documents and the parsers")."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest

from orchestration.catalogue import MARKETPLACES
from orchestration.ingest import ingest
from orchestration.sandbox import SandboxServer, World, WorldConfig
from orchestration.sandbox.accounts import SandboxAccount
from orchestration.spapi.report_types import ORDERS, RETURNS, SELLER_FEEDBACK
from orchestration.warehouse.landing import Landing
from tests.extraction.conftest import SPEED, accounts_of, endpoint_for

END = date(2026, 6, 30)
DAYS = [END - timedelta(days=i) for i in range(14, -1, -1)]


def _accounts_everywhere() -> tuple[SandboxAccount, ...]:
    """One sandbox seller per region, selling in every marketplace of the catalogue in that region."""
    by_region: dict[str, list[str]] = {}
    for m in MARKETPLACES.values():
        by_region.setdefault(m.region, []).append(m.marketplace_id)
    return tuple(
        SandboxAccount(
            f"everywhere-{region.lower()}",
            f"A9EVERY{region}0001",
            region,
            tuple(ids),
            f"Atzr|everywhere-{region}",
            "healthy",
            (),
            dict.fromkeys(ids, 40),
            0.5,
            mcf_daily_orders=dict.fromkeys(ids, 1.0),
        )  # fmt: skip
        for region, ids in sorted(by_region.items())
    )


@pytest.fixture(scope="module")
def everywhere():
    world = World(WorldConfig(seed=11, end_date=END, days=60), accounts=_accounts_everywhere())
    server = SandboxServer(world, speed=SPEED, token_ttl_seconds=3600 * SPEED)
    server.start()
    yield world, server
    server.stop()


@pytest.fixture(scope="module")
def warehouse(everywhere, tmp_path_factory):
    world, server = everywhere
    work = tmp_path_factory.mktemp("everywhere")
    con = duckdb.connect(str(work / "w.duckdb"))
    for report_type in (ORDERS, SELLER_FEEDBACK, RETURNS):
        ingest(report_type, DAYS, connection=con, accounts=accounts_of(world), endpoint=endpoint_for(server, world),
               landing=Landing(work / "landing"), salt="t")  # fmt: skip
    yield con
    con.close()


def _pairs(world):
    return [(a.name, m) for a in world.accounts for m in a.marketplace_ids]


def test_orders_of_every_marketplace_land_exactly(everywhere, warehouse):
    world, _ = everywhere
    raw = {
        (a, m, o, sku): (name, state, status, channel)
        for a, m, o, sku, name, state, status, channel in warehouse.execute(
            "select account_id, marketplace_id, amazon_order_id, sku, product_name, ship_state, order_status, "
            "sales_channel from raw.orders"
        ).fetchall()
    }
    truth = {
        (a, m, r["amazon-order-id"], r["sku"]): (r["product-name"], r["ship-state"] or None, r["order-status"],
                                                   r["sales-channel"])
        for a, m in _pairs(world)
        for d in DAYS
        for r in world.order_item_rows(a, m, d)
    }  # fmt: skip
    assert raw == truth
    assert {m for _, m, _, _ in raw} == set(MARKETPLACES)


def test_feedback_and_returns_dates_of_every_marketplace_land_as_the_world_dated_them(everywhere, warehouse):
    world, _ = everywhere
    feedback = set(
        warehouse.execute("select marketplace_id, order_id, feedback_date from raw.seller_feedback").fetchall()
    )
    returns = set(
        warehouse.execute(
            "select marketplace_id, order_id, order_date, return_request_date from raw.returns"
        ).fetchall()
    )
    truth_feedback, truth_returns = set(), set()
    for a, m in _pairs(world):
        for d in range(len(DAYS) + 30):
            for o in world.orders(a, m, END - timedelta(days=d)):
                if o.feedback and DAYS[0] <= o.feedback[0] <= END:
                    truth_feedback.add((m, o.order_id, o.feedback[0]))
                if o.return_ and DAYS[0] <= o.return_[0] <= END:
                    truth_returns.add((m, o.order_id, o.purchase.date(), o.return_[0]))
    assert feedback == truth_feedback and returns == truth_returns
    # day-first, month-first and year-first catalogues all reached the parser with days above 12
    assert len({m for m, *_ in returns}) >= len(MARKETPLACES) - 2
