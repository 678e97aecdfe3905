"""Date inference on generated columns of every supported format (hypothesis).

The property that matters: a column is never read as other dates than it holds when the document
itself proves the order; only a column whose every value fits several orders is read by the
marketplace's usual format (decided_by 'catalogue'), and a column mixing orders is refused.
Two-digit years (breaker8 F1): they mean 2020 to next year, so a day below 20 settles a column as a
day above 12 does, and a date that does not exist (31/02/26) never moves a column to another order:
its row is refused."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.parsing.dates import (
    ORDERS,
    DateColumn,
    DateValueError,
    MixedDateOrders,
    decide,
    numeric_date,
    tokenize,
    usual_order,
)

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def render(day: date, order: str, sep: str, four_digit_year: bool, padded: bool) -> str:
    year = f"{day.year:04d}" if four_digit_year else f"{day.year % 100:02d}"
    d, m = (f"{day.day:02d}", f"{day.month:02d}") if padded else (str(day.day), str(day.month))
    fields = {"DMY": (d, m, year), "MDY": (m, d, year), "YMD": (year, m, d)}[order]
    return sep.join(fields)


def render_named(day: date, style: int) -> str:
    mon = MONTHS[day.month - 1]
    return [f"{day.day:02d}-{mon}-{day.year}", f"{day.day} {mon} {day.year}", f"{mon} {day.day}, {day.year}"][style]


#: Pinned "next year" of the plausibility bound (the code takes it from the clock): two-digit years 20-27.
LATEST = 2027


def observe(values: list[str], usual_format: str):
    column = DateColumn("d", "Date", latest_year=LATEST)
    for row, value in enumerate(values, 1):
        column.observe(value, row)
    return column, decide([column], usual_order(usual_format), usual_format)["d"]


def infer(values: list[str], usual_format: str):
    column, decision = observe(values, usual_format)
    return decision, [decision.convert(v) for v in values]


USUAL = {"DMY": "%d/%m/%y", "MDY": "%m/%d/%y", "YMD": "%Y/%m/%d"}
dates = st.dates(min_value=date(2020, 1, 1), max_value=date(LATEST, 12, 31))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    days=st.lists(dates, min_size=1, max_size=25),
    order=st.sampled_from(ORDERS),
    sep=st.sampled_from(["/", ".", "-"]),
    four_digit_year=st.booleans(),
    padded=st.booleans(),
    usual=st.sampled_from(ORDERS),
)
def test_numeric_columns_are_read_right_or_only_ambiguity_lets_the_catalogue_decide(
    days, order, sep, four_digit_year, padded, usual
):
    values = [render(d, order, sep, four_digit_year, padded) for d in days]
    column = DateColumn("d", "Date", latest_year=LATEST)
    for row, value in enumerate(values, 1):
        column.observe(value, row)
    assert order in column.candidates  # the true order is never ruled out
    try:
        decision, read = infer(values, USUAL[usual])
    except ValueError as exc:  # ambiguous and the usual format fits none of the candidates
        assert "ambiguous" in str(exc) and usual != order
        return
    if read != days:
        # Wrong dates are possible only when every value also fits the order that was used, and the
        # catalogue (not the document) chose it.
        assert decision.decided_by == "catalogue" and decision.order == usual != order
        assert all(numeric_date(tokenize(v), usual) is not None for v in values)
    if decision.decided_by == "document":
        assert read == days
    if usual == order:
        assert read == days


@settings(max_examples=150, deadline=None)
@given(days=st.lists(dates, min_size=1, max_size=15), style=st.integers(0, 2), usual=st.sampled_from(ORDERS))
def test_month_name_dates_state_their_own_order(days, style, usual):
    decision, read = infer([render_named(d, style) for d in days], USUAL[usual])
    assert read == days and decision.decided_by == "document"


@settings(max_examples=300, deadline=None)
@given(
    days=st.lists(dates, min_size=1, max_size=20),
    order=st.sampled_from(ORDERS),
    sep=st.sampled_from(["/", ".", "-"]),
    four_digit_year=st.booleans(),
    usual=st.sampled_from(ORDERS),
)
def test_a_day_above_12_or_below_20_settles_the_order_whatever_the_year_width(days, order, sep, four_digit_year, usual):
    """A day above 12 cannot be a month; with two-digit years a day below 20 (or above next year's two
    digits) cannot be a year either: such a day settles the column from the document."""
    settling = [
        d for d in days if d.day > 12 and (four_digit_year or order == "MDY" or not 20 <= d.day <= LATEST % 100)
    ]
    if not settling:
        return
    decision, read = infer([render(d, order, sep, four_digit_year, True) for d in days], USUAL[usual])
    assert (decision.decided_by, read) == ("document", days)
    assert decision.order in (order, None)  # None: ISO dates (2026-11-25) state their own order


IMPOSSIBLE = [(2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31)]


@settings(max_examples=300, deadline=None)
@given(
    days=st.lists(dates, min_size=1, max_size=15),
    order=st.sampled_from(ORDERS),
    sep=st.sampled_from(["/", ".", "-"]),
    four_digit_year=st.booleans(),
    impossible=st.sampled_from(IMPOSSIBLE),
    year=st.integers(2020, LATEST),
    at=st.integers(0, 15),
    usual=st.sampled_from(ORDERS),
)
def test_an_impossible_date_never_moves_a_column_to_another_order(
    days, order, sep, four_digit_year, impossible, year, at, usual
):
    """breaker8 F1: ``31/02/26`` in a day-first column read the whole column year-first (2031, 2025, 2014)."""
    month, day = impossible
    y = f"{year:04d}" if four_digit_year else f"{year % 100:02d}"
    bad = sep.join({"DMY": (f"{day:02d}", f"{month:02d}", y), "MDY": (f"{month:02d}", f"{day:02d}", y),
                    "YMD": (y, f"{month:02d}", f"{day:02d}")}[order])  # fmt: skip
    values = [render(d, order, sep, four_digit_year, True) for d in days]
    at = min(at, len(values))
    values.insert(at, bad)
    try:
        column, decision = observe(values, USUAL[usual])
    except DateValueError as exc:  # an ISO date states its own order: refused at once (the caller names the row)
        assert "is not a real date" in str(exc) and sep == "-" and four_digit_year and order == "YMD"
        return
    except ValueError as exc:
        assert "ambiguous" in str(exc) and usual != order
        return
    assert order in column.candidates
    assert decision.order == order or decision.decided_by == "catalogue"
    if decision.order == order:
        with pytest.raises(DateValueError, match="is not a real date"):
            decision.convert(bad)
        assert [decision.convert(v) for i, v in enumerate(values) if i != at] == days


@settings(max_examples=150, deadline=None)
@given(day_first=dates.filter(lambda d: d.day > 12), month_first=dates.filter(lambda d: d.day > 12))
def test_a_column_mixing_proven_orders_is_refused_with_both_rows(day_first, month_first):
    values = ["01/02/26", render(day_first, "DMY", "/", False, True), render(month_first, "MDY", "/", False, True)]
    with pytest.raises(MixedDateOrders) as err:
        infer(values, "%d/%m/%y")
    assert "row 2" in str(err.value) and "row 3" in str(err.value)


@pytest.mark.parametrize(
    "values, usual, expected, decided_by",
    [
        (["25/11/26", "26/11/26"], "%d/%m/%y", [date(2026, 11, 25), date(2026, 11, 26)], "catalogue"),  # case 07
        (["26/11/25", "26/11/3"], "%Y/%m/%d", [date(2026, 11, 25), date(2026, 11, 3)], "document"),  # case 08
        (["13.11.26", "2.11.26"], "%d.%m.%y", [date(2026, 11, 13), date(2026, 11, 2)], "document"),  # case 12
        (["12-Aug-2026"], "%d/%m/%Y", [date(2026, 8, 12)], "document"),  # case 11
        (["11/25/26"], "%d.%m.%y", [date(2026, 11, 25)], "document"),  # the document beats the catalogue
        (["2026-11-25T10:00:00+09:00", "11/20/2026"], "%m/%d/%Y", [date(2026, 11, 25), date(2026, 11, 20)], "document"),
        # breaker8 F1: SE and JP day-first two-digit years (a day below 20 cannot be a year 2013 or 2002)
        (
            ["13/11/26", "25/11/26", "02/11/26"],
            "%Y-%m-%d",
            [date(2026, 11, 13), date(2026, 11, 25), date(2026, 11, 2)],
            "document",
        ),
        (
            ["13/11/26", "25/11/26", "02/11/26"],
            "%Y/%m/%d",
            [date(2026, 11, 13), date(2026, 11, 25), date(2026, 11, 2)],
            "document",
        ),
        (["13.11.26"], "%d.%m.%y", [date(2026, 11, 13)], "document"),  # DE: the day 13 settles it on its own
        (["26/11/15"], "%d/%m/%y", [date(2026, 11, 15)], "document"),  # JP year-first: 15 cannot be the year
        (
            ["11/25/2026 10:15:00", "11/26/2026 08:00 PM PST"],
            "%m/%d/%y",
            [date(2026, 11, 25), date(2026, 11, 26)],
            "document",
        ),  # a time of day after the date
        (["3 déc. 2026", "10 oct. 2026"], "%d/%m/%y", [date(2026, 12, 3), date(2026, 10, 10)], "document"),  # L6
        (["10-Okt-2026", "3. Dezember 2026"], "%d.%m.%y", [date(2026, 10, 10), date(2026, 12, 3)], "document"),
        (["3 de dez. de 2026", "3 grudnia 2026", "3 Aralık 2026"], "%d/%m/%y", [date(2026, 12, 3)] * 3, "document"),
        (["2026年11月25日", "2026年11月3日"], "%Y/%m/%d", [date(2026, 11, 25), date(2026, 11, 3)], "document"),
    ],
)
def test_the_handed_cases_and_their_neighbours(values, usual, expected, decided_by):
    decision, read = infer(values, usual)
    assert read == expected and decision.decided_by == decided_by


def test_an_ambiguous_column_takes_the_order_another_column_of_the_document_proves():
    order_dates, request_dates = DateColumn("order_date", "Order date"), DateColumn("request", "Return request date")
    order_dates.observe("03/04/2026", 1)  # 3 April or 4 March
    request_dates.observe("03/20/2026", 1)  # only month-first
    decisions = decide([order_dates, request_dates], "DMY", "%d/%m/%Y")
    assert decisions["order_date"].convert("03/04/2026") == date(2026, 3, 4)
    assert decisions["order_date"].decided_by == "document" and "request" in decisions["order_date"].evidence


def test_an_impossible_date_refuses_its_row_and_keeps_the_column_day_first():
    """breaker8 b8-01: GB ``31/02/26``, ``25/11/26``, ``14/10/26`` read 2031-02-26, 2025-11-26, 2014-10-26."""
    column, decision = observe(["31/02/26", "25/11/26", "14/10/26"], "%d/%m/%y")
    assert (decision.order, decision.decided_by) == ("DMY", "document")
    assert "year-first ruled out by row 1 ('31/02/26')" in decision.evidence
    assert [decision.convert(v) for v in ("25/11/26", "14/10/26")] == [date(2026, 11, 25), date(2026, 10, 14)]
    with pytest.raises(DateValueError, match="month 2 of 2026 has no day 31"):
        decision.convert("31/02/26")


@pytest.mark.parametrize(
    "values, rows",
    [
        (["13/11/26", "26/11/3"], ("row 1", "row 2")),  # JP: a proven day-first row beside a proven year-first one
        (["01/02/26", "13/11/26", "11/13/26"], ("row 2", "row 3")),
        (["26/11/3", "13.11.26"], ("row 1", "row 2")),
    ],
)
def test_mixed_orders_are_refused_with_the_rows(values, rows):
    with pytest.raises(MixedDateOrders) as err:
        infer(values, "%Y/%m/%d")
    assert all(r in str(err.value) for r in rows)


@pytest.mark.parametrize("value", ["12/31/99", "01/01/00", "10-Jul-99", "31/12/15", "05/11/10"])
def test_two_digit_years_outside_2020_to_next_year_are_refused(value):
    """breaker8 b8-dates-us-century and friends: 1999/2099 and 2000 are no SP-API dates."""
    with pytest.raises(DateValueError, match="two-digit year outside 2020-2027"):
        observe([value], "%m/%d/%y")


def test_a_month_word_of_no_catalogue_language_is_refused_by_name():
    with pytest.raises(DateValueError, match="month word 'Brumaire'"):
        tokenize("3 Brumaire 2026")
