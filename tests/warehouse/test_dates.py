"""Date inference on generated columns of every supported format (hypothesis).

The property that matters: a column is never read as other dates than it holds when the document
itself proves the order; only a column whose every value fits several orders is read by the
marketplace's usual format (decided_by 'catalogue'), and a column mixing orders is refused."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.parsing.dates import ORDERS, DateColumn, MixedDateOrders, decide, numeric_date, tokenize, usual_order

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def render(day: date, order: str, sep: str, four_digit_year: bool, padded: bool) -> str:
    year = f"{day.year:04d}" if four_digit_year else f"{day.year % 100:02d}"
    d, m = (f"{day.day:02d}", f"{day.month:02d}") if padded else (str(day.day), str(day.month))
    fields = {"DMY": (d, m, year), "MDY": (m, d, year), "YMD": (year, m, d)}[order]
    return sep.join(fields)


def render_named(day: date, style: int) -> str:
    mon = MONTHS[day.month - 1]
    return [f"{day.day:02d}-{mon}-{day.year}", f"{day.day} {mon} {day.year}", f"{mon} {day.day}, {day.year}"][style]


def infer(values: list[str], usual_format: str):
    column = DateColumn("d", "Date")
    for row, value in enumerate(values, 1):
        column.observe(value, row)
    decision = decide([column], usual_order(usual_format), usual_format)["d"]
    return decision, [decision.convert(v) for v in values]


USUAL = {"DMY": "%d/%m/%y", "MDY": "%m/%d/%y", "YMD": "%Y/%m/%d"}
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
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


@settings(max_examples=150)
@given(days=st.lists(dates, min_size=1, max_size=15), style=st.integers(0, 2), usual=st.sampled_from(ORDERS))
def test_month_name_dates_state_their_own_order(days, style, usual):
    decision, read = infer([render_named(d, style) for d in days], USUAL[usual])
    assert read == days and decision.decided_by == "document"


@settings(max_examples=150)
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
