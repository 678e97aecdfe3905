"""Flat-file reports (orders, seller feedback, returns): tab-separated text -> Arrow record batches.

A document is streamed (decoded incrementally, split into lines, parsed row by row, handed over in
record batches), so its size does not decide the memory it takes. Documents with inferred date
columns (feedback, returns) are read twice: a first pass gathers the evidence that settles each date
column's format (orchestration.parsing.dates), the second converts.

Per document:
- the encoding is what the document declares (orchestration.parsing.encodings); a marketplace that is
  not in the catalogue refuses the document (its encoding and date formats are unknown);
- headers map to raw columns in any language (orchestration.parsing.headers); unknown headers are
  kept in ``extra_columns`` JSON; buyer PII is dropped or salted-hashed (orchestration.parsing.pii);
- column types come from the raw schema (orchestration.raw_schema); a malformed value refuses the
  document naming row, column and value;
- a row whose field count does not match the header is kept aside (``raw.rejected_rows``) and the
  others load; above AHW_MAX_REJECTED_ROW_SHARE of the rows the whole document is refused.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

from orchestration.catalogue import MARKETPLACES, UnknownMarketplace
from orchestration.parsing.dates import DateColumn, DateDecision, DateValueError, MixedDateOrders, decide, usual_order
from orchestration.parsing.documents import (
    DocumentContext,
    DocumentError,
    DocumentFacts,
    ParsedDocument,
    ParseOptions,
    RejectedRow,
)
from orchestration.parsing.encodings import UnknownCharset, iter_lines, iter_text, refuse_utf8_read_as, resolve_encoding
from orchestration.parsing.headers import HeaderMatcher, matcher
from orchestration.parsing.pii import classify_column, hashed_column_name, redact_row, salted_hash, scrub_free_text
from orchestration.parsing.streams import Opener
from orchestration.parsing.values import (
    BY_DDL_TYPE,
    CellError,
    decimal_separators,
    to_decimal,
    to_rating,
    to_timestamp,
)
from orchestration.raw_schema import REPORT_COLUMNS, parsed_arrow_schema
from orchestration.spapi.report_types import ORDERS, RETURNS, SELLER_FEEDBACK, ReportType

#: A row may always be kept aside, however small the document: a share of two rows means nothing.
ALWAYS_TOLERATED_REJECTED_ROWS = 1


@dataclass(frozen=True)
class FlatSpec:
    """What the parser needs to know about one flat-file report beyond its raw schema."""

    table: str
    required: frozenset[str]
    """Columns whose header must be present and whose value must be set."""
    partition_column: str
    hashed: dict[str, str] = field(default_factory=dict)
    """Source column (as the header maps it) -> hash column of the table (salted SHA-256)."""
    special: dict[str, Callable[[str], Any]] = field(default_factory=dict)
    """Column -> converter where the DDL type alone says too little (ratings are 1-5)."""
    free_text: frozenset[str] = frozenset()
    """Columns a buyer writes in: scrubbed of e-mail addresses and phone numbers before raw (pii.scrub_free_text)."""

    @property
    def typed_columns(self) -> tuple[str, ...]:
        """Report columns fed from a header of the same meaning (not hashes, not extra_columns)."""
        hashes = set(self.hashed.values())
        return tuple(c.name for c in REPORT_COLUMNS[self.table] if c.name != "extra_columns" and c.name not in hashes)

    @property
    def ddl_types(self) -> dict[str, str]:
        return {c.name: c.ddl_type for c in REPORT_COLUMNS[self.table]}


FLAT_SPECS: dict[str, FlatSpec] = {
    ORDERS.name: FlatSpec(
        table=ORDERS.raw_table,
        required=frozenset(
            {"amazon_order_id", "purchase_date", "last_updated_date", "order_status", "fulfillment_channel"}
        ),
        partition_column="last_updated_date",
        hashed={"buyer_email": "buyer_email_hash"},
        free_text=frozenset({"buyer_requested_cancel_reason"}),
    ),
    SELLER_FEEDBACK.name: FlatSpec(
        table=SELLER_FEEDBACK.raw_table,
        required=frozenset({"feedback_date", "rating", "order_id"}),
        partition_column="feedback_date",
        hashed={"rater_email": "rater_email_hash"},
        special={"rating": to_rating},
        free_text=frozenset({"comments"}),
    ),
    RETURNS.name: FlatSpec(
        table=RETURNS.raw_table,
        required=frozenset({"order_id", "return_request_date"}),
        partition_column="return_request_date",
    ),
}

#: Catalogue field of the marketplace's usual date format, per report (the tie-breaker of dates.decide).
_USUAL_DATE_FORMAT = {SELLER_FEEDBACK.name: "feedback_date_format", RETURNS.name: "returns_date_format"}


@dataclass
class HeaderPlan:
    """Where each column of the table comes from in the document's rows."""

    headers: list[str]
    width: int
    """Fields a row must have (a trailing empty header from a trailing tab does not count)."""
    typed: dict[str, int] = field(default_factory=dict)
    hashed: dict[str, int] = field(default_factory=dict)
    """hash column -> field index."""
    extra: list[tuple[str, int, bool]] = field(default_factory=list)
    """(key in extra_columns, field index, hash the value?)."""
    dropped: list[int] = field(default_factory=list)
    """Field indexes of dropped PII columns (redacted in rejected rows)."""
    unknown: list[str] = field(default_factory=list)
    suspects: dict[str, str] = field(default_factory=dict)
    """Unknown header -> the known column it resembles, which the document lacks (flag ``header_like_known_column``)."""


