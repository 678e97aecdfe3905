"""The synthetic world is deterministic and plays out its scenarios (it is the tests' ground truth)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest

from orchestration.catalogue import MARKETPLACES, marketplace
from orchestration.sandbox import World, WorldConfig
from orchestration.sandbox.orders import NON_AMAZON, ORDER_STATUSES, SHIPMENT_CONFIRMED
from orchestration.sandbox.texts import BUYER_CANCEL_REASONS
from orchestration.sandbox.world import FEEDBACK_COLUMNS, ORDERS_COLUMNS, POLICY_CATEGORIES, RETURNS_COLUMNS

END = date(2026, 11, 25)  # the small_world fixture's end_date
#: The marketplaces the project knew before the catalogue (the sandbox must sell outside them too).
FIRST_NINE = {"ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1AM78C64UM0Y8", "A1F83G8C2ARO7P", "A1PA6795UKMFR9",
              "A13V1IB3VIYZZH", "APJ6JRA9NG5V4", "A1RKKUPIHCS9HS", "A1VC38T7YXB528"}  # fmt: skip


def eod(day):
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


@pytest.fixture(scope="module")
def busy_world() -> World:
    """Default volume: a normal run's mix of statuses, MCF orders and cancellations."""
    return World(WorldConfig(end_date=END, days=120))


def _pairs(world: World):
    return [(a.name, m) for a in world.accounts for m in a.marketplace_ids]


def _rows(world: World, days: int, pairs=None, **kw):
    for name, m in pairs or _pairs(world):
        for d in range(days):
            for r in world.order_item_rows(name, m, END - timedelta(days=d), **kw):
                yield name, m, r


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
    for name, m in _pairs(a):
        assert a.performance(name, m, eod(day)) == b.performance(name, m, eod(day))
        assert a.v1_metrics(name, m, eod(day)) == b.v1_metrics(name, m, eod(day))
    c = World(WorldConfig(seed=1, end_date=END, days=60, volume_scale=0.05))
    assert _sample(a, day) != _sample(c, day)


def test_accounts_and_dates(small_world):
    names = [a.name for a in small_world.accounts]
    assert names == ["acme-home", "brightline-outdoor", "cobalt-gadgets", "hinoki-kitchen"]
    assert small_world.account_by_seller_id("A1ACMEHOME0001").name == "acme-home"
    assert small_world.account("brightline-outdoor").region == "EU"
    assert small_world.end_date == END and small_world.start_date == END - timedelta(days=119)
    assert small_world.order_item_rows("acme-home", "ATVPDKIKX0DER", END + timedelta(days=1)) == []
    for account in small_world.accounts:  # every marketplace of an account is in its region (catalogue)
        assert {marketplace(m).region for m in account.marketplace_ids} == {account.region}
    sold = {m for a in small_world.accounts for m in a.marketplace_ids}
    assert "A1VC38T7YXB528" in sold and small_world.account("hinoki-kitchen").region == "FE"
    assert sold - FIRST_NINE, "the world sells in a marketplace outside the first nine"


def test_rows_follow_the_contract(small_world):
    day = END - timedelta(days=3)
    rows = small_world.order_item_rows("acme-home", "ATVPDKIKX0DER", day)
    assert rows and all(list(r) == ORDERS_COLUMNS for r in rows)
    assert {r["fulfillment-channel"] for r in rows} == {"Amazon", "Merchant"}
    assert all(datetime.fromisoformat(r["last-updated-date"]).date() == day for r in rows)
    assert all(r["purchase-date"] <= r["last-updated-date"] for r in rows)
    assert {r["order-status"] for r in rows} <= set(ORDER_STATUSES)
    assert {r["is-iba"] for r in rows} | {r["is-buyer-requested-cancellation"] for r in rows} <= {"true", "false"}
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
    # one line per order item: an order lists each SKU once, in the day of its last update only
    assert lines and len(lines) == len(set(lines))
    order_ids = {order_id for order_id, _ in lines}
    fb = [
        r for d in range(15) for r in small_world.feedback_rows("acme-home", "ATVPDKIKX0DER", END - timedelta(days=d))
    ]
    # feedback arrives 1-20 days after purchase; orders of the last 30 days cover most of it
    assert fb and sum(r["Order ID"] in order_ids for r in fb) >= len(fb) // 2


def test_healthy_accounts_stay_healthy(small_world):
    for name in ("acme-home", "hinoki-kitchen"):
        for m in small_world.account(name).marketplace_ids:
            for back in range(0, 120, 15):
                p = small_world.performance(name, m, eod(END - timedelta(days=back)))
                assert small_world.true_rating(name, m, END - timedelta(days=back)) >= 200
                assert p["account_status"] == "NORMAL" and p["ahr_status"] == "GREAT"
    assert small_world.performance("acme-home", "ATVPDKIKX0DER", eod(END))["ahr_score"] is not None
    assert small_world.performance("acme-home", "A2EUQ1WTGCTBG2", eod(END))["ahr_score"] is None


