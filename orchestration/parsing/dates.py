"""Date columns of flat files: the format is read from the document itself.

Amazon does not document the date format of the feedback and returns reports per marketplace, and
real files disagree with every table connectors keep (field cases 07, 08, 11, 12). So the order of
day, month and year is inferred per column from its values:
- a numeric date ``a<sep>b<sep>c`` (``/``, ``.`` or ``-``, optionally followed by a time of day)
  *fits* an order when its fields can be day, month and year in that order: a year has 2 or 4 digits
  (``26/11/3`` cannot end in a year, so it is year-first), a month is 1-12, a day 1-31 (``13.11.26``
  cannot be month-first), and a two-digit year is a year SP-API data can carry: 2020 (the first
  SP-API reports) to next year (nothing is dated later than the report). So ``13/11/26`` cannot be
  year-first (2013) and ``31/02/26`` cannot be year-first (2031): with two-digit years, a day below 20
  or above next year's two digits settles the order as a day above 12 does for day and month;
- whether the date exists in its month is NOT evidence about the order: ``31/02/26`` is a typo in a
  day-first column, and an impossible date never moves a column to another order -- the row is
  refused (named, with its value) once the column's order is known;
- the orders that fit EVERY value of the column are the column's candidates: one left settles the
  column ("decided_by": "document", with the rows that ruled the others out), none left means the
  column mixes orders and the document is refused naming the rows;
- when several fit every value (``25/11/26`` is day-first, or year-first for 2025), another date column of the
  same document that the document settled decides; only when all are ambiguous does the
  marketplace's usual format from the catalogue decide ("decided_by": "catalogue"), and the load log
  says so (and when the usual format is not even the shape of the document's values). A usual format
  that fits none of the candidates refuses the document: day and month are never swapped on a guess.
- dates with a month name (``10-Jul-2025``, ``12 Aug 2026``, ``Jul 10, 2025``; returns reports write them
  in every marketplace; also the month names and abbreviations of the catalogue's languages, such as
  ``3 déc. 2026``, ``10-Okt-2026``, ``3 de dez. de 2026``), ISO dates or timestamps (``2026-11-25``,
  ``2026-11-25T10:00:00Z``, whose written date is taken) and Japanese/Chinese ``2026年11月25日`` state
  their order themselves.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

ORDERS = ("DMY", "MDY", "YMD")
ORDER_WORDS = {"DMY": "day-first", "MDY": "month-first", "YMD": "year-first"}

#: The first year SP-API data can carry (the API opened in 2020); a two-digit year is 20yy from here.
EARLIEST_YEAR = 2020

#: An optional time of day after a date (``11/25/2026 10:15:00``, ``... 10:15 PM PST``): the written date is taken.
_TIME = r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?(?:\s*(?:Z|[A-Z]{2,5}|[+-]\d{2}:?\d{2}))?)?"
_NUMERIC = re.compile(r"^(\d{1,4})([./\-])(\d{1,2})\2(\d{1,4})" + _TIME + "$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$", re.IGNORECASE)
_CJK = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日" + _TIME + "$")
_WORD = r"([^\W\d_]{3,12})"
_NAMED_DAY_FIRST = re.compile(
    r"^(\d{1,2})\.?[\s\-./]+(?:de\s+)?" + _WORD + r"\.?[\s\-./,]+(?:de\s+)?(\d{4}|\d{2})" + _TIME + "$"
)
_NAMED_MONTH_FIRST = re.compile(r"^" + _WORD + r"\.?[\s\-./]+(\d{1,2}),?[\s\-./]+(\d{4}|\d{2})" + _TIME + "$")

#: Month names and abbreviations per language of the catalogue (accents and case ignored, a trailing
#: dot allowed). Sources: the CLDR month names (wide and abbreviated, format and stand-alone forms)
#: of each locale; Polish also in the genitive that dates use (``3 grudnia 2026``).
MONTH_NAMES: dict[str, tuple[tuple[str, ...], ...]] = {
    "en": (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
           ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
           ("oct", "october"), ("nov", "november"), ("dec", "december")),
    "de": (("jan", "januar", "jän", "jänner"), ("feb", "februar"), ("mär", "märz", "mrz"), ("apr", "april"),
           ("mai",), ("jun", "juni"), ("jul", "juli"), ("aug", "august"), ("sep", "sept", "september"),
           ("okt", "oktober"), ("nov", "november"), ("dez", "dezember")),
    "fr": (("janv", "janvier"), ("févr", "fév", "février"), ("mars",), ("avr", "avril"), ("mai",), ("juin",),
           ("juil", "juillet"), ("août",), ("sept", "septembre"), ("oct", "octobre"), ("nov", "novembre"),
           ("déc", "décembre")),
    "it": (("gen", "gennaio"), ("feb", "febbraio"), ("mar", "marzo"), ("apr", "aprile"), ("mag", "maggio"),
           ("giu", "giugno"), ("lug", "luglio"), ("ago", "agosto"), ("set", "settembre"), ("ott", "ottobre"),
           ("nov", "novembre"), ("dic", "dicembre")),
    "es": (("ene", "enero"), ("feb", "febrero"), ("mar", "marzo"), ("abr", "abril"), ("may", "mayo"),
           ("jun", "junio"), ("jul", "julio"), ("ago", "agosto"), ("sep", "sept", "septiembre", "setiembre"),
           ("oct", "octubre"), ("nov", "noviembre"), ("dic", "diciembre")),
    "pt": (("jan", "janeiro"), ("fev", "fevereiro"), ("mar", "março"), ("abr", "abril"), ("mai", "maio"),
           ("jun", "junho"), ("jul", "julho"), ("ago", "agosto"), ("set", "setembro"), ("out", "outubro"),
           ("nov", "novembro"), ("dez", "dezembro")),
    "nl": (("jan", "januari"), ("feb", "februari"), ("mrt", "maart"), ("apr", "april"), ("mei",),
           ("jun", "juni"), ("jul", "juli"), ("aug", "augustus"), ("sep", "sept", "september"),
           ("okt", "oktober"), ("nov", "november"), ("dec", "december")),
    "sv": (("jan", "januari"), ("feb", "februari"), ("mar", "mars"), ("apr", "april"), ("maj",),
           ("jun", "juni"), ("jul", "juli"), ("aug", "augusti"), ("sep", "sept", "september"),
           ("okt", "oktober"), ("nov", "november"), ("dec", "december")),
    "pl": (("sty", "styczeń", "stycznia"), ("lut", "luty", "lutego"), ("mar", "marzec", "marca"),
           ("kwi", "kwiecień", "kwietnia"), ("maj", "maja"), ("cze", "czerwiec", "czerwca"),
           ("lip", "lipiec", "lipca"), ("sie", "sierpień", "sierpnia"), ("wrz", "wrzesień", "września"),
           ("paź", "październik", "października"), ("lis", "listopad", "listopada"),
           ("gru", "grudzień", "grudnia")),
    "tr": (("oca", "ocak"), ("şub", "şubat"), ("mar", "mart"), ("nis", "nisan"), ("may", "mayıs"),
           ("haz", "haziran"), ("tem", "temmuz"), ("ağu", "ağustos"), ("eyl", "eylül"), ("eki", "ekim"),
           ("kas", "kasım"), ("ara", "aralık")),
}  # fmt: skip


def month_key(word: str) -> str:
    """A month word compared accent- and case-insensitively (``Déc.`` = ``dec``; Turkish ``ı`` = ``i``)."""
    text = unicodedata.normalize("NFKD", word.strip().rstrip("."))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().replace("ı", "i")


def _month_table() -> dict[str, int]:
    table: dict[str, int] = {}
    for language, months in MONTH_NAMES.items():
        for number, words in enumerate(months, 1):
            for word in words:
                key = month_key(word)
                if table.setdefault(key, number) != number:
                    raise ValueError(f"month word {word!r} ({language}) means month {table[key]} in another language")
    return table


_MONTHS = _month_table()


def latest_plausible_year(today: date | None = None) -> int:
    """The last year a two-digit year may mean: next year (reports are never dated later)."""
    return (today or datetime.now(UTC).date()).year + 1


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


def _fields(value: _Numeric, order: str) -> tuple[str, str, str]:
    """(day, month, year) tokens of ``value`` read in ``order``."""
    a, b, c = value.a, value.b, value.c
    return {"DMY": (a, b, c), "MDY": (b, a, c), "YMD": (c, b, a)}[order]


def fits(value: _Numeric, order: str, latest_year: int | None) -> bool:
    """Whether ``value``'s fields can be day, month and year in ``order`` (see the module docstring).

    A day is 1-31 whatever the month: that the date exists is checked once the order is known, so a
    typo such as 31 February never counts as evidence for another order. ``latest_year`` None leaves
    two-digit years unbounded (only to explain a refusal).
    """
    day, month, year_token = _fields(value, order)
    if len(day) > 2 or len(month) > 2 or not 1 <= int(month) <= 12 or not 1 <= int(day) <= 31:
        return False
    year = _year(year_token)
    if year is None:
        return False
    return len(year_token) == 4 or latest_year is None or EARLIEST_YEAR <= year <= latest_year


def numeric_date(value: _Numeric, order: str) -> date | None:
    """The date ``value`` means in ``order``, or None when it is no real date in that order."""
    day, month, year_token = _fields(value, order)
    if len(day) > 2 or len(month) > 2:
        return None
    return _make(_year(year_token), int(month), int(day))


def _plausible_two_digit(year_token: str, latest_year: int) -> bool:
    return len(year_token) != 2 or EARLIEST_YEAR <= 2000 + int(year_token) <= latest_year


def _named(value: str, latest_year: int) -> tuple[date, str] | None:
    m = _NAMED_DAY_FIRST.match(value)
    if m:
        day, month, year, fmt = m.group(1), m.group(2), m.group(3), "%d-%b-%Y"
    else:
        m = _NAMED_MONTH_FIRST.match(value)
        if not m:
            return None
        month, day, year, fmt = m.group(1), m.group(2), m.group(3), "%b %d, %Y"
    number = _MONTHS.get(month_key(month))
    if number is None:
        raise DateValueError(
            f"has a month word {month!r} that is no month name or abbreviation of the catalogue's languages"
        )
    if not _plausible_two_digit(year, latest_year):
        raise DateValueError(_YEAR_RANGE.format(latest=latest_year))
    made = _make(_year(year), number, int(day))
    if made is None:
        raise DateValueError("is not a real date")
    return made, fmt if len(year) == 4 else fmt.replace("%Y", "%y")


_YEAR_RANGE = (
    f"has a two-digit year outside {EARLIEST_YEAR}-{{latest}} (SP-API data starts in {EARLIEST_YEAR} and no report "
    "is dated after next year)"
)


def tokenize(value: str, latest_year: int | None = None) -> _Numeric | tuple[date, str]:
    """A numeric date still to be ordered, or (date, format) of a self-describing one."""
    latest = latest_year or latest_plausible_year()
    v = value.strip()
    m = _ISO.match(v) or _CJK.match(v)
    if m:
        made = _make(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if made is None:
            raise DateValueError("is not a real date")
        return made, "%Y-%m-%d" if m.re is _ISO else "%Y年%m月%d日"
    m = _NUMERIC.match(v)
    if m:
        return _Numeric(m.group(1), m.group(2), m.group(3), m.group(4))
    named = _named(v, latest)
    if named is not None:
        return named
    raise DateValueError(
        "is not a date (expected day, month and year as numbers separated by / . or -, a month name such as "
        "10-Jul-2025 or 3 déc. 2026, an ISO date, or 2026年11月25日)"
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
    latest_year: int = field(default_factory=latest_plausible_year)
    """The last year a two-digit year may mean (next year; tests pin it)."""
    candidates: set[str] = field(default_factory=lambda: set(ORDERS))
    ruled_out: dict[str, tuple[int, str]] = field(default_factory=dict)
    """order -> (row, value) of the first value that does not fit it."""
    formats: Counter = field(default_factory=Counter)
    """numeric shapes seen: (sep, first field has 4 digits, last field has 4 digits) -> count."""
    named_formats: Counter = field(default_factory=Counter)
    first_numeric: _Numeric | None = None

    def observe(self, value: str, row: int) -> None:
        """Take one non-empty value into account; DateValueError when it is no date in any order."""
        token = tokenize(value, self.latest_year)
        if isinstance(token, tuple):
            self.named_formats[token[1]] += 1
            return
        fitting = {order for order in ORDERS if fits(token, order, self.latest_year)}
        if not fitting:
            if any(fits(token, order, None) for order in ORDERS):
                raise DateValueError(_YEAR_RANGE.format(latest=self.latest_year))
            raise DateValueError("is not a real date in any order of day, month and year")
        if self.first_numeric is None:
            self.first_numeric = token
        self.formats[(token.sep, len(token.a) == 4, len(token.c) == 4)] += 1
        self.candidates &= fitting
        for order in set(ORDERS) - fitting:
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
    latest_year: int = field(default_factory=latest_plausible_year)

    def as_fact(self) -> dict[str, str]:
        return {"format": self.format, "decided_by": self.decided_by, "evidence": self.evidence}

    def convert(self, value: str) -> date:
        """The date ``value`` means in this column; DateValueError for a date that does not exist (31/02)."""
        token = tokenize(value, self.latest_year)
        if isinstance(token, tuple):
            return token[0]
        made = numeric_date(token, self.order) if self.order else None
        if made is None:
            if self.order and fits(token, self.order, self.latest_year):
                day, month, year = _fields(token, self.order)
                raise DateValueError(
                    f"is not a real date: month {int(month)} of {_year(year)} has no day {int(day)} (this column is "
                    f"{ORDER_WORDS[self.order]}, {self.format}); the column's order is not changed for it"
                )
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
            decided[col.column] = DateDecision(None, fmt, "document", "dates state their own order", col.latest_year)
        elif not col.candidates:
            raise MixedDateOrders(
                f"column {col.header!r} mixes date orders: no order of day, month and year fits every row "
                f"({col.evidence()})"
            )
        elif len(col.candidates) == 1:
            (order,) = col.candidates
            decided[col.column] = DateDecision(order, _format(col, order), "document", col.evidence(), col.latest_year)
        else:
            ambiguous.append(col)
    proven = {d.order for d in decided.values() if d.order and d.decided_by == "document"}
    for col in ambiguous:
        peers = col.candidates & proven
        if len(peers) == 1:
            (order,) = peers
            source = next(c for c, d in decided.items() if d.order == order)
            decided[col.column] = DateDecision(
                order, _format(col, order), "document", f"every value fits several orders; column {source} settles it",
                col.latest_year,
            )  # fmt: skip
        elif usual in col.candidates:
            decided[col.column] = DateDecision(
                usual,
                _format(col, usual),
                "catalogue",
                f"every value fits {' or '.join(ORDER_WORDS[o] for o in sorted(col.candidates))}; the marketplace's "
                f"usual format {usual_format} decided" + _shape_note(col, usual, usual_format),
                col.latest_year,
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


def _shape_note(col: DateColumn, order: str, usual_format: str | None) -> str:
    """A note when the usual format is not the shape of the document's values (other separator, year width)."""
    assert col.first_numeric is not None
    written = _format(col, order).split(" | ")[0]
    if usual_format is None or written == usual_format:
        return ""
    return f" (its shape differs from the document's {written}: check the dates)"
