"""Typed cell values beyond their handed cases (hypothesis): money is exact or refused, never rounded
(breaker8 F9); the written date of an ISO timestamp is the date it is written with, whatever its
offset (breaker8 F4)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.parsing.values import CellError, to_decimal, written_date

cents = st.integers(min_value=-(10**17) + 1, max_value=10**17 - 1).map(lambda n: Decimal(n) / 100)


@settings(max_examples=500, deadline=None)
@given(amount=cents, comma=st.booleans(), places=st.integers(0, 2))
def test_an_amount_written_with_at_most_two_places_reads_exactly(amount, comma, places):
    text = f"{amount:.2f}" if places == 2 else f"{amount.quantize(Decimal(10) ** -places):f}"
    if comma:
        text = text.replace(".", ",")
    expected = Decimal(text.replace(",", ".")).quantize(Decimal("0.01"))
    assert to_decimal(text) == expected


@settings(max_examples=500, deadline=None)
@given(whole=st.integers(0, 10**9), fraction=st.integers(0, 10**6), places=st.integers(3, 6), sep=st.sampled_from(".,"))
def test_more_than_two_places_are_exact_or_refused_never_rounded(whole, fraction, places, sep):
    digits = f"{fraction % 10**places:0{places}d}"
    text = f"{whole}{sep}{digits}"
    try:
        got = to_decimal(text)
    except CellError as exc:
        assert "ambiguous" in str(exc) or "decimal places" in str(exc) or "does not fit" in str(exc)
        return
    assert got == Decimal(f"{whole}.{digits}")  # only trailing zeros beyond two places are accepted
    assert not (places == 3 and 1 <= len(str(whole)) <= 3 and whole != 0)  # a thousands group is never read


@pytest.mark.parametrize("text", ["1.299", "12.999", "1,299", "999.000", "12.500"])
def test_three_digits_after_one_separator_are_ambiguous(text):
    with pytest.raises(CellError, match="ambiguous"):
        to_decimal(text)


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)),
    offset_minutes=st.integers(-12 * 60, 14 * 60).map(lambda m: m - m % 15),
    style=st.sampled_from(["seconds", "minutes", "fraction"]),
)
def test_the_written_date_of_a_timestamp_is_its_calendar_date_whatever_the_offset(moment, offset_minutes, style):
    tz = timezone(timedelta(minutes=offset_minutes))
    aware = moment.replace(tzinfo=tz)
    text = {"seconds": aware.isoformat(timespec="seconds"), "minutes": aware.isoformat(timespec="minutes"),
            "fraction": aware.isoformat(timespec="milliseconds")}[style]  # fmt: skip
    if offset_minutes == 0 and style == "minutes":
        text = text.replace("+00:00", "Z")
    assert written_date(text) == moment.date()


@pytest.mark.parametrize(
    "text, separator, expected",
    [("1.299", ",", Decimal("1299.00")), ("12.999", ",", Decimal("12999.00")), ("1,299", ".", Decimal("1299.00")),
     ("-1.234", ",", Decimal("-1234.00")), ("4,50", ",", Decimal("4.50"))],
)  # fmt: skip
def test_the_documents_decimal_separator_settles_three_digits_after_the_other_one(text, separator, expected):
    assert to_decimal(text, separator) == expected


@pytest.mark.parametrize("text, separator", [("1.299", "."), ("1,299", ","), ("0.005", ","), ("1.299", None)])
def test_three_digits_after_the_documents_own_decimal_separator_stay_refused(text, separator):
    with pytest.raises(CellError):
        to_decimal(text, separator)
