"""Report document bytes -> an Arrow table shaped like its ``raw`` table, or a DocumentError.

One entry point, :func:`parse_document`. Formats are those of orchestration/README.md:
- flat files (orders, seller feedback, returns): tab-separated, header row, no quoting, UTF-8
  (BOM tolerated) or cp1252; headers are mapped to snake_case columns (localized feedback headers
  are accepted as aliases), unknown headers go to ``extra_columns`` JSON, buyer PII is dropped or
  salted-hashed (orchestration.warehouse.pii) before anything leaves this module;
- GET_V2_SELLER_PERFORMANCE_REPORT: JSON, one row for the requested marketplace;
- GET_V1_SELLER_PERFORMANCE_REPORT: XML, one row per metric element of the requested marketplace.

The output has the report columns of the raw table plus ``partition_date`` (the row's daily
partition per the README; None for the snapshot reports, which the loader assigns) and
``source_row_number``. Everything else of the provenance is added by the loader.
"""

from __future__ import annotations

import copy
import csv
import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element, ParseError
from xml.etree.ElementTree import tostring as xml_tostring

import pyarrow as pa
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from orchestration.spapi.marketplaces import MARKETPLACES
from orchestration.spapi.report_types import (
    ORDERS,
    RETURNS,
    SELLER_FEEDBACK,
    SELLER_PERFORMANCE,
    SELLER_PERFORMANCE_V1,
    ReportType,
)
from orchestration.warehouse.pii import classify_column, hashed_column_name, salted_hash
from orchestration.warehouse.schema import parsed_arrow_schema


@dataclass(frozen=True)
class DocumentContext:
    """Which document is being parsed: every error about it names these."""

    report_type: str
    account_id: str
    marketplace_id: str
    report_id: str


class DocumentError(Exception):
    """A document that cannot be loaded as it is; names the report, account, marketplace, problem."""

    def __init__(self, report_type: str, account_id: str, marketplace_id: str, report_id: str, problem: str):
        self.report_type = report_type
        self.account_id = account_id
        self.marketplace_id = marketplace_id
        self.report_id = report_id
        self.problem = problem
        super().__init__(str(self))

    @classmethod
    def for_context(cls, context: DocumentContext, problem: str) -> DocumentError:
        return cls(context.report_type, context.account_id, context.marketplace_id, context.report_id, problem)

    def __str__(self) -> str:
        return (
            f"{self.report_type} for account {self.account_id}, marketplace {self.marketplace_id}, "
            f"report {self.report_id}: {self.problem}"
        )

    def __reduce__(self):  # picklable across Dagster processes
        return (
            type(self),
            (self.report_type, self.account_id, self.marketplace_id, self.report_id, self.problem),
        )


@dataclass
class ParsedDocument:
    table: pa.Table
    unknown_columns: list[str] = field(default_factory=list)
    """Headers kept in ``extra_columns`` (flat files only)."""
    warnings: list[str] = field(default_factory=list)


def parse_document(report_type: ReportType, data: bytes, *, context: DocumentContext, salt: str) -> ParsedDocument:
    """Parse decompressed document bytes into the Arrow shape of ``raw.<report_type.raw_table>``.

    Raises DocumentError (naming report type, account, marketplace, report id and the problem) for
    anything that cannot be loaded faithfully: undecodable bytes, missing required columns,
    malformed values, invalid JSON/XML, or a document without the requested marketplace.
    """
    if report_type.name in _FLAT_SPECS:
        return _parse_flat(report_type, data, context, salt)
    if report_type.name == SELLER_PERFORMANCE.name:
        return _parse_v2_json(report_type, data, context)
    if report_type.name == SELLER_PERFORMANCE_V1.name:
        return _parse_v1_xml(report_type, data, context)
    raise DocumentError.for_context(context, f"no parser for report type {report_type.name}")


# --------------------------------------------------------------------------------------------
# helpers shared by all formats

_SNAKE_SEP = re.compile(r"[\s\-]+")


def snake_case(header: str) -> str:
    """Flat-file header -> column name: ``-``/space -> ``_``, lower case (README)."""
    return _SNAKE_SEP.sub("_", header.strip()).strip("_").lower()


def _camel_to_snake(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).replace("-", "_").lower()


def _decode(data: bytes, warnings: list[str], context: DocumentContext) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise DocumentError.for_context(context, f"document is neither UTF-8 nor cp1252 ({utf8_error})") from None
        warnings.append("document is not UTF-8; decoded as cp1252")
        return text


