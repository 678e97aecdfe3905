"""Buyer PII rules: which flat-file columns are dropped, which are salted-hashed, and the hash.

Buyer names, emails, phones and addresses never reach tables BI tools read (docs/amazon.md, "Buyer data").
The rules work on any header, not a list of known ones, so they also catch columns Amazon adds later
(``buyer-phone-number``, ``ship-address-3``, ``bill-*``) and headers in every language of the catalogue's
header variants (English, German, French, Italian, Spanish, Portuguese, Dutch, Swedish, Polish, Turkish,
Japanese, Chinese, Arabic), written as words (``Ship To``), in snake, kebab or camel case (``buyerName``)
or as compounds (``Käufername``, ``Postleitzahl``, ``購入者名``, ``お届け先氏名``):

- e-mail columns are kept only as a salted SHA-256 in ``<column>_hash``, so the same buyer can still
  be counted without being identified;
- dropped outright: phones, addresses (street, house number, ``ship-to`` / ``deliver-to`` / ``sold-to``
  blocks), cities and places, postal codes; a person's name (a name word: ``name``, ``Nachname``,
  ``prénom``, ``nazwa``, ``氏名`` ...), alone or with a word for the buyer or recipient (``buyer``,
  ``Käufer``, ``destinataire``, ``購入者``, ``お届け先`` ...); a column that is only such a person word
  (``Empfänger``, ``Destinatario``); gift messages and delivery instructions (the buyer's own words);
- kept: the seller's own names (``Verkäufername``, ``出品者名``), product and item names (``商品名``,
  ``Artikelname``), identifiers (``customer-order-id``) and everything else.

The parser applies these rules both to known columns and to unknown extra columns (which would
otherwise land in ``extra_columns`` JSON), so nothing personal slips through an unexpected header.
Free text a buyer writes into a column the model keeps (feedback comments, the buyer's cancellation
reason) and the values of unknown columns are scrubbed before raw (:func:`scrub_free_text`): e-mail
addresses become their salted hash, phone numbers ``<phone>``. Rows kept aside in ``raw.rejected_rows``
are redacted too (:func:`redact_row`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from typing import Literal

PiiAction = Literal["keep", "drop", "hash"]

#: Columns (snake_case) that look personal but are not (kept even though a rule would match them).
NEVER_PII = frozenset(
    {
        "product_name",
        "item_name",
        "ship_service_level",
        "ship_state",
        "ship_country",
        "sales_channel",
        "order_channel",
        "ship_promotion_discount",
    }
)

# Word lists: lower case, accents removed (:func:`_normalize`). Latin-script words match a whole token,
# or -- marked by a trailing ``*`` -- any token starting with them and, from four letters on, the end of a
# token (compounds: ``kaufername`` ends with ``name``); a leading ``=`` means the whole token only
# (``gata`` is a street, ``pagata`` is not). CJK and Arabic words match anywhere in the header.
_EMAIL = ("email", "e_mail", "mail*", "courriel", "correo", "epost", "e_post", "eposta", "e_posta", "メール",
          "電子メール", "邮件", "邮箱", "电子邮件", "البريد")  # fmt: skip
_PHONE = ("phone*", "telephone*", "telefon*", "telefono*", "telefoon*", "tel", "tfn", "mobile*", "handy*",
          "portable", "cellulare", "movil", "celular", "cellphone*", "gsm", "komorka", "cep_telefonu", "電話",
          "携帯", "电话", "手机", "هاتف", "جوال")  # fmt: skip
_ADDRESS = ("address*", "adresse*", "anschrift*", "indirizzo*", "direccion*", "endereco*", "adres*", "street*",
            "strasse*", "hausnummer*", "house_number", "housenumber*", "rue", "calle", "rua", "straat*", "=gatan",
            "=gata", "ulica", "sokak", "cadde*", "mahalle*", "postfach*", "住所", "番地", "丁目", "地址", "街道",
            "عنوان")  # fmt: skip
_PLACE = ("city", "cities", "stadt", "ort", "wohnort*", "lieferort*", "zustellort*", "ville", "citta", "ciudad",
          "cidade", "stad", "woonplaats*", "miasto", "miejscowosc*", "sehir", "ilce", "town", "市区町村", "城市",
          "المدينة")  # fmt: skip
_POSTAL = ("postal*", "postcode*", "zip*", "zipcode*", "plz", "postleitzahl*", "code_postal", "codice_postale",
           "cap", "codigo_postal", "cp", "cep", "postnummer*", "kod_pocztowy", "posta_kodu", "postcode", "郵便番号",
           "邮编", "邮政编码", "الرمز البريدي")  # fmt: skip
_NAME = ("name*", "nom", "prenom*", "vorname*", "nachname*", "familienname*", "nome", "cognome*", "nombre*",
         "apellido*", "naam", "voornaam*", "achternaam*", "namn", "fornamn*", "efternamn*", "imie", "nazwisko*",
         "nazwa", "ad", "adi", "soyad*", "isim", "surname*", "firstname*", "lastname*", "fullname*", "氏名", "名前",
         "姓名", "名字", "お名前", "者名", "先名", "人名", "客名", "اسم")  # fmt: skip
#: A buyer or a recipient (whose name, address or phone a column would then carry).
_PERSON = ("buyer*", "recipient*", "customer*", "purchaser*", "shopper*", "consignee*", "addressee*", "kaufer*",
           "kaeufer*", "empfanger*", "empfaenger*", "kunde*", "kunden*", "besteller*", "acheteur*", "destinataire*",
           "client*", "acquirente*", "destinatario*", "comprador*", "cliente*", "koper*", "ontvanger*", "klant*",
           "kopare*", "mottagare*", "kund", "kupujacy*", "kupujacego*", "odbiorca*", "odbiorcy*", "klient*",
           "alici*", "musteri*", "購入者", "受取人", "お届け先", "届け先", "注文者", "買い手", "顧客", "宛先", "お客様",
           "买家", "收件人", "收货人", "顾客", "客户", "مشتري", "المستلم", "عميل")  # fmt: skip
#: The seller's own words: a seller's name is no buyer data (``Verkäufername`` contains ``kaufer``).
_SELLER = ("seller*", "merchant*", "verkaufer*", "verkaeufer*", "handler*", "vendeur*", "venditore*", "vendedor*",
           "verkoper*", "saljare*", "sprzedawca*", "sprzedawcy*", "satici*", "出品者", "販売者", "卖家", "商家",
           "البائع")  # fmt: skip
#: Address blocks named by direction rather than content.
_BLOCKS = ("ship_to", "deliver_to", "delivery_to", "sold_to", "bill_to", "billing_to", "mail_to", "send_to")
#: The buyer's own words beside an order: a gift message or delivery instructions carry names and places.
_BUYER_TEXT = ("gift_message*", "gift_note*", "giftmessage*", "geschenknachricht*", "geschenk_nachricht*",
               "message_cadeau*", "messaggio_regalo*", "mensaje_de_regalo*", "mensagem_de_presente*",
               "cadeaubericht*", "delivery_instruction*", "lieferhinweis*", "instructions_de_livraison*",
               "ギフトメッセージ", "配送指示", "礼品留言", "送货说明")  # fmt: skip
#: Words that only join others in a header (``Nom de l'acheteur``, ``Name des Empfängers``).
_FILLER = frozenset({"de", "du", "des", "la", "le", "l", "d", "del", "di", "da", "do", "dos", "das", "der", "den",
                     "van", "of", "the", "s", "i", "y", "et", "und", "en", "och", "ve", "e", "first", "last",
                     "full", "given", "family"})  # fmt: skip

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[^0-9a-z\u0080-\uffff]+")


def _normalize(header: str) -> str:
    """Lower case, accents removed, camelCase split, separators made ``_`` (``buyerName`` -> ``buyer_name``)."""
    text = _CAMEL.sub("_", header.strip())
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().replace("ı", "i")
    return _NON_WORD.sub("_", text).strip("_")


def _is_cjk_or_arabic(word: str) -> bool:
    return any(ord(ch) > 0x2E80 or "\u0600" <= ch <= "\u06ff" for ch in word)


def _word(word: str) -> str:
    """A list word compared the way headers are (CJK voicing marks and accents dropped, as in headers)."""
    return _normalize(word) + ("*" if word.endswith("*") else "") if not _is_cjk_or_arabic(word) else _normalize(word)


def _matches(words: tuple[str, ...], column: str, tokens: list[str], *, compounds: bool = True) -> bool:
    """Whether any of ``words`` occurs in the normalized header (see the word lists above).

    ``compounds``: a latin word of four letters or more also matches the end of a token (``kaufername``
    ends with ``name``) and a CJK or Arabic word any part of the header; off when the question is whether a
    token IS such a word (``お届け先`` alone, not ``購入者によるキャンセル理由``).
    """
    joined = "_".join(tokens)
    for listed in words:
        exact = listed.startswith("=")
        word = _word(listed.lstrip("="))
        if _is_cjk_or_arabic(word):
            if word == column if not compounds else word in column:
                return True
            continue
        if exact:
            if word in tokens:
                return True
            continue
        prefix = word.endswith("*")
        stem = word.rstrip("*")
        if "_" in stem:  # several words: as a run of tokens
            if re.search(rf"(^|_){re.escape(stem)}{'' if prefix else '($|_)'}", joined):
                return True
            continue
        for token in tokens:
            if token == stem or (prefix and token.startswith(stem)):
                return True
            if compounds and len(stem) >= 4 and token.endswith(stem):
                return True
    return False


def _without(words: tuple[str, ...], tokens: list[str]) -> list[str]:
    """The tokens with the seller's words taken out (``verkaufername`` -> ``name``)."""
    out = []
    for token in tokens:
        for word in map(_word, words):
            stem = word.rstrip("*")
            if not _is_cjk_or_arabic(stem) and token.startswith(stem):
                token = token[len(stem) :]
        if token:
            out.append(token)
    return out


