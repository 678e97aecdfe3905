"""The account-health report as files: what it writes, how it ranks, what it reads, and that it is
self-contained. The fixture warehouse (tests/dbt/raw_fixtures.py) has three account x marketplaces:
acme / US (NORMAL, estimate 200 Healthy), acme / DE (SUSPENDED, estimate 194 At Risk, Amazon 180) and
bolt / US (AT_RISK, Critical from 2026-11-03 after a food-safety violation)."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from click.testing import CliRunner
from plotly.offline import get_plotlyjs

from orchestration.cli import main
from orchestration.report import ReportDataError, build_report
from orchestration.report.account_page import page_name
from orchestration.report.layout import PLOTLY_JS, STYLESHEET

US, DE = "ATVPDKIKX0DER", "A1PA6795UKMFR9"


class _Links(HTMLParser):
    """Every URL a page refers to (src, href) and the text of its tables' first cells."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.urls.append(value)
                if tag == "script":
                    self.scripts.append(value)


def links(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def figures(html: str) -> dict[str, dict]:
    """The Plotly figures of a page, by div id: ``Plotly.newPlot("id", data, layout, config)``."""
    found = {}
    for match in re.finditer(r'Plotly\.newPlot\(\s*"([^"]+)",\s*(\[.*?\]),\s*(\{.*?\}),\s*\{"displaylogo"', html, re.S):
        found[match.group(1)] = {"data": json.loads(match.group(2)), "layout": json.loads(match.group(3))}
    return found


@pytest.fixture(scope="module")
def report(marts_warehouse, tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    return build_report(marts_warehouse, folder), folder


def pairs(path) -> set[tuple[str, str]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return set(con.execute("select account_id, marketplace_id from marts.fct_account_health_rating").fetchall())


def test_one_page_per_account_and_marketplace_plus_the_overview(report, marts_warehouse):
    result, folder = report
    expected = pairs(marts_warehouse)
    assert len(expected) == 3
    assert {p.name for p in result.account_pages} == {page_name(a, m) for a, m in expected}
    assert result.pages == len(expected) + 1
    assert sorted(p.name for p in folder.glob("*.html")) == sorted(
        [*(page_name(a, m) for a, m in expected), "index.html"]
    )
    assert (folder / PLOTLY_JS).read_text() == get_plotlyjs()
    assert (folder / STYLESHEET).stat().st_size > 0
    assert not list(folder.glob(".*.tmp"))
    assert result.as_of == "2026-11-05"


def test_pages_refer_only_to_files_beside_them(report):
    _, folder = report
    pages = sorted(folder.glob("*.html"))
    names = {p.name for p in folder.iterdir()}
    for page in pages:
        html = page.read_text()
        found = links(html)
        assert found.scripts == [PLOTLY_JS], page.name
        for url in found.urls:
            if url.startswith(("#", "data:")):
                continue
            assert "://" not in url and not url.startswith("//"), f"{page.name} refers to {url}"
            assert url.split("#")[0] in names, f"{page.name} links to a missing file {url}"
        lowered = html.lower()
        assert "mathjax" not in lowered and "cdn." not in lowered and "@font-face" not in lowered
        assert "design.md" not in lowered and "../shared" not in lowered


def test_overview_ranks_by_account_status_then_band(report):
    _, folder = report
    html = (folder / "index.html").read_text()
    ranking = html[html.index("id='ranking'") :]
    order = [m.group(1) for m in re.finditer(r"<a class='nowrap' href='([^']+)'", ranking)]
    # SUSPENDED beats AT_RISK beats NORMAL, whatever the bands: Amazon's status is the strongest signal.
    assert order == [page_name("acme", DE), page_name("bolt", US), page_name("acme", US)]


def test_account_page_has_every_section_with_titled_labelled_charts(report):
    result, folder = report
    html = (folder / page_name("bolt", US)).read_text()
    assert result.sections[page_name("bolt", US)] == [
        "rating", "components", "alerts", "metrics", "projection", "rolloff", "violations", "contributors",
    ]  # fmt: skip
    charts = figures(html)
    assert set(charts) >= {"chart-rating", "chart-components", "chart-metrics", "chart-projection", "chart-violations"}
    rating = charts["chart-rating"]
    assert rating["layout"]["title"]["text"].startswith("Account Health Rating per day")
    assert rating["layout"]["yaxis"]["title"]["text"] == "Account Health Rating (points, 0-1000)"
    band_labels = {s.get("label", {}).get("text") or "" for s in rating["layout"].get("shapes", [])}
    band_labels |= {a["text"] for a in rating["layout"].get("annotations", [])}
    assert {"Healthy (200-1000)", "At Risk (100-199)", "Critical (0-99)"} <= band_labels
    estimated = next(t for t in rating["data"] if t["name"].startswith("Estimated"))
    # bolt is rated 208 on Nov 1-2 (200 + 8: its orders scaled to 180 days, as tests/dbt computes by hand)
    # and 0 once its critical violation is open (Nov 3-5).
    assert estimated["y"][:2] == [208, 208] and estimated["y"][2:] == [0, 0, 0]
    violations = charts["chart-violations"]
    assert [t["name"] for t in violations["data"]] == ["Food and product safety issues (critical)"]
    assert violations["data"][0]["y"] == [0, 0, 1, 1, 1]


def test_rates_are_fractions_on_percent_axes_and_percent_in_text(report):
    _, folder = report
    html = (folder / page_name("acme", US)).read_text()
    metrics = figures(html)["chart-metrics"]
    y_axes = [v for k, v in metrics["layout"].items() if k.startswith("yaxis")]
    assert y_axes and all(a["tickformat"].endswith("%") and a["title"]["text"] == "Rate (%)" for a in y_axes)
    odr = next(t for t in metrics["data"] if t["name"] == "Reported by Amazon")
    assert all(0 <= v <= 1 for v in odr["y"])
    # The fixture's MFN order defect rate: 3 defective orders of 360 -> 0.83% against a target under 1%.
    row = re.search(
        r"<td>Order defect rate, MFN, 60 days</td><td><span class='num'>([^<]+)</span></td><td>([^<]+)</td>", html
    )
    assert row and row.group(1) == "0.83%" and row.group(2) == "&lt; 1.00%"


def test_open_alerts_are_listed_most_severe_first_with_the_text_deliveries_carry(marts_warehouse, tmp_path):
    """The alerts section lists the open episodes of marts.fct_alerts (account-level ones, which name no
    marketplace, on every page of the account) in the words of the alert messages; a warehouse of an
    older version without the alerts mart still gets a report, without the section."""
    copy = tmp_path / "with_alerts.duckdb"
    shutil.copy(marts_warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("delete from marts.fct_alerts")
        con.execute(
            """insert into marts.fct_alerts by name select * from (values
                ('a1', 'k1', 'metric_target_missed', 'Metric missing its target', 'acme', 'ATVPDKIKX0DER',
                 'late_shipment_rate', 'high', 3, 'open', timestamp '2026-11-03 06:00', timestamp '2026-11-05 06:00',
                 null::timestamp, 0.05, 0.04,
                 '{"metric_name": "late_shipment_rate", "fulfillment_channel": "MFN", "window_days": 30,
                   "value": 0.05, "target_condition": "LESS_THAN", "target_value": 0.04, "numerator": 5,
                   "denominator": 100}'::json, 'snapshot', 3),
                ('a2', 'k2', 'account_status_changed', 'Account status changed', 'acme', null, 'account_status',
                 'critical', 4, 'open', timestamp '2026-11-04 09:00', timestamp '2026-11-04 09:00', null::timestamp,
                 null, null, '{"account_status": "AT_RISK", "previous_account_status": "NORMAL"}'::json,
                 'notification', 1),
                ('a3', 'k3', 'estimated_band_changed', 'Estimated band changed', 'acme', 'ATVPDKIKX0DER', 'band',
                 'medium', 2, 'resolved', timestamp '2026-11-01 06:00', timestamp '2026-11-02 06:00',
                 timestamp '2026-11-02 07:00', 150, 200, '{"estimated_ahr": 150, "band": "At Risk"}'::json,
                 'snapshot', 2))
                as t(alert_id, dedupe_key, kind, kind_label, account_id, marketplace_id, subject, severity,
                     severity_rank, status, first_seen_at, last_seen_at, resolved_at, trigger_value, threshold_value,
                     details, sources, observations_count)"""
        )
    out = build_report(copy, tmp_path / "report")
    page = (tmp_path / "report" / page_name("acme", US)).read_text()
    assert "alerts" in out.sections[page_name("acme", US)]
    section = page[page.index("<section id='alerts'>") :]
    section = section[: section.index("</section>")]
    assert "Open alerts (2)" in section and "At Risk" not in section  # the resolved episode is not listed
    assert section.index("Amazon account status is AT_RISK (was NORMAL)") < section.index("late_shipment_rate")
    assert "5.00%" in section and "4.00%" in section
    assert "Open alerts (1)" in (tmp_path / "report" / page_name("acme", DE)).read_text()  # account-level alert
    assert "Open alerts (0)" in (tmp_path / "report" / page_name("bolt", US)).read_text()
    assert "<th scope='col'>Open alerts</th>" in (tmp_path / "report" / "index.html").read_text()

    with duckdb.connect(str(copy)) as con:
        con.execute("drop table marts.fct_alerts")
    out = build_report(copy, tmp_path / "older")
    assert all("alerts" not in anchors for anchors in out.sections.values())


def test_a_missing_mart_or_warehouse_is_named(marts_warehouse, tmp_path):
    with pytest.raises(ReportDataError, match="no warehouse at"):
        build_report(tmp_path / "absent.duckdb", tmp_path / "report")
    copy = tmp_path / "partial.duckdb"
    shutil.copy(marts_warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("drop table marts.fct_metric_projections")
        con.execute("alter table marts.fct_policy_violations_daily drop column severity")
    with pytest.raises(ReportDataError) as failure:
        build_report(copy, tmp_path / "report")
    message = str(failure.value)
    assert "marts.fct_metric_projections is missing" in message
    assert "marts.fct_policy_violations_daily lacks column(s) severity" in message
    assert not (tmp_path / "report").exists()


def test_rewriting_replaces_pages_removes_stale_ones_and_keeps_the_library(report, marts_warehouse):
    _, folder = report
    stale = folder / "account-gone-ATVPDKIKX0DER.html"
    stale.write_text("old")
    library = folder / PLOTLY_JS
    before = library.stat().st_mtime_ns
    build_report(marts_warehouse, folder)
    assert not stale.exists()
    assert library.stat().st_mtime_ns == before  # written once, not on every report
    assert not list(folder.glob(".*.tmp"))


def test_the_report_closes_its_read_only_connection(marts_warehouse, tmp_path):
    build_report(marts_warehouse, tmp_path / "report")
    # In one process DuckDB refuses a read-write connection while a read-only one is open ("different
    # configuration"): this connect succeeds only because the report closed its connection.
    with duckdb.connect(str(marts_warehouse)) as con:
        assert con.execute("select count(*) from marts.fct_account_health_summary").fetchall() == [(3,)]


def test_page_names_are_safe_and_distinct_for_any_account_name():
    odd = page_name("Acme EU/shop", DE)
    plain = page_name("Acme-EU-shop", DE)
    assert "/" not in odd and " " not in odd and odd.endswith(f"-{DE}.html")
    assert odd != plain
    assert plain == f"account-Acme-EU-shop-{DE}.html"


def test_the_asset_writes_the_report_under_the_data_folder(marts_warehouse, monkeypatch, tmp_path):
    from orchestration.defs.reports.assets import REPORT_KEY, account_health_html

    monkeypatch.setenv("AHW_DUCKDB_PATH", str(marts_warehouse))
    result = dg.materialize([account_health_html], partition_key="2026-11-05")
    assert result.success
    (event,) = [e for e in result.get_asset_materialization_events() if e.asset_key == REPORT_KEY]
    metadata = event.step_materialization_data.materialization.metadata
    index = Path(tmp_path / "data" / "report" / "index.html")
    assert metadata["path"].value == str(index) and index.exists()
    assert metadata["page_count"].value == 4
    assert metadata["account_marketplace_count"].value == 3


def test_ahw_report_prints_the_path_of_index_html(marts_warehouse, monkeypatch, tmp_path):
    monkeypatch.setenv("AHW_DUCKDB_PATH", str(marts_warehouse))
    result = CliRunner().invoke(main, ["report"])
    assert result.exit_code == 0, result.output
    printed = Path(result.stdout.strip().splitlines()[-1])
    assert printed == (tmp_path / "data" / "report" / "index.html").resolve() and printed.exists()
    missing = CliRunner().invoke(main, ["report"], env={"AHW_DUCKDB_PATH": str(tmp_path / "none.duckdb")})
    assert missing.exit_code == 1 and "no warehouse at" in missing.output


def test_a_rating_projection_adds_the_projected_line_and_days_to_the_band_change(marts_warehouse, tmp_path):
    copy = tmp_path / "with_projection.duckdb"
    shutil.copy(marts_warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        # The projection marts (fct_rating_projections, the summary's next_band_change_date) exist; on the
        # fixture nothing changes band within 30 days, so give acme/US a falling projection and a change date.
        con.execute(
            "update marts.fct_account_health_summary set next_band_change_date = date '2026-11-19' "
            "where account_id = 'acme' and marketplace_id = 'ATVPDKIKX0DER'"
        )
        con.execute("drop table marts.fct_rating_projections")
        con.execute(
            """create table marts.fct_rating_projections as
               select 'acme' as account_id, 'ATVPDKIKX0DER' as marketplace_id,
                   date '2026-11-05' + cast(i as integer) as projection_date, 200 - 4 * cast(i as integer) as projected_ahr
               from range(1, 31) as t(i)"""
        )
    build_report(copy, tmp_path / "report")
    index = (tmp_path / "report" / "index.html").read_text()
    assert "<th scope='col'>Days to band change</th>" in index
    row = index[index.index(page_name("acme", US)) :]
    assert "<span class='num'>14</span>" in row[: row.index("</tr>")]  # 2026-11-05 -> 2026-11-19
    rating = figures((tmp_path / "report" / page_name("acme", US)).read_text())["chart-rating"]
    projected = next(t for t in rating["data"] if t["name"].startswith("Projected"))
    assert projected["x"][0] == "2026-11-06" and projected["y"][:2] == [196, 192]
    other = figures((tmp_path / "report" / page_name("bolt", US)).read_text())["chart-rating"]
    assert not [t for t in other["data"] if t["name"].startswith("Projected")]
