"""The sandbox's hidden rating rules: drawn from the seed, scenarios true under every draw, never served.

The rules are the ground truth the calibration is judged against (``ahw evaluate-rating``), so each
world must still play its scenario (healthy, at risk, critical) whatever its points, credit, override
delay, fading or noise, and the truth must stay out of the documents and the admin endpoint.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx
import pytest

from orchestration.sandbox import SandboxServer, World, WorldConfig
from orchestration.sandbox.accounts import AHR_SCORE_MARKETPLACES
from orchestration.sandbox.documents import v2_document
from orchestration.sandbox.rating import (
    CATEGORY_SEVERITY,
    DEFAULT_SEED,
    POINTS_RANGES,
    TODAYS_RULES,
    RatingRules,
    draw_rating_rules,
)

END = date(2026, 11, 25)
SEEDS = [DEFAULT_SEED, *range(1, 13)]


def test_default_seed_draws_the_rules_the_sandbox_always_had():
    rules = draw_rating_rules(DEFAULT_SEED)
    assert rules == TODAYS_RULES
    assert {rules.points_per_violation[c] for c, s in CATEGORY_SEVERITY.items() if s == "low"} == {4}
    assert {rules.points_per_violation[c] for c, s in CATEGORY_SEVERITY.items() if s == "high"} == {16}
    assert rules.volume_credit(10_000) == 200 and rules.volume_credit(300_000) == 800
    assert rules.misspecifications() == [] and rules.critical_delay_days == 0


def test_other_seeds_draw_other_rules_within_the_ranges():
    drawn = [draw_rating_rules(seed) for seed in range(1, 60)]
    assert len({tuple(sorted(r.points_per_violation.items())) for r in drawn}) > 40
    for rules in drawn:
        for category, points in rules.points_per_violation.items():
            severity = CATEGORY_SEVERITY[category]
            low, high = POINTS_RANGES["high" if severity == "critical" else severity]
            assert low <= points <= high
        assert 500 <= rules.volume_credit_cap <= 800 and 0 <= rules.critical_delay_days <= 3
    # every effect the estimate cannot express turns up in some draws, and some draws have none
    kinds = {m.split()[0] for r in drawn for m in r.misspecifications()}
    assert kinds == {"points", "stepwise", "noise"}
    assert any(not r.misspecifications() for r in drawn)
    assert draw_rating_rules(7) == draw_rating_rules(7)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_draw_keeps_the_scenarios(seed):
    world = World(WorldConfig(seed=seed, end_date=END, days=120, volume_scale=0.05))
    for account in world.accounts:
        for m in account.marketplace_ids:
            affected = m in account.affected_marketplace_ids
            if account.scenario == "healthy" or not affected:
                lowest = min(
                    world.true_rating(account.name, m, END - timedelta(days=back)) for back in range(0, 120, 3)
                )
                assert lowest >= 200, (seed, account.name, m)
            elif account.scenario == "at_risk":
                assert world.true_rating(account.name, m, END - timedelta(days=70)) >= 200
                assert 100 <= world.true_rating(account.name, m, END) <= 199, (seed, m, world.rules.describe())
            else:
                critical = world.critical_date(account.name)
                delay = world.rules.critical_delay_days
                assert world.true_rating(account.name, m, critical - timedelta(days=1)) >= 100
                assert world.true_rating(account.name, m, critical + timedelta(days=delay)) == 0
                if delay:
                    assert world.true_rating(account.name, m, critical) > 0


def test_a_world_can_be_given_its_rules():
    rules = RatingRules(points_per_violation={c: 30 for c in CATEGORY_SEVERITY}, volume_credit_cap=300)
    world = World(WorldConfig(seed=3, end_date=END, days=60, volume_scale=0.05, rating_rules=rules))
    assert world.rules is rules
    assert "rating_rules" not in world.config.as_dict()


def test_the_true_rating_is_served_only_as_ahr_score_where_amazon_sends_it():
    world = World(WorldConfig(seed=5, end_date=END, days=60, volume_scale=0.05))
    moment = world.end_moment
    for account in world.accounts:
        document = v2_document(world, account.name, list(account.marketplace_ids), moment)
        for metrics in document["performanceMetrics"]:
            m = metrics["marketplaceId"]
            rating = metrics["accountHealthRating"]
            if m in AHR_SCORE_MARKETPLACES:
                assert rating["ahrScore"] == world.true_rating(account.name, m, END)
            else:
                assert "ahrScore" not in rating
    with SandboxServer(world, speed=1000) as server:
        info = httpx.get(f"{server.url}/_sandbox/world", timeout=10).json()
    served = json.dumps(info)
    assert "rating_rules" not in served and "points_per_violation" not in served
