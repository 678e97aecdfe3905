"""Blocking Great Expectations gates on the marts: the rating, the metrics, the policy violations,
the rating components and the snapshots. Everything downstream of the marts (exports, report, alerts)
waits for them. The reported-vs-estimated gap is a warning inside the suite (recorded, never
blocking). Keys, relationships and accepted values are dbt tests.
"""

from orchestration.defs.extraction.checks import build_gx_check

GUARDED_MARTS = (
    "fct_account_health_rating",
    "fct_health_metrics_daily",
    "fct_policy_violations_daily",
    "fct_rating_components",
    "fct_account_health_snapshots",
)


mart_checks = [
    build_gx_check("marts", m, f"Great Expectations suites of marts.{m} on the partition(s) just built (blocking).")
    for m in GUARDED_MARTS
]
