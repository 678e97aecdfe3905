"""Date columns of flat files: the format is read from the document itself.

Amazon does not document the date format of the feedback and returns reports per marketplace, and
real files disagree with every table connectors keep (field cases 07, 08, 11, 12). So the order of
day, month and year is inferred per column from its values:
- a numeric date ``a<sep>b<sep>c`` (``/``, ``.`` or ``-``) fits an order when its fields make a real
  date in that order: a year has 2 or 4 digits (``26/11/3`` cannot end in a year, so it is year-first),
  a month is 1-12, a day exists in its month (``13.11.26`` cannot be month-first);
- the orders that fit EVERY value of the column are the column's candidates: one left settles the
  column ("decided_by": "document", with the rows that ruled the others out), none left means the
  column mixes orders and the document is refused naming the rows;
- when several fit every value (``25/11/26`` is day-first or year-first), another date column of the
  same document that the document settled decides; only when all are ambiguous does the
  marketplace's usual format from the catalogue decide ("decided_by": "catalogue"), and the load log
  says so. A usual format that fits none of the candidates refuses the document: day and month are
  never swapped on a guess.
- dates with an English month name (``10-Jul-2025``, ``12 Aug 2026``, ``Jul 10, 2025``; returns reports
  write them in every marketplace) and ISO dates or timestamps (``2026-11-25``, ``2026-11-25T10:00:00Z``,
  whose written date is taken) state their order themselves.
Two-digit years are 20yy: SP-API reports start in 2020.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

ORDERS = ("DMY", "MDY", "YMD")
ORDER_WORDS = {"DMY": "day-first", "MDY": "month-first", "YMD": "year-first"}

_NUMERIC = re.compile(r"^(\d{1,4})([./\-])(\d{1,2})\2(\d{1,4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$", re.IGNORECASE)
_NAMED_DAY_FIRST = re.compile(r"^(\d{1,2})[\s\-./]+([A-Za-z]{3,9})\.?[\s\-./,]+(\d{4}|\d{2})$")
_NAMED_MONTH_FIRST = re.compile(r"^([A-Za-z]{3,9})\.?[\s\-./]+(\d{1,2}),?[\s\-./]+(\d{4}|\d{2})$")
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name} | {
    name.lower(): i for i, name in enumerate(calendar.month_name) if name
}
_MONTHS["sept"] = 9


class DateValueError(ValueError):
    """A value that is no date in any supported format (the message explains)."""


@dataclass(frozen=True)
class _Numeric:
    a: str
    sep: str
    b: str
    c: str


def _year(token: str) -> int | None:
    if len(token) == 4:
        return int(token)
    if len(token) == 2:
        return 2000 + int(token)
    return None  # a year is never written with 1 or 3 digits


def _make(year: int | None, month: int, day: int) -> date | None:
    if year is None or not 1 <= month <= 12:
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def numeric_date(value: _Numeric, order: str) -> date | None:
    """The date ``value`` means in ``order``, or None when it is no real date in that order."""
    a, b, c = value.a, value.b, value.c
    if order == "DMY":
        return _make(_year(c), int(b), int(a)) if len(a) <= 2 else None
    if order == "MDY":
        return _make(_year(c), int(a), int(b)) if len(a) <= 2 else None
    return _make(_year(a), int(b), int(c)) if len(c) <= 2 else None


def _named(value: str) -> tuple[date, str] | None:
    m = _NAMED_DAY_FIRST.match(value)
    if m:
        day, month, year, fmt = m.group(1), m.group(2), m.group(3), "%d-%b-%Y"
    else:
        m = _NAMED_MONTH_FIRST.match(value)
        if not m:
            return None
        month, day, year, fmt = m.group(1), m.group(2), m.group(3), "%b %d, %Y"
    number = _MONTHS.get(month.lower())
    if number is None:
        return None
    made = _make(_year(year), number, int(day))
    if made is None:
        return None
    return made, fmt if len(year) == 4 else fmt.replace("%Y", "%y")


def tokenize(value: str) -> _Numeric | tuple[date, str]:
    """A numeric date still to be ordered, or (date, format) of a self-describing one."""
    v = value.strip()
    m = _ISO.match(v)
    if m:
        made = _make(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if made is None:
            raise DateValueError("is not a real date")
        return made, "%Y-%m-%d"
    m = _NUMERIC.match(v)
    if m:
        return _Numeric(m.group(1), m.group(2), m.group(3), m.group(4))
    named = _named(v)
    if named is not None:
        return named
    raise DateValueError(
        "is not a date (expected day, month and year as numbers separated by / . or -, an English month name "
        "such as 10-Jul-2025, or an ISO date)"
    )


def format_of(value: _Numeric, order: str) -> str:
    """strftime-like format of a numeric value in ``order`` (``%d.%m.%y``); unpadded fields read the same."""
    year = "%Y" if len(value.c if order != "YMD" else value.a) == 4 else "%y"
    parts = {"DMY": ("%d", "%m", year), "MDY": ("%m", "%d", year), "YMD": (year, "%m", "%d")}[order]
    return value.sep.join(parts)


def usual_order(strftime_format: str) -> str | None:
    """DMY / MDY / YMD of a catalogue format such as ``%d.%m.%y``; None for a format with a month name."""
    positions = {k: strftime_format.find(k) for k in ("%d", "%m")}
    year = max(strftime_format.find("%y"), strftime_format.find("%Y"))
    if min(positions.values()) < 0 or year < 0:
        return None
    ranked = sorted([("D", positions["%d"]), ("M", positions["%m"]), ("Y", year)], key=lambda x: x[1])
    order = "".join(k for k, _ in ranked)
    return order if order in ORDERS else None


@dataclass
class DateColumn:
    """Evidence about one date column gathered over the whole document (first pass)."""

    column: str
    header: str
    candidates: set[str] = field(default_factory=lambda: set(ORDERS))
    ruled_out: dict[str, tuple[int, str]] = field(default_factory=dict)
    """order -> (row, value) of the first value that does not fit it."""
    formats: Counter = field(default_factory=Counter)
    """numeric shapes seen: (sep, digits of first field, digits of last field) -> count."""
    named_formats: Counter = field(default_factory=Counter)
    first_numeric: _Numeric | None = None

    def observe(self, value: str, row: int) -> None:
        """Take one non-empty value into account; DateValueError when it is no date at all."""
        token = tokenize(value)
        if isinstance(token, tuple):
            self.named_formats[token[1]] += 1
            return
        fits = {order for order in ORDERS if numeric_date(token, order) is not None}
        if not fits:
            raise DateValueError("is not a real date in any order of day, month and year")
        if self.first_numeric is None:
            self.first_numeric = token
        self.formats[(token.sep, len(token.a) == 4, len(token.c) == 4)] += 1
        self.candidates &= fits
        for order in set(ORDERS) - fits:
            self.ruled_out.setdefault(order, (row, value.strip()))

    @property
    def has_numeric(self) -> bool:
        return self.first_numeric is not None

    def evidence(self) -> str:
        return "; ".join(
            f"{ORDER_WORDS[o]} ruled out by row {row} ({value!r})" for o, (row, value) in sorted(self.ruled_out.items())
        )


@dataclass(frozen=True)
class DateDecision:
    """How one date column is read: its order (None: only self-describing values), format and why."""

    order: str | None
    format: str
    decided_by: str
    evidence: str

    def as_fact(self) -> dict[str, str]:
        return {"format": self.format, "decided_by": self.decided_by, "evidence": self.evidence}

    def convert(self, value: str) -> date:
        token = tokenize(value)
        if isinstance(token, tuple):
            return token[0]
        made = numeric_date(token, self.order) if self.order else None
        if made is None:
            raise DateValueError(f"is not a date in this column's format {self.format}")
        return made


class MixedDateOrders(ValueError):
    """No single order of day, month and year fits every value of a column."""


def decide(columns: list[DateColumn], usual: str | None, usual_format: str | None) -> dict[str, DateDecision]:
    """The reading of every date column of one document (see the module docstring for the rules).

    Raises MixedDateOrders (naming the column and the rows) or ValueError (ambiguous and the usual
    format fits none of the candidates).
    """
    decided: dict[str, DateDecision] = {}
    ambiguous: list[DateColumn] = []
    for col in columns:
        if not col.has_numeric and not col.named_formats:
            continue  # no values: nothing to read, nothing to record
        if not col.has_numeric:
            fmt = " | ".join(sorted(col.named_formats))
            decided[col.column] = DateDecision(None, fmt, "document", "dates state their own order")
        elif not col.candidates:
            raise MixedDateOrders(
                f"column {col.header!r} mixes date orders: no order of day, month and year fits every row "
                f"({col.evidence()})"
            )
        elif len(col.candidates) == 1:
            (order,) = col.candidates
            decided[col.column] = DateDecision(order, _format(col, order), "document", col.evidence())
        else:
            ambiguous.append(col)
    proven = {d.order for d in decided.values() if d.order and d.decided_by == "document"}
    for col in ambiguous:
        peers = col.candidates & proven
        if len(peers) == 1:
            (order,) = peers
            source = next(c for c, d in decided.items() if d.order == order)
            decided[col.column] = DateDecision(
                order, _format(col, order), "document", f"every value fits several orders; column {source} settles it"
            )
        elif usual in col.candidates:
            decided[col.column] = DateDecision(
                usual,
                _format(col, usual),
                "catalogue",
                f"every value fits {' or '.join(ORDER_WORDS[o] for o in sorted(col.candidates))}; the marketplace's "
                f"usual format {usual_format} decided",
            )
        else:
            raise ValueError(
                f"column {col.header!r} is ambiguous (every value fits "
                f"{' or '.join(ORDER_WORDS[o] for o in sorted(col.candidates))}) and the marketplace's usual format "
                f"{usual_format} fits none of them: refused rather than guess day and month"
            )
    return decided


def _format(col: DateColumn, order: str) -> str:
    assert col.first_numeric is not None
    formats = [format_of(col.first_numeric, order)] + sorted(col.named_formats)
    return " | ".join(dict.fromkeys(formats))
