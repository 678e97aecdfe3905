"""How each (account, marketplace) writes its flat files: date formats, text encoding, declared charset.

Why it exists: Amazon does not document the feedback report's date format per marketplace, real
returns reports write dates as ``10-Jul-2025`` in every marketplace, and flat files come in the
marketplace's code page. The sandbox spreads these over its accounts deterministically so that
every format class reaches the parser in a normal run (the demo and the end-to-end tests):

==================  ===  ======================================  ==========================================
account             mkt  feedback ``Date``                       returns dates (order, request, delivery)
==================  ===  ======================================  ==========================================
acme-home           US   catalogue ``%m/%d/%y`` (11/25/26)       day-Mon-year ``25-Nov-2026``
acme-home           CA   catalogue ``%m/%d/%y``                  catalogue ``%m/%d/%Y`` (11/25/2026)
brightline-outdoor  GB   catalogue ``%d/%m/%y`` (25/11/26)       day-Mon-year
brightline-outdoor  DE   catalogue ``%d.%m.%y`` (25.11.26)       catalogue ``%d.%m.%Y`` (25.11.2026)
brightline-outdoor  FR   catalogue ``%d/%m/%y``                  day-Mon-year
brightline-outdoor  NL   catalogue ``%d-%m-%y`` (25-11-26)       catalogue ``%d-%m-%Y`` (25-11-2026)
cobalt-gadgets      US   catalogue ``%m/%d/%y``                  catalogue ``%m/%d/%Y``
cobalt-gadgets      MX   catalogue ``%d/%m/%y``                  day-Mon-year
hinoki-kitchen      JP   two-digit year first, no zero padding   catalogue ``%Y/%m/%d`` (2026/11/25)
                         ``26/11/3`` (as real JP accounts send)
hinoki-kitchen      AU   catalogue ``%d/%m/%y``                  day-Mon-year
==================  ===  ======================================  ==========================================

Numeric dates keep the order of day, month and year of the catalogue's usual format of the
marketplace, so a document whose dates are all ambiguous (every day <= 12) still means what the
catalogue says; a month written as a name is never ambiguous.

Encodings: flat files are encoded in the catalogue's ``flat_file_encoding`` of the marketplace and
the download response declares it in ``Content-Type`` the way Amazon's pre-signed URLs do --
``text/plain; charset=utf8`` (NA and UTF-8 marketplaces), ``text/plain; charset=Cp1252`` (EU
code-page marketplaces), ``text/plain; charset=Windows-31J`` (JP: Java's name of Windows code page
932, the Shift_JIS variant Amazon writes; python-amazon-sp-api maps exactly this name to ``cp932``).
The JSON and XML reports are UTF-8 everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from orchestration.catalogue import marketplace

#: English month abbreviations of the ``%b`` token, independent of the process locale.
MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: Day, English month abbreviation, four-digit year: how real returns reports write their dates.
DAY_MONTH_NAME_YEAR = "%d-%b-%Y"
#: Two-digit year first, month and day without zero padding (``26/11/3``), seen in JP feedback.
SHORT_YEAR_FIRST_UNPADDED = "%y/%-m/%-d"


@dataclass(frozen=True)
class DateFormats:
    feedback: str
    """Format of the feedback report's ``Date`` (strftime, plus ``%-m``/``%-d`` for unpadded fields)."""
    returns: str
    """Format of the returns report's date columns."""


#: (account, marketplace) -> formats that differ from the catalogue's usual ones (see the table above).
_OVERRIDES: dict[tuple[str, str], dict[str, str]] = {
    ("acme-home", "ATVPDKIKX0DER"): {"returns": DAY_MONTH_NAME_YEAR},
    ("brightline-outdoor", "A1F83G8C2ARO7P"): {"returns": DAY_MONTH_NAME_YEAR},
    ("brightline-outdoor", "A13V1IB3VIYZZH"): {"returns": DAY_MONTH_NAME_YEAR},
    ("cobalt-gadgets", "A1AM78C64UM0Y8"): {"returns": DAY_MONTH_NAME_YEAR},
    ("hinoki-kitchen", "A1VC38T7YXB528"): {"feedback": SHORT_YEAR_FIRST_UNPADDED},
    ("hinoki-kitchen", "A39IBJ37TRP1C6"): {"returns": DAY_MONTH_NAME_YEAR},
}


def date_formats(account_name: str, marketplace_id: str) -> DateFormats:
    """The date formats one account's documents use in one marketplace (catalogue's, unless overridden)."""
    mkt = marketplace(marketplace_id)
    chosen = {"feedback": mkt.feedback_date_format, "returns": mkt.returns_date_format}
    chosen.update(_OVERRIDES.get((account_name, marketplace_id), {}))
    return DateFormats(**chosen)


def render_date(day: date, fmt: str) -> str:
    """``day`` written in ``fmt``: strftime tokens, ``%b`` always English, ``%-m``/``%-d`` unpadded."""
    fmt = fmt.replace("%b", MONTH_ABBREVIATIONS[day.month - 1])
    fmt = fmt.replace("%-m", str(day.month)).replace("%-d", str(day.day))
    return day.strftime(fmt)


@dataclass(frozen=True)
class TextEncoding:
    codec: str
    """Python codec the bytes are written with."""
    charset: str
    """The charset name Amazon's download response declares in ``Content-Type``."""

    @property
    def content_type(self) -> str:
        return f"text/plain; charset={self.charset}"


#: Catalogue encoding name -> how it is written and declared (see the module docstring for sources).
_ENCODINGS = {
    "UTF-8": TextEncoding("utf-8", "utf8"),
    "Cp1252": TextEncoding("cp1252", "Cp1252"),
    "Shift_JIS": TextEncoding("cp932", "Windows-31J"),
}
UTF8 = _ENCODINGS["UTF-8"]
#: JSON and XML reports: UTF-8, declared as such.
STRUCTURED = TextEncoding("utf-8", "UTF-8")


def flat_file_encoding(marketplace_id: str) -> TextEncoding:
    """The encoding of the marketplace's flat files (from the catalogue's ``flat_file_encoding``).

    Raises ValueError when the catalogue names an encoding the sandbox cannot write.
    """
    name = marketplace(marketplace_id).flat_file_encoding
    try:
        return _ENCODINGS[name]
    except KeyError:
        raise ValueError(f"sandbox cannot write flat files in {name!r} (marketplace {marketplace_id})") from None
