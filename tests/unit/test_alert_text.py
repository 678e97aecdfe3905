"""Alert sentences say only what the mart has: no "None of None" when Amazon gives a rate without counts."""

from __future__ import annotations

import pytest

from orchestration.notifications.alerts import Alert, describe


def alert(kind: str, details: dict, trigger=None, threshold=None) -> Alert:
    return Alert("a1", "k", kind, None, "acme-home", "ATVPDKIKX0DER", "s", "medium", 2, "open", None, None, None,
                 trigger, threshold, details, None)  # fmt: skip


def test_a_rate_without_counts_has_no_counts_in_its_sentence():
    late = {"metric_name": "late_shipment_rate", "fulfillment_channel": "MFN", "window_days": 10, "value": 0.0503,
            "target_value": 0.04, "target_condition": "LESS_THAN", "numerator": None, "denominator": None}  # fmt: skip
    assert describe(alert("metric_target_missed", late)) == (
        "late_shipment_rate (MFN, 10 days) is 5.03%; the target is below 4.00%."
    )
    counted = {**late, "numerator": 15, "denominator": 1241}
    assert describe(alert("metric_target_missed", counted)).endswith("below 4.00% (15 of 1,241).")


@pytest.mark.parametrize(
    "kind",
    ["account_status_changed", "reported_band_changed", "estimated_band_changed", "metric_target_missed",
     "projected_breach", "policy_violation_opened", "rating_drift", "stale_source", "quality_gate_failed", "other"],
)  # fmt: skip
def test_no_sentence_prints_none_or_fails_when_the_mart_leaves_values_empty(kind):
    text = describe(alert(kind, {}))
    assert "None" not in text and text.endswith(".")


def test_sentences_with_every_value_given():
    assert describe(alert("rating_drift", {"reported_ahr": 996, "estimated_ahr": 188, "ahr_gap": 808}, 808, 100)) == (
        "Amazon's reported rating 996 and the estimate 188 differ by 808 points (bound 100)."
    )
    assert describe(alert("stale_source", {"last_snapshot_date": "2026-11-20", "missing_days": 3}, 3, 3)) == (
        "No seller performance snapshot after 2026-11-20: 3 day(s) missing (alert from 3 days)."
    )
    assert describe(alert("reported_band_changed", {"reported_ahr": 161, "band": "At Risk"})) == (
        "Amazon's reported Account Health Rating is 161, in band At Risk (Healthy is 200-1000)."
    )
