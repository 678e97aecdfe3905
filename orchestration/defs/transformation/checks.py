"""Blocking Great Expectations gates on the marts, one per mart that has suites.

The list comes from the suites themselves (``orchestration/quality/suites.py``): a mart suite
added there is a blocking check here, with nothing else to register. Everything downstream of the
marts (exports, report, alerts) waits for them. Warnings inside a suite (such as the reported-vs-
estimated gap) are recorded, never blocking. Keys, relationships and accepted values are dbt tests.
"""

from orchestration.defs.extraction.checks import build_gx_check
from orchestration.quality.suites import mart_suites

#: Marts guarded by a blocking check: every mart some suite validates (derived, never listed by hand).
GUARDED_MARTS = tuple(sorted({s.asset_key.split("/", 1)[1] for s in mart_suites()}))

mart_checks = [
    build_gx_check("marts", m, f"Great Expectations suites of marts.{m} on the partition(s) just built (blocking).")
    for m in GUARDED_MARTS
]