def classify_column(header: str) -> PiiAction:
    """What to do with a flat-file column, given its header as written (or its snake_case name)."""
    column = _normalize(header)
    if not column or column in NEVER_PII or column.endswith("_hash"):
        return "keep"
    tokens = [t for t in column.split("_") if t]
    if _matches(_EMAIL, column, tokens):
        return "hash"
    seller_free = _without(_SELLER, tokens)
    seller_column = column
    for word in map(_word, _SELLER):
        if _is_cjk_or_arabic(word):
            seller_column = seller_column.replace(word, "")
    if any(_matches(words, column, tokens) for words in (_PHONE, _ADDRESS, _PLACE, _POSTAL, _BUYER_TEXT)):
        return "drop"
    if re.match(rf"^({'|'.join(_BLOCKS)})($|_)", column):
        return "drop"
    if column.startswith(("bill_", "billing_")) or re.match(r"^ship(_to)?_(name|first|last)", column):
        return "drop"
    person = _matches(_PERSON, seller_column, seller_free)
    named = _matches(_NAME, seller_column, seller_free)
    if person and named:
        return "drop"
    if seller_free != tokens or seller_column != column:
        return "keep"  # the seller's own name (Verkäufername, 出品者名): no buyer in it
    meaningful = [t for t in seller_free if t not in _FILLER]
    if named and meaningful and all(_matches(_NAME, t, [t], compounds=False) for t in meaningful):
        return "drop"  # only name words: "Name", "Nachname", "First name", "氏名"
    if person and meaningful and all(_matches(_PERSON, t, [t], compounds=False) for t in meaningful):
        return "drop"  # only a person: "Empfänger", "Buyer", "Destinatario", "お届け先"
    if person and not meaningful:  # CJK headers have no latin tokens
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


