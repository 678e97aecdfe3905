"""The report as a person sees it: Debian's chromium (through Playwright) opens the overview and an
account page from ``file://``, the charts draw with data and their labels, the console stays clean and
no request leaves ``file://``.

Screenshots are kept as test artifacts in ``test-artifacts/report/`` (ignored by git):
``overview.png``, ``account-acme-US.png`` and ``account-bolt-US.png`` (full pages, 1366 px wide like
a laptop screen).
"""

from __future__ import annotations

import pytest

from orchestration.report import build_report
from orchestration.report.account_page import page_name
from orchestration.report.layout import PLOTLY_JS
from tests.browser import open_page, screenshot

US = "ATVPDKIKX0DER"

#: For each chart on the page: its div, the number of Plotly traces and of drawn SVG marks (points,
#: bars, line paths) in it, and every text its SVG shows (titles, axis titles, legend, annotations).
CHARTS_JS = """
() => [...document.querySelectorAll('.js-plotly-plot')].map(div => ({
    id: div.id,
    traces: (div.data || []).length,
    values: (div.data || []).reduce((n, t) => n + ((t.y || t.x || []).length), 0),
    marks: div.querySelectorAll('.scatterlayer .point, .scatterlayer path.js-line, .barlayer .point path').length,
    texts: [...div.querySelectorAll('svg text')].map(t => t.textContent),
}))
"""


@pytest.fixture(scope="module")
def report_folder(marts_warehouse, tmp_path_factory):
    folder = tmp_path_factory.mktemp("report_browser")
    build_report(marts_warehouse, folder)
    return folder


def charts_on(page) -> dict[str, dict]:
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length > 0")
    return {c["id"]: c for c in page.evaluate(CHARTS_JS)}


def assert_offline_and_clean(record, folder):
    assert record.errors == [], f"console errors: {record.errors}"
    assert record.outside_requests == [], f"requests left file://: {record.outside_requests}"
    # The recorder sees the page's own files, so an empty list above means something.
    assert f"file://{folder}/{PLOTLY_JS}" in record.requests


def test_overview_ranks_every_account_and_draws_the_ratings(browser_context, report_folder):
    page, record = open_page(browser_context, f"file://{report_folder}/index.html")
    charts = charts_on(page)
    screenshot(page, "report", "overview")

    assert page.title() == "Account health: all accounts"
    overview = charts["chart-overview"]
    # One bar per account x marketplace: acme US and DE, bolt US (its 0 is a bar of no width but a point).
    assert overview["values"] >= 3 and overview["marks"] >= 3
    texts = " | ".join(overview["texts"])
    for label in ("Latest rating per account x marketplace", "Account Health Rating (points, 0-1000)",
                  "Critical", "At Risk", "Healthy", "Reported by Amazon (ahrScore)"):  # fmt: skip
        assert label in texts, label
    rows = page.locator("#ranking tbody tr")
    assert rows.count() == 3
    assert rows.nth(0).inner_text().startswith("1")
    assert "acme" in rows.nth(0).inner_text() and "Suspended" in rows.nth(0).inner_text()
    assert_offline_and_clean(record, report_folder)

    # A person clicks through to the most at-risk Critical account.
    page.get_by_role("link", name="bolt").first.click()
    page.wait_for_load_state("load")
    assert page.url == f"file://{report_folder}/{page_name('bolt', US)}"
    page.close()


#: Labels each chart must draw, on every account page.
COMMON_LABELS = {
    "chart-rating": ["Account Health Rating per day", "Account Health Rating (points, 0-1000)", "Critical (0-99)",
                     "At Risk (100-199)", "Healthy (200-1000)", "Estimated (this warehouse)", "Snapshot date (UTC)"],
    "chart-components": ["Today's estimate", "Start rating", "Volume credit", "Rating points"],
    "chart-metrics": ["Performance metrics per snapshot day", "Order defect rate, MFN, 60 days", "Rate (%)", "Target",
                      "Reported by Amazon"],
    "chart-projection": ["Projected rates per day", "Pre-fulfillment cancellation rate, MFN", "Rate (%)"],
    "chart-violations": ["Open policy violations per snapshot day", "Open violations (count)"],
    "chart-contributors-sku": ["Defects by seller SKU", "Defects (count)"],
}  # fmt: skip
#: What the fixture's accounts add (tests/dbt/raw_fixtures.py): acme / US has defects inside their
#: metric windows (roll-offs ahead) and no ahrScore; bolt / US is Critical with an ahrScore and none ahead.
PAGES = {
    "acme-US": ("acme", {
        "chart-components": ["Today's estimate, 212 points", "Listing policy violations (medium)"],  # 200 + 20 credit - 8
        "chart-violations": ["Listing policy violations (medium)"],
        "chart-rolloff": ["Defective orders leaving each metric's window", "Defective orders (count)",
                          "Roll-off date (UTC)", "Order defect rate, MFN"],
    }),
    "bolt-US": ("bolt", {
        "chart-rating": ["Reported by Amazon (ahrScore)"],
        "chart-components": ["Today's estimate, 0 points", "Critical violation override"],
        "chart-violations": ["Food and product safety issues (critical)"],
    }),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(PAGES))
def test_account_page_draws_every_chart_with_data_and_labels(browser_context, report_folder, name):
    account, extra = PAGES[name]
    page, record = open_page(browser_context, f"file://{report_folder}/{page_name(account, US)}")
    charts = charts_on(page)
    screenshot(page, "report", f"account-{name}")

    expected = {k: COMMON_LABELS.get(k, []) + extra.get(k, []) for k in {*COMMON_LABELS, *extra}}
    assert set(expected) <= set(charts), sorted(charts)
    for chart_id, labels in expected.items():
        chart = charts[chart_id]
        assert chart["traces"] > 0 and chart["values"] > 0, chart_id
        texts = " | ".join(chart["texts"])
        for label in labels:
            assert label in texts, f"{chart_id}: {label!r} not drawn"
    drawn = {k: v["marks"] for k, v in charts.items() if k != "chart-components"}
    assert all(n > 0 for n in drawn.values()), drawn  # the waterfall draws its bars outside these layers
    if "chart-rolloff" not in expected:
        assert "No defective order is counted in a current metric window" in page.locator("#rolloff").inner_text()
    cards = page.locator(".cards").inner_text()
    assert cards.startswith("Estimated rating") and "Account status" in cards
    assert_offline_and_clean(record, report_folder)
    page.close()
