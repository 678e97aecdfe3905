"""Buyer PII rules: which flat-file columns are dropped, which are salted-hashed, and the hash.

Buyer names, emails, phones and addresses never reach tables BI tools read (DESIGN.md section 6).
The rules work on the snake_case column name (see ``orchestration.spapi.parsers.snake_case``), so
they also catch columns Amazon adds later (``buyer-phone-number``, ``ship-address-3``, ``bill-*``).

- emails (any column whose name mentions e-mail) are kept only as a salted SHA-256 in
  ``<column>_hash`` so that the same buyer can still be counted without being identified;
- names, phones, addresses, cities and postal codes are dropped outright.

The parser applies these rules both to known columns and to unknown extra columns (which would
otherwise land in ``extra_columns`` JSON), so nothing personal slips through an unexpected header.
"""

from __future__ import annotations

import hashlib
import re
from typing import Literal

PiiAction = Literal["keep", "drop", "hash"]

#: Columns that are PII by name, whatever else the rules say.
ALWAYS_DROP = frozenset(
    {
        "ship_city",
        "ship_postal_code",
        "ship_zip",
        "ship_to_city",
        "ship_to_postal_code",
    }
)

#: Columns that look personal but are not (kept even though a rule would match them).
NEVER_PII = frozenset(
    {
        "product_name",
        "item_name",
        "ship_service_level",
        "ship_state",
        "ship_country",
        "sales_channel",
        "order_channel",
    }
)

_EMAIL = re.compile(r"e_?mail|courriel|correo")
_PHONE = re.compile(r"phone|telefon|téléphone|telefono|teléfono")
_ADDRESS = re.compile(r"address|adresse|anschrift|indirizzo|direcci[oó]n|street|strasse|straße")
_POSTAL = re.compile(r"postal|postcode|zip_?code|(^|_)zip$|(^|_)plz$|code_postal|(^|_)cap$")
_CITY = re.compile(r"(^|_)(city|stadt|ville|citt[aà]|ciudad)($|_)")
_PERSON = re.compile(
    r"buyer|recipient|customer|purchaser|rater|käufer|kaeufer|empfänger|empfaenger|kunde|acheteur"
    r"|destinataire|client|acquirente|comprador|destinatario"
)
_NAME = re.compile(r"(^|_)(name|nom|vorname|nachname|nome|nombre|first_name|last_name|full_name)($|_)")
_BILL = re.compile(r"^bill(ing)?_")
_SHIP_TO_NAME = re.compile(r"^ship(_to)?_(name|first|last)")


def classify_column(column: str) -> PiiAction:
    """What to do with a flat-file column, given its snake_case name."""
    col = column.strip().lower()
    if col in NEVER_PII:
        return "keep"
    if col.endswith("_hash"):
        return "keep"
    if _EMAIL.search(col):
        return "hash"
    if col in ALWAYS_DROP:
        return "drop"
    if _BILL.search(col) or _SHIP_TO_NAME.search(col):
        return "drop"
    if _PHONE.search(col) or _ADDRESS.search(col) or _POSTAL.search(col):
        return "drop"
    if _CITY.search(col):
        return "drop"
    if _NAME.search(col) and (_PERSON.search(col) or col.startswith(("ship", "bill"))):
        return "drop"
    if _NAME.search(col) and col in {"name", "nom", "nome", "nombre", "vorname", "nachname"}:
        return "drop"
    return "keep"


def hashed_column_name(column: str) -> str:
    """``rater_email`` -> ``rater_email_hash``."""
    return f"{column}_hash"


def normalize_identifier(value: str) -> str:
    """Emails compare case-insensitively and without surrounding blanks."""
    return value.strip().casefold()


def salted_hash(value: str | None, salt: str) -> str | None:
    """Salted SHA-256 (hex) of a buyer identifier; None/blank stays None.

    The value is normalized (trimmed, case-folded) so that ``A@x.com`` and ``a@x.com `` hash the
    same. The salt comes from ``AHW_PII_SALT``; an empty salt is refused, since an unsalted hash of
    an email is trivially reversible by dictionary.
    """
    if not salt:
        raise ValueError("a non-empty salt is required to hash buyer identifiers")
    if value is None:
        return None
    normalized = normalize_identifier(value)
    if not normalized:
        return None
    return hashlib.sha256(f"{salt}\x00{normalized}".encode()).hexdigest()