def plan_headers(
    spec: FlatSpec, report_type: str, headers: list[str], language: str | None, context: DocumentContext,
    warnings: list[str],
) -> HeaderPlan:  # fmt: skip
    """Map the document's headers to columns; DocumentError for a missing required column or a duplicate."""
    typed_columns = spec.typed_columns
    names = typed_columns + tuple(spec.hashed)
    headers_matcher: HeaderMatcher = matcher(report_type, names)
    width = len(headers)
    while width and not headers[width - 1].strip():
        width -= 1
    plan = HeaderPlan(headers=headers, width=width)
    quoted = [h for h in headers[:width] if len(h) >= 2 and h.startswith('"') and h.endswith('"')]
    if quoted and len(quoted) == width:
        raise DocumentError.for_context(
            context,
            f"the header is CSV-quoted ({' | '.join(quoted[:3])} ...): the file was re-saved by a spreadsheet, "
            "which adds quotes Amazon's tab-separated reports do not have. Load the file as downloaded, or save "
            "it again as tab-separated text without quotes",
        )
    for index, header in enumerate(headers[:width]):
        if not header.strip():
            raise DocumentError.for_context(context, f"header column {index + 1} is empty")
        column = headers_matcher.column_for(header, language)
        if column in typed_columns:
            if column in plan.typed:
                raise DocumentError.for_context(
                    context, f"column {header!r} appears twice in the header (as {column}, like {headers[plan.typed[column]]!r})"
                )  # fmt: skip
            plan.typed[column] = index
            continue
        if column in spec.hashed:
            target = spec.hashed[column]
            if target in plan.hashed:
                raise DocumentError.for_context(context, f"column {header!r} appears twice in the header")
            plan.hashed[target] = index
            continue
        action = classify_column(header)
        if action == "drop":
            plan.dropped.append(index)
            continue
        key = hashed_column_name(header) if action == "hash" else header
        taken = {k for k, _, _ in plan.extra}
        if key in taken:  # an unknown header written twice keeps both values: "Notes", "Notes (2)"
            key = next(f"{key} ({n})" for n in range(2, width + 2) if f"{key} ({n})" not in taken)
        plan.extra.append((key, index, action == "hash"))
        plan.unknown.append(header)
    missing = sorted(spec.required - plan.typed.keys())
    if missing:
        unmatched = [h for i, h in enumerate(headers[:width]) if i not in plan.typed.values()]
        parts = []
        for column in missing:
            known = headers_matcher.variants.get(column, ())[:4]
            closest = headers_matcher.closest(column, unmatched)
            hint = f"closest header in the document: {closest!r}" if closest else "no header of the document is close"
            parts.append(f"{column} (known as {', '.join(repr(k) for k in known) or repr(column)}; {hint})")
        raise DocumentError.for_context(
            context,
            f"required column(s) missing: {'; '.join(parts)}. Header: {' | '.join(headers)}. A new word for a "
            "column goes into orchestration/catalogue/header_variants.json",
        )
    if plan.dropped:
        warnings.append(f"dropped PII column(s): {', '.join(headers[i] for i in plan.dropped)}")
    if plan.unknown:
        hints = []
        for header in plan.unknown:
            near = headers_matcher.closest_known(header)
            hints.append(f"{header} (like {near!r}?)" if near else header)
            column = headers_matcher.column_for(near, language) if near else None
            if column is not None and column not in plan.typed and spec.hashed.get(column) not in plan.hashed:
                plan.suspects[header] = column
        warnings.append(f"unknown column(s) kept in extra_columns: {', '.join(hints)}")
        if plan.suspects:
            # a known column under a word the catalogue lacks: the column loads as NULL, so say so loudly
            warnings.append(
                "column(s) the report has are missing and unknown headers look like them: "
                + ", ".join(f"{h!r} -> {c}" for h, c in plan.suspects.items())
                + "; their values are in extra_columns, not in the columns. Add the words to "
                "orchestration/catalogue/header_variants.json and load the document again"
            )
    return plan


