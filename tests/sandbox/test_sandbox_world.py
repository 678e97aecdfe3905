"""The synthetic world is deterministic and plays out its scenarios (it is the tests' ground truth)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from orchestration.sandbox import World, WorldConfig
from orchestration.sandbox.world import FEEDBACK_COLUMNS, ORDERS_COLUMNS, POLICY_CATEGORIES, RETURNS_COLUMNS

END = date(2026, 11, 25)  # the small_world fixture's end_date


def eod(day):
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def _sample(world: World, seed_day):
    out = []
    for a in world.accounts:
        for m in a.marketplace_ids:
            out.append(
                (
                    world.order_item_rows(a.name, m, seed_day),
                    world.feedback_rows(a.name, m, seed_day),
                    world.return_rows(a.name, m, seed_day),
                )
            )
    return out


def test_same_config_same_rows_different_seed_differs():
    cfg = WorldConfig(end_date=END, days=60, volume_scale=0.05)
    day = END - timedelta(days=10)
    a, b = World(cfg), World(cfg)
    assert _sample(a, day) == _sample(b, day)
    assert a.performance("cobalt-gadgets", "ATVPDKIKX0DER", eod(day)) == b.performance(
        "cobalt-gadgets", "ATVPDKIKX0DER", eod(day)
    )
    c = World(WorldConfig(seed=1, end_date=END, days=60, volume_scale=0.05))
    assert _sample(a, day) != _sample(c, day)


def test_accounts_and_dates(small_world):
    names = [a.name for a in small_world.accounts]
    assert names == ["acme-home", "brightline-outdoor", "cobalt-gadgets"]
    assert small_world.account_by_seller_id("A1ACMEHOME0001").name == "acme-home"
    assert small_world.account("brightline-outdoor").region == "EU"
    assert small_world.end_date == END and small_world.start_date == END - timedelta(days=119)
    assert small_world.order_item_rows("acme-home", "ATVPDKIKX0DER", END + timedelta(days=1)) == []


def test_rows_follow_the_contract(small_world):
    day = END - timedelta(days=3)
    rows = small_world.order_item_rows("acme-home", "ATVPDKIKX0DER", day)
    assert rows and all(list(r) == ORDERS_COLUMNS for r in rows)
    assert {r["fulfillment-channel"] for r in rows} == {"Amazon", "Merchant"}
    assert all(datetime.fromisoformat(r["last-updated-date"]).date() == day for r in rows)
    assert all(r["purchase-date"] <= r["last-updated-date"] for r in rows)
    assert {r["order-status"] for r in rows} <= {"Pending", "Unshipped", "Shipped", "Cancelled"}
    fb = [
        r for d in range(20) for r in small_world.feedback_rows("acme-home", "ATVPDKIKX0DER", END - timedelta(days=d))
    ]
    assert fb and all(list(r) == FEEDBACK_COLUMNS for r in fb) and {r["Rating"] for r in fb} <= {"1", "2", "3"}
    assert all(r["Rater Email"].endswith("@marketplace.example.com") for r in fb)
    de = [
        r
        for d in range(20)
        for r in small_world.return_rows("brightline-outdoor", "A1PA6795UKMFR9", END - timedelta(days=d))
    ]
    assert de and all(list(r) == RETURNS_COLUMNS for r in de)
    assert all("." in r["Return request date"] for r in de)  # DE format 25.11.2026
    assert {r["A-to-Z Claim"] for r in de} <= {"Y", "N"}


def test_order_ids_unique_and_feedback_refers_to_real_orders(small_world):
    lines = [
        (r["amazon-order-id"], r["sku"])
        for d in range(30)
        for r in small_world.order_item_rows("acme-home", "ATVPDKIKX0DER", END - timedelta(days=d))
    ]
    # one line per order item: an order lists each SKU once
    assert lines and len(lines) == len(set(lines))
    order_ids = {order_id for order_id, _ in lines}
    fb = [
        r for d in range(15) for r in small_world.feedback_rows("acme-home", "ATVPDKIKX0DER", END - timedelta(days=d))
    ]
    # feedback arrives 1-20 days after purchase; orders of the last 30 days cover most of it
    assert fb and sum(r["Order ID"] in order_ids for r in fb) >= len(fb) // 2


def test_healthy_account_stays_healthy(small_world):
    for m in small_world.account("acme-home").marketplace_ids:
        for back in range(0, 120, 15):
            p = small_world.performance("acme-home", m, eod(END - timedelta(days=back)))
            assert p["true_ahr_score"] >= 200 and p["account_status"] == "NORMAL" and p["ahr_status"] == "GREAT"
    assert small_world.performance("acme-home", "ATVPDKIKX0DER", eod(END))["ahr_score"] is not None
    assert small_world.performance("acme-home", "A2EUQ1WTGCTBG2", eod(END))["ahr_score"] is None


def test_at_risk_account_drifts_into_at_risk(small_world):
    for m in small_world.account("brightline-outdoor").marketplace_ids:
        early = small_world.performance("brightline-outdoor", m, eod(END - timedelta(days=70)))
        late = small_world.performance("brightline-outdoor", m, eod(END))
        assert early["true_ahr_score"] >= 200 and early["account_status"] == "NORMAL"
        assert 100 <= late["true_ahr_score"] <= 199 and late["account_status"] == "AT_RISK"
        assert late["ahr_status"] == "WARNED"
        if late["ahr_score"] is not None:
            assert 100 <= late["ahr_score"] <= 199
        assert late["late_shipment_rate"]["rate"] > early["late_shipment_rate"]["rate"]


def test_critical_account_hits_critical_on_its_date(small_world):
    crit = small_world.critical_date("cobalt-gadgets")
    assert crit == END - timedelta(days=20)
    assert small_world.critical_date("acme-home") is None
    before = small_world.performance("cobalt-gadgets", "ATVPDKIKX0DER", eod(crit - timedelta(days=1)))
    on = small_world.performance("cobalt-gadgets", "ATVPDKIKX0DER", datetime.combine(crit, time(0), tzinfo=UTC))
    assert before["ahr_score"] >= 100 and before["account_status"] == "NORMAL"
    assert on["ahr_score"] < 100 and on["account_status"] in ("AT_RISK", "DEACTIVATED")
    assert on["violations"]["productSafetyCustomerComplaints"] > 0
    assert set(on["violations"]) == set(POLICY_CATEGORIES)
    mx = small_world.performance("cobalt-gadgets", "A1AM78C64UM0Y8", eod(END))
    assert mx["account_status"] == "NORMAL" and mx["ahr_score"] is None


def test_metrics_are_computed_from_the_worlds_orders(small_world):
    as_of = eod(END)
    p = small_world.performance("brightline-outdoor", "A1F83G8C2ARO7P", as_of)
    first, last = p["order_defect_rate"]["mfn"]["window"]
    assert (last - first).days == 59 and (as_of.date() - last).days == 14
    mfn = sum(
        o.channel == "MFN"
        for d in range((last - first).days + 1)
        for o in small_world.orders("brightline-outdoor", "A1F83G8C2ARO7P", first + timedelta(days=d))
    )
    assert p["order_defect_rate"]["mfn"]["order_count"] == mfn
    c = p["pre_fulfillment_cancellation_rate"]
    assert c["rate"] == round(c["cancellation_count"] / c["order_count"], 6)
    v1 = small_world.v1_metrics("brightline-outdoor", "A1F83G8C2ARO7P", as_of)
    assert {"contact_response_time", "return_dissatisfaction"} <= set(v1)


def test_volume_at_scale_one_is_realistic():
    w = World(WorldConfig(end_date=END, days=200))
    day = END - timedelta(days=30)
    us = {r["amazon-order-id"] for r in w.order_item_rows("acme-home", "ATVPDKIKX0DER", day)}
    assert 900 <= len(us) <= 1700
    assert 60 <= len(w.orders("acme-home", "A2EUQ1WTGCTBG2", day)) <= 150
    assert 10 <= len(w.orders("cobalt-gadgets", "ATVPDKIKX0DER", day)) <= 100
    assert 40 <= len(w.orders("brightline-outdoor", "A1F83G8C2ARO7P", day)) <= 350