#: A phone number inside free text: 7 to 15 digits, an optional ``+`` or ``00`` prefix, grouped by
#: spaces, dots, dashes, slashes or parentheses (``555-0100``, ``+49 30 1234567``, ``(03) 1234-5678``);
#: Amazon order ids (3-7-7 digits) and dates are matched first and left as they are.
_PHONE_IN_TEXT = re.compile(
    r"(?<![\w@<])(?P<keep>\d{3}-\d{7}-\d{7}|\d{1,4}[./-]\d{1,2}[./-]\d{2,4})(?![\w./-]?\d)"
    r"|(?<![\w@<])(?:\+|00)?\(?\d(?:[\s./()\-]{0,2}\d){6,14}(?!\w)"
)
PHONE_REDACTED = "<phone>"


def scrub_free_text(text: str | None, salt: str) -> str | None:
    """Free text a buyer wrote (feedback comments, a cancellation reason, an unknown column's value) without
    contact data: e-mail addresses become ``<email:salted hash>``, phone numbers ``<phone>``.

    Names cannot be told from other words in free text: columns that carry them are dropped by header
    (:func:`classify_column`), and marts show the cancellation reason only as one of the reasons Amazon
    offers the buyer (dbt var ``buyer_cancel_reasons`` in ``marts.fct_order_cancellations``).
    """
    if not text:
        return text
    text = EMAIL_IN_TEXT.sub(lambda m: f"<email:{salted_hash(m.group(0), salt)}>", text)

    return _PHONE_IN_TEXT.sub(lambda m: m.group("keep") or PHONE_REDACTED, text)