def _encoding(opener: Opener, options: ParseOptions, marketplace_encoding: str, context: DocumentContext):
    """(codec, source, bytes to skip) per orchestration.parsing.encodings' order of authority."""
    with opener() as stream:
        head = stream.read(4)
    try:
        return resolve_encoding("tsv", head, options.declared_charset, options.charset_source, marketplace_encoding)
    except UnknownCharset as exc:
        raise DocumentError.for_context(context, str(exc)) from None


#: A cell written over more lines than this is no comment cut by line breaks: its lines are kept aside.
_MAX_ROW_LINES = 20


def _split(line: str) -> list[str]:
    return line.split("\t")


def parse_flat_file(
    report_type: ReportType, opener: Opener, context: DocumentContext, options: ParseOptions
) -> ParsedDocument:
    """Parse a flat file into record batches of ``raw.<report_type.raw_table>`` (see the module docstring)."""
    spec = FLAT_SPECS[report_type.name]
    schema = parsed_arrow_schema(spec.table)
    mp = MARKETPLACES.get(context.marketplace_id)
    if mp is None:
        raise DocumentError.for_context(
            context, str(UnknownMarketplace(context.marketplace_id, "its flat-file encoding and usual date formats"))
        )
    facts = DocumentFacts()
    codec, source, skip = _encoding(opener, options, mp.flat_file_encoding, context)
    facts.encoding, facts.encoding_source = codec, source
    with opener() as stream:  # before any value is read: an error about a garbled value would mislead
        refuse_utf8_read_as(stream, codec, source, context, skip=skip)

    width: list[int] = []  # the header's width, once the header is planned

    def rows() -> Iterator[tuple[int, str]]:
        """(row number, line): the header -- the first line that is not blank -- is row 0, rows are numbered
        by their line after it; blank lines are skipped but keep their number. A row cut by a line break
        inside a cell (a comment written on two lines) is one row again: a row with fewer fields than the
        header is joined with the lines after it while each of them is short too and the joined row fits
        (at most ``_MAX_ROW_LINES`` lines); otherwise it stays as it is and is kept aside whole."""
        with opener() as stream:
            text = iter_text(stream, codec, context, skip=skip)
            header_at: int | None = None
            pending: tuple[int, str, int] | None = None  # (row number, text so far, lines joined)
            for number, line in enumerate(iter_lines(text, context)):
                if header_at is None:
                    if line.strip():
                        header_at = number
                        yield 0, line
                    continue
                short = bool(width) and len(_split(line)) < width[0]
                if pending is not None:
                    row, so_far, joined = pending
                    if short and joined < _MAX_ROW_LINES:
                        candidate = f"{so_far}\n{line}"
                        fields = _split(candidate)
                        if _fits(fields, width[0]):
                            pending = None
                            yield row, candidate
                            continue
                        if len(fields) < width[0]:
                            pending = (row, candidate, joined + 1)
                            continue
                    pending = None
                    yield row, so_far
                if not line.strip():
                    continue
                if short:
                    pending = (number - header_at, line, 1)
                    continue
                yield number - header_at, line
            if pending is not None:
                yield pending[0], pending[1]

    lines = rows()
    first = next(lines, None)
    if first is None:
        # an empty document: nothing happened in the window (Amazon's CANCELLED, as a file)
        return ParsedDocument(schema, lambda doc: iter(()), facts)
    lines.close()
    warnings: list[str] = []
    plan = plan_headers(spec, report_type.name, _split(first[1]), mp.language, context, warnings)
    width.append(plan.width)
    if plan.suspects:
        facts.flag("header_like_known_column")
    ddl = spec.ddl_types
    date_columns = [c for c in plan.typed if ddl[c] == "DATE"]
    decisions = _decide_dates(spec, report_type, plan, date_columns, rows, mp, context, facts) if date_columns else {}

    def produce(doc: ParsedDocument) -> Iterator[pa.RecordBatch]:
        yield from _batches(spec, plan, decisions, rows, context, options, doc, schema)

    parsed = ParsedDocument(schema, produce, facts)
    parsed.unknown_columns = list(plan.unknown)
    parsed.warnings = warnings
    return parsed


