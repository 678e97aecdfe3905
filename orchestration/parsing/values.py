"""Typed values of flat-file cells, derived from the raw schema's column types.

Each converter takes the cell's text (never empty: empty cells are NULL before a converter runs) and
returns the Python value of the column's Arrow type, or raises :class:`CellError` with a short
explanation that the parser completes with the row, the column and the value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Any


class CellError(ValueError):
    """A malformed cell; carries the human explanation."""


_INT = re.compile(r"[+-]?\d+")


def to_int(value: str) -> int:
    v = value.strip()
    if not _INT.fullmatch(v):
        raise CellError("is not an integer")
    n = int(v)
    if not -(2**31) <= n < 2**31:
        raise CellError("is out of the INTEGER range")
    return n


def to_rating(value: str) -> int:
    """Feedback star rating: an integer 1-5 (the report carries 1-3)."""
    v = value.strip()
    if not v.isdigit():
        raise CellError("is not a rating (an integer 1-5)")
    n = int(v)
    if not 1 <= n <= 5:
        raise CellError("is outside the rating range 1-5")
    return n


_DEC_QUANT = Decimal("0.01")
_DEC_MAX = Decimal("9999999999999999.99")
_MONEY = re.compile(r"([+-]?)(\d*)(?:([.,])(\d*))?")


_UNAMBIGUOUS = re.compile(r"[+-]?\d*([.,])\d{1,2}")


def decimal_separators(cells) -> set[str]:
    """The decimal separators money cells show beyond doubt: one ``.`` or ``,`` with one or two digits after it."""
    found = set()
    for cell in cells:
        if cell and (m := _UNAMBIGUOUS.fullmatch(cell.strip())):
            found.add(m.group(1))
    return found


def to_decimal(value: str, decimal_separator: str | None = None) -> Decimal:
    """DECIMAL(18,2) of a money cell, exactly as written, or CellError; never rounded.

    Amazon writes plain decimals (``24.99``); EU sellers' files write a decimal comma (``12,50``). A
    value is taken only when its reading is certain and exact in two places:
    - one ``.`` or ``,`` with one or two digits after it is the decimal separator;
    - exactly three digits after it with one to three before (``1.299``, ``12.999``, ``1,299``) is either
      a thousands separator (1299) or three decimal places: refused as ambiguous, naming both readings,
      unless ``decimal_separator`` says which one the document writes (its other money cells show only
      that one: ``4,50`` beside ``1.234`` makes it 1234);
    - more places than two are refused unless they are zeros (``0.005`` is not a cent amount; ``4.5000``
      is 4.50); thousands separators with a decimal part (``1,024.50``, ``1.024,50``) are refused.
    """
    v = value.strip()
    m = _MONEY.fullmatch(v)
    if not m or not (m.group(2) or m.group(4)) or (m.group(3) and not m.group(4) and not m.group(2)):
        raise CellError("is not a decimal number")
    sign, whole, separator, places = m.groups()
    places = places or ""
    if len(places) == 3 and 1 <= len(whole) <= 3 and not whole.startswith("0"):
        if decimal_separator is not None and separator != decimal_separator:
            return Decimal(f"{sign}{whole}{places}.00")
        raise CellError(
            f"is ambiguous: {separator!r} before three digits is a thousands separator ({whole}{places}) or a decimal "
            f"separator ({whole}.{places}); refused rather than guess"
        )
    if len(places) > 2 and places[2:].strip("0"):
        raise CellError(f"has {len(places)} decimal places: not an amount DECIMAL(18,2) holds exactly (never rounded)")
    d = Decimal(f"{sign}{whole or '0'}.{(places + '00')[:2]}")
    if abs(d) > _DEC_MAX:
        raise CellError("does not fit DECIMAL(18,2)")
    return d


_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})


def to_bool(value: str) -> bool:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise CellError("is not a boolean (true/false, Y/N)")


def parse_iso_timestamp(value: str) -> datetime:
    """ISO 8601 with offset or Z (``2026-05-01T13:45:12+00:00``, ``2020-10-20T00:00Z``) -> UTC naive."""
    v = value.strip()
    if v.endswith(("Z", "z")):
        v = v[:-1] + "+00:00"
    parsed = datetime.fromisoformat(v)
    if parsed.tzinfo is None:
        return parsed
    return parsed.astimezone(UTC).replace(tzinfo=None)


def written_date(value: str) -> date:
    """The calendar date an ISO 8601 date or timestamp is written with, offset or not (no conversion to UTC).

    Amazon's report windows are calendar days of the marketplace: ``<end>2026-10-30T23:59:59-07:00</end>``
    ends on 30 October, although that moment is 31 October in UTC. ValueError when it is no ISO date.
    """
    v = value.strip()
    if v.endswith(("Z", "z")):
        v = v[:-1] + "+00:00"
    return datetime.fromisoformat(v).date()


def to_timestamp(value: str, naive_zone: tzinfo | None = None, on_naive: Callable[[], None] | None = None) -> datetime:
    """An ISO 8601 timestamp as naive UTC, or CellError.

    Amazon writes offsets (``2026-11-20T23:30:00+09:00``); a timestamp without one (a spreadsheet's
    re-save) is read in ``naive_zone`` -- the marketplace's time zone, in which Seller Central shows
    times -- and ``on_naive`` is called so the load log can say so; without a zone it is taken as UTC.
    """
    v = value.strip()
    if v.endswith(("Z", "z")):
        v = v[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(v)
        if parsed.tzinfo is None:
            if naive_zone is None:
                return parsed
            if on_naive is not None:
                on_naive()
            parsed = parsed.replace(tzinfo=naive_zone)
        return parsed.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise CellError("is not an ISO 8601 timestamp") from None


def to_str(value: str) -> str:
    return value


#: Converter per DDL type of the raw schema (DATE columns are read by orchestration.parsing.dates).
BY_DDL_TYPE: dict[str, Callable[[str], Any]] = {
    "VARCHAR": to_str,
    "INTEGER": to_int,
    "BIGINT": to_int,
    "DECIMAL(18,2)": to_decimal,
    "BOOLEAN": to_bool,
    "TIMESTAMP": to_timestamp,
}