def test_at_risk_account_drifts_into_at_risk(small_world):
    account = small_world.account("brightline-outdoor")
    for m in account.affected_marketplace_ids:
        early = small_world.performance("brightline-outdoor", m, eod(END - timedelta(days=70)))
        late = small_world.performance("brightline-outdoor", m, eod(END))
        assert small_world.true_rating("brightline-outdoor", m, END - timedelta(days=70)) >= 200
        assert early["account_status"] == "NORMAL"
        assert (
            100 <= small_world.true_rating("brightline-outdoor", m, END) <= 199 and late["account_status"] == "AT_RISK"
        )
        assert late["ahr_status"] == "WARNED"
        if late["ahr_score"] is not None:
            assert 100 <= late["ahr_score"] <= 199
        assert late["late_shipment_rate"]["rate"] > early["late_shipment_rate"]["rate"]
    for m in set(account.marketplace_ids) - set(account.affected_marketplace_ids):  # NL stays healthy
        assert small_world.performance("brightline-outdoor", m, eod(END))["account_status"] == "NORMAL"


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


def test_every_status_reaches_a_normal_run_with_its_item_statuses(busy_world):
    pairs = [(n, m) for n, m in _pairs(busy_world) if n != "acme-home"]  # acme-home is large; the rest suffice
    seen: Counter = Counter()
    items: dict[tuple[str, str], list[dict]] = {}
    for _, m, r in _rows(busy_world, 4, pairs):
        seen[r["order-status"]] += 1
        items.setdefault((m, r["amazon-order-id"]), []).append(r)
    assert set(seen) == set(ORDER_STATUSES), seen
    for (m, _), lines in items.items():
        status = lines[0]["order-status"]
        item_statuses = {r["item-status"] for r in lines}
        if status == "PartiallyShipped":
            assert item_statuses == {"Shipped", "Unshipped"} and lines[0]["fulfillment-channel"] == "Merchant"
        elif status in SHIPMENT_CONFIRMED:
            assert item_statuses == {"Shipped"}
        elif status == "Cancelled":
            assert item_statuses == {"Cancelled"} and {r["quantity"] for r in lines} == {"0"}
        else:
            assert item_statuses == {"Unshipped"}
        if status == "Pending":
            assert {r["item-price"] for r in lines} == {""}
        if status == "Shipping":
            assert lines[0]["fulfillment-channel"] == "Amazon"
        if status == "InvoiceUnconfirmed":  # business orders of EU marketplaces without invoicing by Amazon
            assert lines[0]["is-business-order"] == "true" and marketplace(m).region == "EU"
            assert lines[0]["is-iba"] == "false"


def test_a_report_shows_each_order_as_of_its_generation(busy_world):
    """A report generated earlier shows orders in their earlier status, dated by their update until then."""
    orders = [
        o
        for d in range(2, 5)
        for o in busy_world.orders("brightline-outdoor", "A1F83G8C2ARO7P", END - timedelta(days=d))
    ]
    o = next(
        o
        for o in orders
        if o.channel == "MFN" and not o.cancelled and o.authorized < max(o.shipped_at) - timedelta(hours=1)
    )
    before_shipment = max(o.shipped_at) - timedelta(minutes=1)
    assert o.status_at(before_shipment) in ("Unshipped", "PartiallyShipped")
    day = o.last_updated_at(before_shipment).date()
    earlier = [r for r in busy_world.order_item_rows("brightline-outdoor", "A1F83G8C2ARO7P", day, before_shipment)
               if r["amazon-order-id"] == o.order_id]  # fmt: skip
    assert earlier and {r["order-status"] for r in earlier} == {o.status_at(before_shipment)}
    final = o.last_updated_at(busy_world.end_moment)
    latest = [r for r in busy_world.order_item_rows("brightline-outdoor", "A1F83G8C2ARO7P", final.date())
              if r["amazon-order-id"] == o.order_id]  # fmt: skip
    assert {r["order-status"] for r in latest} == {o.status_at(busy_world.end_moment)}
    assert {r["last-updated-date"] for r in latest} == {final.isoformat()}