def _to_utc_naive(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _parse_iso_timestamp(value: str) -> datetime:
    """ISO 8601 with offset or Z (``2026-05-01T13:45:12+00:00``, ``2020-10-20T00:00Z``) -> UTC naive."""
    v = value.strip()
    if v.endswith(("Z", "z")):
        v = v[:-1] + "+00:00"
    return _to_utc_naive(datetime.fromisoformat(v))


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
        return _parse_iso_timestamp(value)
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

_FLAT_SPECS: dict[str, _FlatSpec] = {
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


def _parse_flat(report_type: ReportType, data: bytes, context: DocumentContext, salt: str) -> ParsedDocument:
    spec = _FLAT_SPECS[report_type.name]
    schema = parsed_arrow_schema(spec.table)
    warnings: list[str] = []
    text = _decode(data, warnings, context)
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


# --------------------------------------------------------------------------------------------
# V2 JSON (accountHealthReport-2020-11-18)


def _parse_v2_json(report_type: ReportType, data: bytes, context: DocumentContext) -> ParsedDocument:
    schema = parsed_arrow_schema(report_type.raw_table)
    warnings: list[str] = []
    text = _decode(data, warnings, context)
    if not text.strip():
        raise DocumentError.for_context(context, "document is empty (expected JSON)")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError.for_context(context, f"invalid or truncated JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise DocumentError.for_context(context, f"expected a JSON object, got {type(doc).__name__}")
    metrics = doc.get("performanceMetrics")
    if not isinstance(metrics, list):
        raise DocumentError.for_context(context, "performanceMetrics is missing or not a list")
    element = _marketplace_element(metrics, context, warnings)
    if element is None:
        found = [m.get("marketplaceId") for m in metrics if isinstance(m, dict)]
        raise DocumentError.for_context(
            context, f"performanceMetrics has no entry for marketplace {context.marketplace_id} (found: {found})"
        )

    account_status = None
    statuses = doc.get("accountStatuses")
    if isinstance(statuses, list):
        for entry in statuses:
            if isinstance(entry, dict) and entry.get("marketplaceId") == context.marketplace_id:
                status = entry.get("status")
                account_status = None if status is None else str(status)
                break
    if account_status is None:
        warnings.append(f"accountStatuses has no status for marketplace {context.marketplace_id}")

    ahr_status = None
    ahr_score = None
    ahr = element.get("accountHealthRating")
    if isinstance(ahr, dict):
        raw_status = ahr.get("ahrStatus", ahr.get("accountHealthRatingStatus"))
        ahr_status = None if raw_status is None else str(raw_status)
        ahr_score = _int_or_none(ahr.get("ahrScore"), "accountHealthRating.ahrScore", warnings)
    elif ahr is not None:
        warnings.append("accountHealthRating is not an object; ahr_status/ahr_score left NULL")

    row = {
        "snapshot_at": None,
        "account_status": account_status,
        "ahr_status": ahr_status,
        "ahr_score": ahr_score,
        "performance_metrics": json.dumps(element, ensure_ascii=False),
        "document": text,
        "partition_date": None,
        "source_row_number": 1,
    }
    return ParsedDocument(pa.Table.from_pylist([row], schema=schema), [], warnings)


def _marketplace_element(metrics: list, context: DocumentContext, warnings: list[str]) -> dict | None:
    matches = [m for m in metrics if isinstance(m, dict) and m.get("marketplaceId") == context.marketplace_id]
    if len(matches) > 1:
        warnings.append(f"performanceMetrics has {len(matches)} entries for the marketplace; using the first")
    return matches[0] if matches else None


def _int_or_none(value: Any, what: str, warnings: list[str]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        warnings.append(f"{what} is not a number ({value!r}); stored NULL")
        return None
    if isinstance(value, int):
        n = value
    elif (
        isinstance(value, float)
        and value.is_integer()
        or isinstance(value, str)
        and re.fullmatch(r"\s*-?\d+\s*", value)
    ):
        n = int(value)
    else:
        warnings.append(f"{what} is not an integer ({value!r}); stored NULL")
        return None
    if not -(2**31) <= n < 2**31:
        warnings.append(f"{what} is out of range ({value!r}); stored NULL")
        return None
    return n


def latest_reporting_date_to(performance_metrics_json: str) -> datetime | None:
    """Latest ``reportingDateTo`` (UTC naive) anywhere in a performanceMetrics element."""
    latest: datetime | None = None

    def walk(node: Any) -> None:
        nonlocal latest
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "reportingDateTo" and isinstance(value, str):
                    try:
                        ts = _parse_iso_timestamp(value)
                    except ValueError:
                        continue
                    if latest is None or ts > latest:
                        latest = ts
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(performance_metrics_json))
    return latest


# --------------------------------------------------------------------------------------------
# V1 XML

_V1_FIXED = {"timeFrame", "rate", "targetValue", "targetCondition", "status"}


def _local(tag: Any) -> str:
    tag = str(tag)
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def _scalar(text: str | None) -> Any:
    if text is None:
        return None
    v = text.strip()
    if re.fullmatch(r"[+-]?\d+", v):
        return int(v)
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?", v):
        return float(v)
    return v


def _element_value(elem: Element) -> Any:
    children = list(elem)
    if not children:
        return _scalar(elem.text)
    out: dict[str, Any] = {}
    for child in children:
        key = _local(child.tag)
        value = _element_value(child)
        if key in out:  # repeated elements become a list
            if not isinstance(out[key], list):
                out[key] = [out[key]]
            out[key].append(value)
        else:
            out[key] = value
    return out


def _child_text(elem: Element, name: str) -> str | None:
    for child in elem:
        if _local(child.tag) == name:
            text = (child.text or "").strip()
            return text or None
    return None


def _parse_v1_xml(report_type: ReportType, data: bytes, context: DocumentContext) -> ParsedDocument:
    schema = parsed_arrow_schema(report_type.raw_table)
    warnings: list[str] = []
    if not data.strip():
        raise DocumentError.for_context(context, "document is empty (expected XML)")
    try:
        root = SafeET.fromstring(data)
    except (ParseError, DefusedXmlException) as exc:
        raise DocumentError.for_context(context, f"malformed XML: {exc}") from None
    except ValueError as exc:  # e.g. unknown encoding declaration
        raise DocumentError.for_context(context, f"malformed XML: {exc}") from None

    if _local(root.tag) == "sellerPerformanceReport":
        reports = [root]
    else:
        reports = [r for r in root.iter() if _local(r.tag) == "sellerPerformanceReport"]
    mine = [r for r in reports if _child_text(r, "marketplaceId") == context.marketplace_id]
    if not mine and len(reports) == 1 and _child_text(reports[0], "marketplaceId") is None:
        warnings.append("the only sellerPerformanceReport has no marketplaceId; assumed the requested one")
        mine = reports
    if not mine:
        found = [_child_text(r, "marketplaceId") for r in reports]
        raise DocumentError.for_context(
            context, f"no sellerPerformanceReport for marketplace {context.marketplace_id} (found: {found})"
        )

    rows: list[dict[str, Any]] = []
    for report in mine:
        for metric in report:
            tag = _local(metric.tag)
            if tag == "marketplaceId":
                continue
            name = _camel_to_snake(tag)
            where = f"metric {tag}"
            start = end = None
            measures: dict[str, Any] = {}
            for child in metric:
                ctag = _local(child.tag)
                if ctag == "timeFrame":
                    start = _xml_date(_child_text(child, "start"), f"{where} timeFrame/start", context)
                    end = _xml_date(_child_text(child, "end"), f"{where} timeFrame/end", context)
                elif ctag not in _V1_FIXED:
                    value = _element_value(child)
                    if ctag in measures:
                        if not isinstance(measures[ctag], list):
                            measures[ctag] = [measures[ctag]]
                        measures[ctag].append(value)
                    else:
                        measures[ctag] = value
            if not list(metric):
                warnings.append(f"{where} has no child elements")
            serialized = copy.copy(metric)
            serialized.tail = None
            rows.append(
                {
                    "snapshot_at": None,
                    "metric_name": name,
                    "window_start_date": start,
                    "window_end_date": end,
                    "rate": _xml_float(_child_text(metric, "rate"), f"{where} rate", context),
                    "target_value": _xml_float(_child_text(metric, "targetValue"), f"{where} targetValue", context),
                    "target_condition": _child_text(metric, "targetCondition"),
                    "status": _child_text(metric, "status"),
                    "measures": json.dumps(measures, ensure_ascii=False),
                    "element_xml": xml_tostring(serialized, encoding="unicode"),
                    "partition_date": None,
                    "source_row_number": len(rows) + 1,
                }
            )
    return ParsedDocument(pa.Table.from_pylist(rows, schema=schema), [], warnings)


def _xml_date(text: str | None, where: str, context: DocumentContext) -> date | None:
    if text is None:
        return None
    try:
        if "T" in text:
            return _parse_iso_timestamp(text).date()
        return date.fromisoformat(text)
    except ValueError:
        raise DocumentError.for_context(context, f"{where}: value {text!r} is not an ISO date") from None


def _xml_float(text: str | None, where: str, context: DocumentContext) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        raise DocumentError.for_context(context, f"{where}: value {text!r} is not a number") from None


def snapshot_partition_date(report_type: ReportType, parsed: ParsedDocument) -> date | None:
    """The partition a hand-imported snapshot belongs to: latest reportingDateTo (V2) / timeFrame end (V1)."""
    table = parsed.table
    if table.num_rows == 0:
        return None
    if report_type.name == SELLER_PERFORMANCE.name:
        latest = latest_reporting_date_to(table.column("performance_metrics")[0].as_py())
        return latest.date() if latest else None
    if report_type.name == SELLER_PERFORMANCE_V1.name:
        ends = [d for d in table.column("window_end_date").to_pylist() if d is not None]
        return max(ends) if ends else None
    raise ValueError(f"{report_type.name} is not a snapshot report")
