"""Documents are written the way real sellers receive them: date formats, encodings, the documented V1 shape."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, time, timedelta

import pytest

from orchestration.catalogue import MARKETPLACES, marketplace
from orchestration.sandbox import World, WorldConfig
from orchestration.sandbox.accounts import SandboxAccount
from orchestration.sandbox.documents import render_tsv, v1_document
from orchestration.sandbox.formats import (
    DAY_MONTH_NAME_YEAR,
    SHORT_YEAR_FIRST_UNPADDED,
    date_formats,
    flat_file_encoding,
    render_date,
)
from orchestration.sandbox.world import FEEDBACK_COLUMNS, ORDERS_COLUMNS, RETURNS_COLUMNS

END = date(2026, 11, 25)
RETURNS_DATE_COLUMNS = ("Order date", "Return request date", "Return delivery date")


def _strptime_format(fmt: str) -> str:
    """The strptime twin of a sandbox format (strptime reads unpadded fields with the padded tokens)."""
    return fmt.replace("%-m", "%m").replace("%-d", "%d")


def _order_of_fields(fmt: str) -> str:
    """'dmy', 'mdy' or 'ymd': the order of day, month and year in a format."""
    tokens = re.findall(r"%-?([dmbyY])", fmt)
    return "".join({"d": "d", "m": "m", "b": "m", "y": "y", "Y": "y"}[t] for t in tokens)


def test_render_date_is_locale_independent_and_unpadded_where_asked():
    assert render_date(date(2025, 7, 10), DAY_MONTH_NAME_YEAR) == "10-Jul-2025"
    assert render_date(date(2026, 11, 3), SHORT_YEAR_FIRST_UNPADDED) == "26/11/3"
    assert render_date(date(2026, 1, 25), "%d.%m.%y") == "25.01.26"


def test_every_account_writes_its_dates_in_its_formats_and_every_class_is_served(small_world):
    served = set()
    for account in small_world.accounts:
        for m in account.marketplace_ids:
            formats = date_formats(account.name, m)
            mkt = marketplace(m)
            # numeric fields are in the catalogue's order, so all-ambiguous documents still mean what it says
            # (a month name is never ambiguous)
            assert _order_of_fields(formats.feedback) == _order_of_fields(mkt.feedback_date_format)
            if "%b" not in formats.returns:
                assert _order_of_fields(formats.returns) == _order_of_fields(mkt.returns_date_format)
            days = [END - timedelta(days=d) for d in range(40)]
            feedback = [r for d in days for r in small_world.feedback_rows(account.name, m, d)]
            returns = [r for d in days for r in small_world.return_rows(account.name, m, d)]
            for row in feedback:
                datetime.strptime(row["Date"], _strptime_format(formats.feedback))
            for row in returns:
                for column in RETURNS_DATE_COLUMNS:
                    if row[column]:
                        datetime.strptime(row[column], _strptime_format(formats.returns))
            if feedback:
                served.add(formats.feedback)
            if returns:
                served.add(formats.returns)
    # month-first, day-first with slashes, dots and dashes, four- and two-digit years, year-first both
    # ways, and the returns reports' day-Mon-year
    assert {"%m/%d/%y", "%d/%m/%y", "%d.%m.%y", "%d-%m-%y", SHORT_YEAR_FIRST_UNPADDED, "%m/%d/%Y", "%d.%m.%Y",
            "%d-%m-%Y", "%Y/%m/%d", DAY_MONTH_NAME_YEAR} <= served  # fmt: skip


def test_returns_month_name_dates_reach_several_marketplaces(small_world):
    months = re.compile(r"^\d{2}-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{4}$")
    marketplaces = set()
    for account in small_world.accounts:
        for m in account.marketplace_ids:
            rows = [r for d in range(40) for r in small_world.return_rows(account.name, m, END - timedelta(days=d))]
            if rows and all(months.match(r["Return request date"]) for r in rows):
                marketplaces.add(m)
    assert len(marketplaces) >= 4


@pytest.mark.parametrize("marketplace_id", sorted(MARKETPLACES))
def test_every_catalogue_marketplace_round_trips_through_its_encoding(marketplace_id):
    """Orders, feedback and returns of any catalogue marketplace encode in its flat-file encoding and
    decode back to the world's rows."""
    mkt = marketplace(marketplace_id)
    account = SandboxAccount(
        "everywhere", "A9EVERYWHERE01", mkt.region, (marketplace_id,), "Atzr|everywhere", "healthy", (),
        {marketplace_id: 30}, 0.5,
    )  # fmt: skip
    world = World(WorldConfig(end_date=END, days=60), accounts=(account,))
    encoding = flat_file_encoding(marketplace_id)
    days = [END - timedelta(days=d) for d in range(25)]
    for columns, rows_of in (
        (ORDERS_COLUMNS, world.order_item_rows),
        (FEEDBACK_COLUMNS, world.feedback_rows),
        (RETURNS_COLUMNS, world.return_rows),
    ):
        rows = [r for d in days for r in rows_of("everywhere", marketplace_id, d)]
        assert rows, (marketplace_id, columns[0])
        body = render_tsv(columns, rows, encoding)
        lines = body.decode(encoding.codec).splitlines()
        assert lines[0].split("\t") == columns
        assert [dict(zip(columns, line.split("\t"), strict=True)) for line in lines[1:]] == rows