def test_multi_channel_fulfillment_orders_are_in_the_report_but_in_no_metric(busy_world):
    mcf = [(n, m, r) for n, m, r in _rows(busy_world, 10, [("acme-home", "ATVPDKIKX0DER"), ("hinoki-kitchen", "A1VC38T7YXB528")])
           if r["sales-channel"] == NON_AMAZON]  # fmt: skip
    assert {n for n, _, _ in mcf} == {"acme-home", "hinoki-kitchen"}
    assert {r["fulfillment-channel"] for _, _, r in mcf} == {"Amazon"}
    assert all(r["merchant-order-id"] for _, _, r in mcf)
    assert sum(r["item-price"] == "" for _, _, r in mcf) > len(mcf) / 2  # usually without price
    # ground truth: the metrics and the volume credit leave MCF orders out
    as_of = eod(END)
    perf = busy_world.performance("hinoki-kitchen", "A1VC38T7YXB528", as_of)
    first, last = perf["order_defect_rate"]["afn"]["window"]
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    afn_all = [o for d in days for o in busy_world.orders("hinoki-kitchen", "A1VC38T7YXB528", d) if o.channel == "AFN"]
    assert any(o.is_mcf for o in afn_all)
    assert perf["order_defect_rate"]["afn"]["order_count"] == sum(not o.is_mcf for o in afn_all)
    last_180 = [END - timedelta(days=i) for i in range(180)]
    assert perf["orders_180d"] == sum(
        len(busy_world.orders("hinoki-kitchen", "A1VC38T7YXB528", d, include_mcf=False)) for d in last_180
    )
    assert perf["mcf_orders_180d"] == sum(
        sum(o.is_mcf for o in busy_world.orders("hinoki-kitchen", "A1VC38T7YXB528", d)) for d in last_180
    )
    assert perf["mcf_orders_180d"] > 0
    assert busy_world.performance("cobalt-gadgets", "ATVPDKIKX0DER", as_of)["mcf_orders_180d"] == 0


def test_buyer_requested_cancellations_carry_a_reason_and_stay_out_of_the_cancellation_rate(busy_world):
    flagged = [r for _, _, r in _rows(busy_world, 10, [("brightline-outdoor", m) for m in
                                                       busy_world.account("brightline-outdoor").marketplace_ids])
               if r["is-buyer-requested-cancellation"] == "true"]  # fmt: skip
    assert flagged and {r["order-status"] for r in flagged} == {"Cancelled"}
    assert {r["buyer-requested-cancel-reason"] for r in flagged} <= set(BUYER_CANCEL_REASONS)
    # recount Amazon's definition from the world's orders: seller cancellations / MFN orders (not Pending)
    as_of = datetime.combine(END - timedelta(days=2), time(23), tzinfo=UTC)
    for m in busy_world.account("brightline-outdoor").marketplace_ids:
        p = busy_world.performance("brightline-outdoor", m, as_of)["pre_fulfillment_cancellation_rate"]
        first, last = p["window"]
        mfn = [o for i in range((last - first).days + 1)
               for o in busy_world.orders("brightline-outdoor", m, first + timedelta(days=i), include_mcf=False)
               if o.channel == "MFN" and o.status_at(as_of) not in (None, "Pending")]  # fmt: skip
        assert p["order_count"] == len(mfn)
        assert p["cancellation_count"] == sum(o.seller_cancelled_by(as_of) for o in mfn)
        assert p["buyer_cancellation_count"] == sum(
            o.is_buyer_requested_cancellation and o.cancelled_at <= as_of for o in mfn
        )
        assert p["rate"] == pytest.approx(p["cancellation_count"] / p["order_count"], abs=1e-6)
    assert any(busy_world.performance("brightline-outdoor", m, as_of)["pre_fulfillment_cancellation_rate"]
               ["buyer_cancellation_count"] for m in busy_world.account("brightline-outdoor").marketplace_ids)  # fmt: skip


def test_late_shipment_and_tracking_count_shipment_confirmed_orders_only(busy_world):
    as_of = eod(END)
    p = busy_world.performance("cobalt-gadgets", "ATVPDKIKX0DER", as_of)
    first, last = p["late_shipment_rate"]["window"]
    mfn = [o for i in range((last - first).days + 1)
           for o in busy_world.orders("cobalt-gadgets", "ATVPDKIKX0DER", first + timedelta(days=i), include_mcf=False)
           if o.channel == "MFN"]  # fmt: skip
    confirmed = [o for o in mfn if o.status_at(as_of) in SHIPMENT_CONFIRMED]
    assert len(confirmed) < sum(o.status_at(as_of) != "Pending" for o in mfn)  # recent orders are not yet confirmed
    assert p["late_shipment_rate"]["order_count"] == len(confirmed)
    assert p["late_shipment_rate"]["late_shipment_count"] == sum(o.late_shipment for o in confirmed)


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


