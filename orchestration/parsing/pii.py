"""Buyer PII rules: which flat-file columns are dropped, which are salted-hashed, and the hash.

Buyer names, emails, phones and addresses never reach tables BI tools read (docs/amazon.md, "Buyer data").
The rules work on the snake_case column name (see ``orchestration.parsing.headers.snake_case``), so
they also catch columns Amazon adds later (``buyer-phone-number``, ``ship-address-3``, ``bill-*``) and
headers in the marketplace's language (Amazon localizes headers: German, French, Italian, Spanish,
Dutch, Swedish, Polish, Turkish, Portuguese, Japanese and Chinese words are covered).

- emails (any column whose name mentions e-mail) are kept only as a salted SHA-256 in
  ``<column>_hash`` so that the same buyer can still be counted without being identified;
- names, phones, addresses, cities and postal codes are dropped outright.

The parser applies these rules both to known columns and to unknown extra columns (which would
otherwise land in ``extra_columns`` JSON), so nothing personal slips through an unexpected header.
Rows kept aside in ``raw.rejected_rows`` are redacted too (:func:`redact_row`): e-mail addresses
anywhere in the text become their salted hash, fields of dropped columns become ``<redacted>``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
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

_EMAIL = re.compile(r"e_?mail|courriel|correo|e_?post|メール|邮件|邮箱|البريد")
_PHONE = re.compile(r"phone|telefon|téléphone|telefono|teléfono|telefoon|電話|电话|هاتف")
_ADDRESS = re.compile(
    r"address|adresse|anschrift|indirizzo|direcci[oó]n|endere[cç]o|adres|street|strasse|straße|住所|地址|عنوان"
)
_POSTAL = re.compile(
    r"postal|postcode|zip_?code|(^|_)zip$|(^|_)plz$|code_postal|(^|_)cap$|postnummer|kod_pocztowy|posta_kodu"
    r"|(^|_)cep$|郵便番号|邮编|邮政编码"
)
_CITY = re.compile(r"(^|_)(city|stadt|ville|citt[aà]|ciudad|cidade|stad|miasto|şehir|sehir|ort)($|_)|市区町村|城市")
_PERSON = re.compile(
    r"buyer|recipient|customer|purchaser|rater|käufer|kaeufer|empfänger|empfaenger|kunde|acheteur"
    r"|destinataire|client|acquirente|comprador|destinatario|koper|ontvanger|köpare|mottagare|kupuj[aą]cy"
    r"|odbiorca|al[ıi]c[ıi]|購入者|受取人|买家|收件人"
)
_NAME = re.compile(
    r"(^|_)(name|nom|vorname|nachname|nome|nombre|naam|namn|imi[eę]|nazwisko|ad[ıi]|soyad[ıi]|first_name"
    r"|last_name|full_name)($|_)|氏名|名前|姓名"
)
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


#: An e-mail address anywhere in a text (used on rows kept aside, whose columns cannot be trusted).
EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
REDACTED = "<redacted>"


def redact_row(fields: list[str], drop_positions: Iterable[int], salt: str) -> str:
    """A row kept aside, safe to store: dropped-PII fields redacted, e-mail addresses salted-hashed.

    ``drop_positions`` are the field indexes that would be dropped had the row fit the header; the
    caller widens them by the row's shift (a row with an extra field moves later fields right).
    """
    drop = set(drop_positions)
    out = [REDACTED if i in drop and value else value for i, value in enumerate(fields)]
    text = "\t".join(out)
    return EMAIL_IN_TEXT.sub(lambda m: f"<email:{salted_hash(m.group(0), salt)}>", text)