def _decide_dates(spec, report_type, plan, date_columns, rows, mp, context, facts) -> dict[str, DateDecision]:
    """First pass: gather every date column's evidence and decide its format."""
    evidence = {c: DateColumn(c, plan.headers[plan.typed[c]]) for c in date_columns}
    for number, line in rows():
        if number == 0:
            continue
        fields = _split(line)
        if not _fits(fields, plan.width):
            continue  # kept aside in the second pass; its fields cannot be trusted
        for column, col in evidence.items():
            value = fields[plan.typed[column]]
            if value.strip():
                try:
                    col.observe(value, number)
                except DateValueError as exc:
                    raise DocumentError.for_context(
                        context, f"row {number}, column {col.header!r}: value {value!r} {exc}"
                    ) from None
    usual_format = getattr(mp, _USUAL_DATE_FORMAT[report_type.name])
    try:
        decisions = decide(list(evidence.values()), usual_order(usual_format), usual_format)
    except (MixedDateOrders, ValueError) as exc:
        raise DocumentError.for_context(context, str(exc)) from None
    for column, decision in decisions.items():
        facts.date_formats[column] = decision.as_fact()
        if decision.decided_by == "catalogue":
            facts.flag("date_format_from_catalogue")
    return decisions


def _no_date(value: str) -> Any:  # a date column the first pass saw no value in
    raise DateValueError("appeared only in the second read of the document")


def _fits(fields: list[str], width: int) -> bool:
    """A row fits when it has the header's fields (extra fields are fine only when empty: trailing tabs)."""
    if len(fields) < width:
        return False
    return len(fields) == width or not any(f.strip() for f in fields[width:])


def _reject_reason(fields: list[str], width: int) -> str:
    return (
        f"{len(fields)} fields but the header has {width}: a stray or missing tab shifts the row's values, so "
        "none of them can be trusted"
    )


def _redacted(fields: list[str], plan: HeaderPlan, salt: str) -> str:
    shift = len(fields) - plan.width
    spots = set(plan.dropped) | set(plan.hashed.values()) | {i for _, i, hashed in plan.extra if hashed}
    widened = {i + d for i in spots for d in (range(0, shift + 1) if shift >= 0 else range(shift, 1))}
    return redact_row(fields, widened, salt)


def _batches(spec, plan, decisions, rows, context, options, doc: ParsedDocument, schema) -> Iterator[pa.RecordBatch]:
    """Second pass: typed rows, batch by batch; rejected rows set aside; the share checked at the end."""
    ddl = spec.ddl_types
    converters: list[tuple[str, int, Callable[[str], Any] | None, bool]] = []
    # timestamps without an offset are read in the marketplace's time zone and flagged (breaker8 L7)
    zone = ZoneInfo(MARKETPLACES[context.marketplace_id].timezone)

    def naive() -> None:
        doc.facts.flag("naive_timestamps_in_marketplace_time")

    for column, index in plan.typed.items():
        if ddl[column] == "DATE":
            conv: Callable[[str], Any] | None = decisions[column].convert if column in decisions else _no_date
        else:
            conv = spec.special.get(column) or BY_DDL_TYPE[ddl[column]]
        # VARCHAR cells stay as they are (buyers' free text scrubbed); DECIMAL cells are converted a batch
        # at a time (below)
        if column in spec.free_text:
            conv = functools.partial(scrub_free_text, salt=options.salt)
        elif ddl[column] == "TIMESTAMP":
            conv = functools.partial(to_timestamp, naive_zone=zone, on_naive=naive)
        elif ddl[column] in ("VARCHAR", "DECIMAL(18,2)"):
            conv = None
        converters.append((column, index, conv, column in spec.required))
    decimals = [(column, plan.headers[index]) for column, index in plan.typed.items() if ddl[column] == "DECIMAL(18,2)"]
    separators: set[str] = set()  # decimal separators the document's money cells have shown (see _record_batch)
    absent = [c for c in spec.typed_columns if c not in plan.typed]
    headers = plan.headers
    salt = options.salt
    facts = doc.facts
    names = schema.names
    partition_column = spec.partition_column

    def empty() -> dict[str, list]:
        return {name: [] for name in names}

    columns = empty()
    count = 0
    for number, line in rows():
        if number == 0:
            continue
        fields = _split(line)
        facts.rows_read += 1
        if not _fits(fields, plan.width):
            doc.reject(RejectedRow(number, _redacted(fields, plan, salt), _reject_reason(fields, plan.width)))
            continue
        for column, index, conv, is_required in converters:
            raw = fields[index]
            if not raw or raw.isspace():
                if is_required:
                    raise DocumentError.for_context(
                        context, f"row {number}, column {headers[index]!r}: value is empty but required"
                    )
                columns[column].append(None)
                continue
            if conv is None:
                columns[column].append(raw)
                continue
            try:
                columns[column].append(conv(raw))
            except (CellError, DateValueError) as exc:
                raise DocumentError.for_context(
                    context, f"row {number}, column {headers[index]!r}: value {raw!r} {exc}"
                ) from None
        for column in absent:
            columns[column].append(None)
        for target in spec.hashed.values():
            index = plan.hashed.get(target)
            columns[target].append(salted_hash(fields[index], salt) if index is not None else None)
        if plan.extra:
            extra = {key: (salted_hash(fields[i], salt) if hashed else scrub_free_text(fields[i], salt))
                     for key, i, hashed in plan.extra}  # fmt: skip
            columns["extra_columns"].append(json.dumps(extra, ensure_ascii=False))
        else:
            columns["extra_columns"].append(None)
        part = columns[partition_column][-1]
        columns["partition_date"].append(part.date() if isinstance(part, datetime) else part)
        columns["source_row_number"].append(number)
        count += 1
        if count >= options.batch_rows:
            yield _record_batch(columns, decimals, schema, context, separators)
            columns, count = empty(), 0
    if count:
        yield _record_batch(columns, decimals, schema, context, separators)
    _check_rejected_share(doc, options, context)