def test_v1_metrics_have_every_family_and_window_and_agree_with_v2(small_world):
    as_of = eod(END)
    for name, m in _pairs(small_world):
        v1 = small_world.v1_metrics(name, m, as_of)
        v2 = small_world.performance(name, m, as_of)
        assert {"order_defects", "customer_experience", "tracking", "return_dissatisfaction",
                "contact_response_time", "performance_checklist"} <= set(v1)  # fmt: skip
        ends = [w["window"][1] for family in ("order_defects", "customer_experience", "tracking",
                                               "return_dissatisfaction", "contact_response_time") for w in v1[family]]  # fmt: skip
        assert max(ends) == END  # the latest window ends on the snapshot date
        lengths = {(w["window"][1] - w["window"][0]).days + 1 for w in v1["customer_experience"]}
        assert lengths == {7, 30, 90}
        seller_60 = next(w for w in v1["order_defects"] if w["fulfilled_by"] == "Seller"
                         and (w["window"][1] - w["window"][0]).days == 59)  # fmt: skip
        assert seller_60["window"] == v2["order_defect_rate"]["mfn"]["window"]
        assert (seller_60["order_count"], seller_60["order_with_defects"]) == (
            v2["order_defect_rate"]["mfn"]["order_count"],
            v2["order_defect_rate"]["mfn"]["order_with_defects"],
        )
        for w in v1["contact_response_time"]:
            assert w["response_under_24_hours"] + w["response_over_24_hours"] + w["no_response"] == w["contact_count"]
        assert set(v1["performance_checklist"].values()) <= {"Good", "Fair", "Poor", "None"}
    bad = small_world.v1_metrics("cobalt-gadgets", "ATVPDKIKX0DER", as_of)["performance_checklist"]
    assert bad["policyViolation"] == "Poor"  # the critical violation is open


def test_japanese_marketplace_speaks_japanese_outside_cp1252(small_world):
    jp = [r for _, _, r in _rows(small_world, 20, [("hinoki-kitchen", "A1VC38T7YXB528")])]
    au = [r for _, _, r in _rows(small_world, 20, [("hinoki-kitchen", "A39IBJ37TRP1C6")])]
    assert jp and au

    def outside_cp1252(text: str) -> bool:
        try:
            text.encode("cp1252")
        except UnicodeEncodeError:
            return True
        return False

    assert all(outside_cp1252(r["product-name"]) and outside_cp1252(r["ship-state"]) for r in jp)
    assert any("①" in r["product-name"] or "～" in r["product-name"] for r in jp)  # code page 932 only
    assert {r["currency"] for r in jp} == {"JPY"} and all("." not in r["item-price"] for r in jp)
    assert not any(outside_cp1252(r["product-name"]) for r in au)
    fb = [
        r
        for d in range(40)
        for r in small_world.feedback_rows("hinoki-kitchen", "A1VC38T7YXB528", END - timedelta(days=d))
    ]
    assert fb and all(outside_cp1252(r["Comments"]) for r in fb)


def test_every_catalogue_marketplace_can_be_sold_in():
    """Accounts are data: a world may sell in every marketplace of the catalogue (texts, prices, formats)."""
    from orchestration.sandbox.accounts import SandboxAccount

    by_region: dict[str, list[str]] = {}
    for m in MARKETPLACES.values():
        by_region.setdefault(m.region, []).append(m.marketplace_id)
    accounts = tuple(
        SandboxAccount(
            f"everywhere-{region.lower()}",
            f"A9EVERY{region}0001",
            region,
            tuple(ids),
            f"Atzr|everywhere-{region}",
            "healthy",
            (),
            dict.fromkeys(ids, 4),
            0.5,
        )  # fmt: skip
        for region, ids in sorted(by_region.items())
    )
    world = World(WorldConfig(end_date=END, days=40), accounts=accounts)
    for name, m in _pairs(world):
        rows = [r for d in range(10) for r in world.order_item_rows(name, m, END - timedelta(days=d))]
        assert rows and {r["sales-channel"] for r in rows} == {marketplace(m).name}
        assert world.performance(name, m, eod(END))["order_defect_rate"]["mfn"]["window"]


def test_warming_the_orders_in_the_background_changes_no_document():
    """A server warms its world's orders (oldest day first, in a thread) while the first run starts:
    the documents are the ones a cold world renders, and warming stops when asked."""
    import threading

    config = WorldConfig(seed=7, end_date=date(2026, 3, 31), days=40, volume_scale=0.05)
    warmed, cold = World(config), World(config)
    pairs = sum(len(a.marketplace_ids) for a in warmed.accounts)
    thread = threading.Thread(target=warmed.warm)
    thread.start()
    account = warmed.accounts[0]
    days = [date(2026, 3, 1) + timedelta(days=i) for i in range(0, 31, 6)]
    rendered = [warmed.order_item_rows(account.name, account.marketplace_ids[0], d) for d in days]
    thread.join()
    assert warmed._orders_of_day.cache_info().currsize >= 40 * pairs  # every day of every pair
    assert rendered == [cold.order_item_rows(account.name, account.marketplace_ids[0], d) for d in days]
    assert any(rendered)

    stopped = threading.Event()
    stopped.set()
    assert World(config).warm(stopped) == 0