def test_japanese_files_are_code_page_932_not_utf8_nor_cp1252(small_world):
    encoding = flat_file_encoding("A1VC38T7YXB528")
    assert (encoding.codec, encoding.charset) == ("cp932", "Windows-31J")
    rows = [
        r
        for d in range(10)
        for r in small_world.order_item_rows("hinoki-kitchen", "A1VC38T7YXB528", END - timedelta(days=d))
    ]
    body = render_tsv(ORDERS_COLUMNS, rows, encoding)
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    decoded = body.decode("cp932")
    assert decoded.encode("cp932") == body
    assert "東京都" in decoded or "大阪府" in decoded
    if "①" in decoded:  # code page 932 has characters plain Shift_JIS lacks
        with pytest.raises(UnicodeDecodeError):
            body.decode("shift_jis")
    assert flat_file_encoding("A1PA6795UKMFR9").charset == "Cp1252"
    assert flat_file_encoding("ATVPDKIKX0DER").charset == "utf8"


def _text(element: ET.Element, path: str) -> str:
    found = element.find(path)
    assert found is not None, path
    return found.text or ""


def test_v1_document_has_the_documented_shape_and_the_worlds_figures(small_world):
    as_of = datetime.combine(END, time(23), tzinfo=UTC)
    for account, m in (("brightline-outdoor", "A1F83G8C2ARO7P"), ("hinoki-kitchen", "A1VC38T7YXB528")):
        root = ET.fromstring(v1_document(small_world, account, [m], as_of))
        truth = small_world.v1_metrics(account, m, as_of)
        (report,) = root.findall("sellerPerformanceReport")
        assert root.find(".//marketplaceId") is None  # the document names no marketplace
        checklist = {child.tag: _text(child, "status") for child in report.find("performanceChecklist")}
        assert checklist == truth["performance_checklist"]
        defects = report.findall("orderDefects/orderDefectMetrics")
        assert len(defects) == len(truth["order_defects"]) >= 4
        for element, metric in zip(defects, truth["order_defects"], strict=True):
            assert _text(element, "fulfilledBy") == metric["fulfilled_by"]
            assert _text(element, "timeFrame/start") == f"{metric['window'][0].isoformat()}T00:00:00Z"
            assert _text(element, "timeFrame/end") == f"{metric['window'][1].isoformat()}T23:59:59Z"
            assert int(_text(element, "orderCount")) == metric["order_count"]
            assert int(_text(element, "orderWithDefects/count")) == metric["order_with_defects"]
            # rates in percent
            assert float(_text(element, "orderWithDefects/rate")) == pytest.approx(metric["rate"] * 100, abs=0.006)
        experience = report.findall("customerExperience/customerExperienceMetrics")
        assert len(experience) == 3
        for element, metric in zip(experience, truth["customer_experience"], strict=True):
            assert int(_text(element, "orderCount")) == metric["order_count"]
            assert int(_text(element, "lateShipment/count")) == metric["late_shipment"]
            assert int(_text(element, "preFulfillmentCancellation/count")) == metric["pre_fulfillment_cancellation"]
            assert float(_text(element, "preFulfillmentCancellation/rate")) == pytest.approx(
                metric["pre_fulfillment_cancellation_rate"] * 100, abs=0.006)  # fmt: skip
        responses = report.findall("buyerSellerContactResponseTimeMetrics/responseTimeMetrics")
        for element, metric in zip(responses, truth["contact_response_time"], strict=True):
            assert int(_text(element, "responseUnder24Hours")) == metric["response_under_24_hours"]
            assert int(_text(element, "responseTimeGreaterThan24Hours")) == metric["response_over_24_hours"]
            assert int(_text(element, "noResponseForContactsOlderThan24Hours")) == metric["no_response"]
            assert float(_text(element, "averageResponseTimeInHours")) == metric["average_response_time_hours"]
        assert len(report.findall("trackingInformation/trackingMetrics")) == 2
        assert len(report.findall("returnDissatisfaction/returnDissatisfactionMetrics")) == 2
        ends = {e.text for e in report.iter("end")}
        assert max(ends) == f"{END.isoformat()}T23:59:59Z"  # the latest window ends on the snapshot date