_DECIMAL_TYPE = pa.decimal128(18, 2)
#: What Arrow's cast reads exactly as the per-cell converter does: digits, an optional point and at most
#: two places (anything else takes the per-cell path, which refuses what is not exact or is ambiguous).
_PLAIN_DECIMAL = r"^[+-]?(\d+(\.\d{0,2})?|\.\d{1,2})$"


def _record_batch(
    columns: dict[str, list], decimals: list[tuple[str, str]], schema: pa.Schema, context: DocumentContext,
    separators: set[str],
) -> pa.RecordBatch:  # fmt: skip
    """The batch's columns as Arrow arrays; DECIMAL columns cast from their text in one go.

    Arrow's cast accepts plain decimals with at most two places; anything else (a decimal comma,
    ``+5``, three places, a malformed value) takes the per-cell path, which converts what Amazon writes
    and names the row of a value that is no exact, unambiguous amount (``values.to_decimal``).
    ``separators`` gathers, over the document so far and this batch, the decimal separators its money
    cells show unambiguously (``4,50``, ``19.99``): a document that writes only decimal commas writes
    ``1.234`` for 1234 (and the other way round); without such evidence ``1.234`` is refused.
    """
    arrays = {name: values for name, values in columns.items()}
    for column, _ in decimals:
        separators.update(decimal_separators(columns[column]))
    decimal_separator = next(iter(separators)) if len(separators) == 1 else None
    for column, header in decimals:
        text = pa.array(columns[column], pa.string())
        if pc.all(pc.match_substring_regex(text, _PLAIN_DECIMAL)).as_py() is not False:
            try:
                arrays[column] = text.cast(_DECIMAL_TYPE)
                continue
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass  # e.g. too large for DECIMAL(18,2): the per-cell path names the row
        converted = []
        for number, raw in zip(columns["source_row_number"], columns[column], strict=True):
            try:
                converted.append(None if raw is None else to_decimal(raw, decimal_separator))
            except CellError as exc:
                raise DocumentError.for_context(
                    context, f"row {number}, column {header!r}: value {raw!r} {exc}"
                ) from None
        arrays[column] = pa.array(converted, _DECIMAL_TYPE)
    return pa.RecordBatch.from_pydict(arrays, schema=schema)


def _check_rejected_share(doc: ParsedDocument, options: ParseOptions, context: DocumentContext) -> None:
    facts = doc.facts
    if not facts.rows_rejected:
        return
    facts.flag("rows_rejected")
    share = facts.rows_rejected / facts.rows_read
    doc.warnings.append(f"{facts.rows_rejected} of {facts.rows_read} row(s) kept aside in raw.rejected_rows")
    if facts.rows_rejected > ALWAYS_TOLERATED_REJECTED_ROWS and share > options.max_rejected_row_share:
        raise DocumentError.for_context(
            context,
            f"{facts.rows_rejected} of {facts.rows_read} rows ({share:.1%}) do not fit the header, more than "
            f"AHW_MAX_REJECTED_ROW_SHARE ({options.max_rejected_row_share:.1%}): the document is refused whole "
            "(the file is kept in landing)",
        )
