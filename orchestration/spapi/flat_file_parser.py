"""Flat-file reports (orders, seller feedback, returns): tab-separated text -> typed Arrow rows.

Headers map to snake_case columns (localized feedback headers are aliases), unknown headers go to
``extra_columns`` JSON, and buyer PII is dropped or salted-hashed before anything leaves here.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

import pyarrow as pa

from orchestration.catalogue import MARKETPLACES
from orchestration.spapi.parsed_document import (
    DocumentContext,
    DocumentError,
    ParsedDocument,
    decode_text,
    parse_iso_timestamp,
    snake_case,
)
from orchestration.spapi.report_types import (
    ORDERS,
    RETURNS,
    SELLER_FEEDBACK,
    ReportType,
)
from orchestration.warehouse.pii import classify_column, hashed_column_name, salted_hash
from orchestration.warehouse.schema import parsed_arrow_schema

# --------------------------------------------------------------------------------------------
# flat files


class _ValueError(Exception):
    """A malformed cell; carries the human explanation."""


def _conv_str(value: str, _fmt: str | None) -> str:
    return value


def _conv_int(value: str, _fmt: str | None) -> int:
    v = value.strip()
    if not re.fullmatch(r"[+-]?\d+", v):
        raise _ValueError("is not an integer")
    n = int(v)
    if not -(2**31) <= n < 2**31:
        raise _ValueError("is out of the INTEGER range")
    return n


_DEC_QUANT = Decimal("0.01")
_DEC_MAX = Decimal("9999999999999999.99")


def _conv_decimal(value: str, _fmt: str | None) -> Decimal:
    v = value.strip()
    if re.fullmatch(r"[+-]?\d+,\d{1,2}", v):  # decimal comma, no thousands separator
        v = v.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", v):
        raise _ValueError("is not a decimal number")
    try:
        d = Decimal(v).quantize(_DEC_QUANT, rounding=ROUND_HALF_EVEN)
    except InvalidOperation:
        raise _ValueError("is not a decimal number") from None
    if abs(d) > _DEC_MAX:
        raise _ValueError("does not fit DECIMAL(18,2)")
    return d


_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def _conv_bool(value: str, _fmt: str | None) -> bool:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise _ValueError("is not a boolean (true/false, Y/N)")


def _conv_timestamp(value: str, _fmt: str | None) -> datetime:
    try:
        return parse_iso_timestamp(value)
    except ValueError:
        raise _ValueError("is not an ISO 8601 timestamp") from None


def _conv_date(value: str, fmt: str | None) -> date:
    assert fmt is not None
    try:
        return datetime.strptime(value.strip(), fmt).date()
    except ValueError:
        sample = date(2026, 11, 25).strftime(fmt)
        raise _ValueError(f"is not a date in the marketplace's format {fmt} (e.g. {sample})") from None


def _conv_rating(value: str, fmt: str | None) -> int:
    v = value.strip()
    if not re.fullmatch(r"\d+", v):
        raise _ValueError("is not a rating (an integer 1-5)")
    n = int(v)
    if not 1 <= n <= 5:
        raise _ValueError("is outside the rating range 1-5")
    return n


Converter = Callable[[str, "str | None"], Any]

_KIND_CONVERTERS: dict[str, Converter] = {
    "str": _conv_str,
    "int": _conv_int,
    "decimal": _conv_decimal,
    "bool": _conv_bool,
    "timestamp": _conv_timestamp,
    "feedback_date": _conv_date,
    "returns_date": _conv_date,
    "rating": _conv_rating,
}


@dataclass(frozen=True)
class _FlatSpec:
    table: str
    kinds: dict[str, str]
    """column -> kind for every report column fed from a header (not extra_columns)."""
    required: frozenset[str]
    """columns whose header must be present (missing -> DocumentError) and whose value must be set."""
    partition_column: str
    aliases: dict[str, str] = field(default_factory=dict)
    """normalized localized header -> canonical snake_case name (before PII rules)."""
    hashed: dict[str, str] = field(default_factory=dict)
    """source column (snake_case) -> hash column in the table."""


def _kinds(table_kinds: Iterable[tuple[str, str]]) -> dict[str, str]:
    return dict(table_kinds)


_ORDER_KINDS = _kinds(
    [
        ("amazon_order_id", "str"),
        ("merchant_order_id", "str"),
        ("purchase_date", "timestamp"),
        ("last_updated_date", "timestamp"),
        ("order_status", "str"),
        ("fulfillment_channel", "str"),
        ("sales_channel", "str"),
        ("order_channel", "str"),
        ("url", "str"),
        ("ship_service_level", "str"),
        ("product_name", "str"),
        ("sku", "str"),
        ("asin", "str"),
        ("item_status", "str"),
        ("quantity", "int"),
        ("currency", "str"),
    ]
    + [
        (c, "decimal")
        for c in (
            "item_price",
            "item_tax",
            "shipping_price",
            "shipping_tax",
            "gift_wrap_price",
            "gift_wrap_tax",
            "item_promotion_discount",
            "ship_promotion_discount",
        )
    ]
    + [
        ("ship_state", "str"),
        ("ship_country", "str"),
        ("promotion_ids", "str"),
        ("is_business_order", "bool"),
        ("purchase_order_number", "str"),
        ("price_designation", "str"),
        ("signature_confirmation_recommended", "bool"),
        ("is_iba", "bool"),
        ("is_buyer_requested_cancellation", "bool"),
        ("buyer_requested_cancel_reason", "str"),
    ]
)

_RETURN_KINDS = _kinds(
    [
        ("order_id", "str"),
        ("order_date", "returns_date"),
        ("return_request_date", "returns_date"),
        ("return_request_status", "str"),
        ("amazon_rma_id", "str"),
        ("seller_rma_id", "str"),
        ("label_type", "str"),
        ("label_cost", "decimal"),
        ("currency_code", "str"),
        ("return_carrier", "str"),
        ("tracking_id", "str"),
        ("label_to_be_paid_by", "str"),
        ("a_to_z_claim", "bool"),
        ("is_prime", "bool"),
        ("asin", "str"),
        ("merchant_sku", "str"),
        ("item_name", "str"),
        ("return_quantity", "int"),
        ("return_reason", "str"),
        ("in_policy", "bool"),
        ("return_type", "str"),
        ("resolution", "str"),
        ("invoice_number", "str"),
        ("return_delivery_date", "returns_date"),
        ("order_amount", "decimal"),
        ("order_quantity", "int"),
        ("safet_action_reason", "str"),
        ("safet_claim_id", "str"),
        ("safet_claim_state", "str"),
        ("safet_claim_creation_time", "str"),
        ("safet_claim_reimbursement_amount", "decimal"),
        ("refunded_amount", "decimal"),
        ("category", "str"),
    ]
)

# Feedback: the header `Date` maps to column feedback_date (README), `Rater Email` is hashed.
_FEEDBACK_KINDS = _kinds(
    [
        ("feedback_date", "feedback_date"),
        ("rating", "rating"),
        ("comments", "str"),
        ("your_response", "str"),
        ("order_id", "str"),
    ]
)


def _alias_key(header: str) -> str:
    """Normalization used to match localized headers: NFC, case-folded, one space, straight quotes."""
    h = unicodedata.normalize("NFC", header).replace("\u2019", "'").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", h).strip().casefold()


_FEEDBACK_ALIASES_RAW = {
    "feedback_date": ["Date", "Datum", "Data", "Fecha", "日付"],
    "rating": ["Rating", "Bewertung", "Note", "Valutazione", "Calificación", "Valoración", "評価"],
    "comments": ["Comments", "Kommentare", "Kommentar", "Commentaires", "Commenti", "Comentarios", "コメント"],
    "your_response": [
        "Your Response",
        "Ihre Antwort",
        "Votre réponse",
        "La tua risposta",
        "Tu respuesta",
        "Su respuesta",
        "あなたの回答",
    ],
    "order_id": [
        "Order ID",
        "Bestellnummer",
        "Numéro de commande",
        "Numero ordine",
        "Número de pedido",
        "Numéro de la commande",
        "注文番号",
    ],
    "rater_email": [
        "Rater Email",
        "E-Mail-Adresse des Bewerters",
        "Adresse e-mail de l'évaluateur",
        "Email del valutatore",
        "Indirizzo e-mail del valutatore",
        "Correo electrónico del evaluador",
        "評価者のEメール",
    ],
}

FLAT_SPECS: dict[str, _FlatSpec] = {
    ORDERS.name: _FlatSpec(
        table=ORDERS.raw_table,
        kinds=_ORDER_KINDS,
        required=frozenset(
            {"amazon_order_id", "purchase_date", "last_updated_date", "order_status", "fulfillment_channel"}
        ),
        partition_column="last_updated_date",
        hashed={"buyer_email": "buyer_email_hash"},
    ),
    SELLER_FEEDBACK.name: _FlatSpec(
        table=SELLER_FEEDBACK.raw_table,
        kinds=_FEEDBACK_KINDS,
        required=frozenset({"feedback_date", "rating", "order_id"}),
        partition_column="feedback_date",
        aliases={_alias_key(h): col for col, hs in _FEEDBACK_ALIASES_RAW.items() for h in hs},
        hashed={"rater_email": "rater_email_hash"},
    ),
    RETURNS.name: _FlatSpec(
        table=RETURNS.raw_table,
        kinds=_RETURN_KINDS,
        required=frozenset({"order_id", "return_request_date"}),
        partition_column="return_request_date",
    ),
}


@dataclass
class _HeaderPlan:
    typed: dict[str, int]
    """report column -> index in the row"""
    hashed: dict[str, int]
    """hash column -> index (value is salted-hashed)"""
    extra: list[tuple[str, int]]
    """(original header or '<header>_hash' key, index) kept in extra_columns"""
    extra_hashed: set[str]
    headers: list[str]


def _plan_headers(
    spec: _FlatSpec, headers: list[str], context: DocumentContext, warnings: list[str]
) -> tuple[_HeaderPlan, list[str]]:
    typed: dict[str, int] = {}
    hashed: dict[str, int] = {}
    extra: list[tuple[str, int]] = []
    extra_hashed: set[str] = set()
    unknown: list[str] = []
    dropped: list[str] = []
    for index, header in enumerate(headers):
        if not header.strip():
            if index == len(headers) - 1:
                continue  # trailing tab on the header line
            raise DocumentError.for_context(context, f"header column {index + 1} is empty")
        column = spec.aliases.get(_alias_key(header)) or snake_case(header)
        if column in spec.kinds:
            if column in typed:
                raise DocumentError.for_context(context, f"column {header!r} appears twice in the header (as {column})")
            typed[column] = index
            continue
        if column in spec.hashed:
            target = spec.hashed[column]
            if target in hashed:
                raise DocumentError.for_context(context, f"column {header!r} appears twice in the header")
            hashed[target] = index
            continue
        action = classify_column(column)
        if action == "drop":
            dropped.append(header)
            continue
        if action == "hash":
            key = hashed_column_name(header)
            extra.append((key, index))
            extra_hashed.add(key)
            unknown.append(header)
            continue
        extra.append((header, index))
        unknown.append(header)
    missing = sorted(spec.required - typed.keys())
    if missing:
        raise DocumentError.for_context(
            context,
            f"required column(s) missing: {', '.join(missing)} (header: {' | '.join(headers)})",
        )
    if dropped:
        warnings.append(f"dropped PII column(s): {', '.join(dropped)}")
    if unknown:
        warnings.append(f"unknown column(s) kept in extra_columns: {', '.join(unknown)}")
    return _HeaderPlan(typed, hashed, extra, extra_hashed, headers), unknown


def _split_lines(text: str) -> list[str]:
    # Only \n (and \r\n) end a row: str.splitlines() would also split on \x0b, \x1c, \u2028, ...
    # which can occur inside free-text comments.
    lines = text.split("\n")
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def parse_flat_file(report_type: ReportType, data: bytes, context: DocumentContext, salt: str) -> ParsedDocument:
    spec = FLAT_SPECS[report_type.name]
    schema = parsed_arrow_schema(spec.table)
    warnings: list[str] = []
    text = decode_text(data, warnings, context)
    lines = _split_lines(text)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return ParsedDocument(schema.empty_table(), [], warnings)

    mp = MARKETPLACES.get(context.marketplace_id)
    if mp is None:
        raise DocumentError.for_context(context, f"unknown marketplace id {context.marketplace_id!r}")
    formats = {"feedback_date": mp.feedback_date_format, "returns_date": mp.returns_date_format}

    reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE, strict=False)
    try:
        headers = next(reader)
    except csv.Error as exc:
        raise DocumentError.for_context(context, f"unreadable header line: {exc}") from None
    plan, unknown = _plan_headers(spec, headers, context, warnings)
    width = len(headers)

    columns: dict[str, list[Any]] = {f.name: [] for f in schema}
    converters = {col: (_KIND_CONVERTERS[kind], formats.get(kind)) for col, kind in spec.kinds.items()}
    short_rows = 0
    try:
        for fields in reader:
            row_number = reader.line_num - 1  # header is line 1
            if not fields or all(not f.strip() for f in fields):
                continue
            if len(fields) < width:
                short_rows += 1
                fields = fields + [""] * (width - len(fields))
            elif len(fields) > width and any(f.strip() for f in fields[width:]):
                raise DocumentError.for_context(
                    context,
                    f"row {row_number} has {len(fields)} fields but the header has {width}",
                )
            for column in spec.kinds:
                index = plan.typed.get(column)
                raw = fields[index] if index is not None else ""
                if raw.strip() == "":
                    if column in spec.required:
                        raise DocumentError.for_context(
                            context,
                            f"row {row_number}, column {headers[index]!r}: value is empty but required",
                        )
                    columns[column].append(None)
                    continue
                conv, fmt = converters[column]
                try:
                    columns[column].append(conv(raw, fmt))
                except _ValueError as exc:
                    raise DocumentError.for_context(
                        context, f"row {row_number}, column {headers[index]!r}: value {raw!r} {exc}"
                    ) from None
            for target in spec.hashed.values():
                index = plan.hashed.get(target)
                columns[target].append(salted_hash(fields[index], salt) if index is not None else None)
            if plan.extra:
                extra = {}
                for key, index in plan.extra:
                    value = fields[index]
                    extra[key] = salted_hash(value, salt) if key in plan.extra_hashed else value
                columns["extra_columns"].append(json.dumps(extra, ensure_ascii=False))
            else:
                columns["extra_columns"].append(None)
            part = columns[spec.partition_column][-1]
            columns["partition_date"].append(part.date() if isinstance(part, datetime) else part)
            columns["source_row_number"].append(row_number)
    except csv.Error as exc:
        raise DocumentError.for_context(context, f"line {reader.line_num}: unreadable ({exc})") from None
    if short_rows:
        warnings.append(f"{short_rows} row(s) had fewer fields than the header; missing fields read as empty")
    table = pa.Table.from_pydict(columns, schema=schema)
    return ParsedDocument(table, unknown, warnings)
