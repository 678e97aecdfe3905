"""What every parser shares: the document's identity, its errors, the facts the load log records,
and the parsed shape (Arrow record batches, produced while the document is read).

Why batches: a flat file can be gigabytes; it is read row by row and handed over in record batches
of a bounded size, so neither the parser nor the loader ever holds the whole document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pyarrow as pa

#: Rows per Arrow record batch. Measured on the orders report (~40 columns): 20,000 rows of Python
#: values peaked ~45 MB higher than 5,000 (bench/bench_parse_memory.py), at the same speed.
DEFAULT_BATCH_ROWS = 5_000
#: Decompressed size above which any document is refused (issue 9: bounded memory; real reports
#: stay far below: a month of a large seller's orders is a few hundred MB).
DEFAULT_MAX_DOCUMENT_BYTES = 4 * 1024**3
#: JSON and XML snapshot documents are read whole; above this size they are refused instead (real
#: seller performance reports are a few kB).
DEFAULT_MAX_SNAPSHOT_BYTES = 64 * 1024**2
#: Share of a flat file's rows that may be kept aside in raw.rejected_rows before the whole document is
#: refused (AHW_MAX_REJECTED_ROW_SHARE).
DEFAULT_MAX_REJECTED_ROW_SHARE = 0.05


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


@dataclass(frozen=True)
class ParseOptions:
    """How to read one document: its declared encoding and the limits that keep memory bounded."""

    salt: str
    """Salt of the buyer-identifier hashes (AHW_PII_SALT)."""
    declared_charset: str | None = None
    """Charset the document declares: the download's ``Content-Type`` charset (Amazon's names such as
    ``Cp1252``, ``utf8``, ``Shift_JIS``) or ``ahw import-report --encoding``."""
    charset_source: str = "download charset"
    """Who declared ``declared_charset`` (recorded in the load log)."""
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
    max_snapshot_bytes: int = DEFAULT_MAX_SNAPSHOT_BYTES
    max_rejected_row_share: float = DEFAULT_MAX_REJECTED_ROW_SHARE
    batch_rows: int = DEFAULT_BATCH_ROWS


@dataclass
class RejectedRow:
    """A flat-file row that does not fit the header, kept aside (``raw.rejected_rows``)."""

    source_row_number: int
    raw_text: str
    """The row as received with e-mail addresses hashed and dropped-PII fields redacted."""
    reason: str


@dataclass
class DocumentFacts:
    """What the load log records about a document, filled in while it is read."""

    encoding: str | None = None
    """Python codec used (cp932, cp1252, utf-8); None when nothing was decoded."""
    encoding_source: str | None = None
    date_formats: dict[str, dict[str, str]] = field(default_factory=dict)
    """column -> {"format": strftime-like format, "decided_by": "document" | "catalogue", "evidence": ...}."""
    flags: list[str] = field(default_factory=list)
    rows_read: int = 0
    """Data rows of the document (loaded, outside the window or rejected; blank lines not counted)."""
    rows_rejected: int = 0
    unmapped_elements: list[str] = field(default_factory=list)

    def flag(self, name: str) -> None:
        if name not in self.flags:
            self.flags.append(name)


class ParsedDocument:
    """A document being parsed: record batches shaped like its raw table, produced on demand.

    ``batches()`` can be consumed once; ``facts``, ``unknown_columns``, ``warnings`` and the rejected
    rows are complete once it is exhausted (it raises DocumentError, e.g. when too many rows were
    rejected, only after the last batch). ``table()`` collects every batch (tests, small documents).
    """

    def __init__(
        self,
        schema: pa.Schema,
        produce: Callable[[ParsedDocument], Iterator[pa.RecordBatch]],
        facts: DocumentFacts | None = None,
    ):
        self.schema = schema
        self.facts = facts or DocumentFacts()
        self.unknown_columns: list[str] = []
        self.warnings: list[str] = []
        self._rejected: list[RejectedRow] = []
        self.rejected_total: list[RejectedRow] | None = []
        """Every rejected row when kept (``take_rejected`` drains them instead; then None)."""
        self._produce = produce
        self._consumed = False

    def batches(self) -> Iterator[pa.RecordBatch]:
        if self._consumed:
            raise RuntimeError("the batches of a parsed document can be read once")
        self._consumed = True
        yield from self._produce(self)

    def table(self) -> pa.Table:
        return pa.Table.from_batches(list(self.batches()), schema=self.schema)

    # rejected rows ------------------------------------------------------------------------
    def reject(self, row: RejectedRow) -> None:
        self.facts.rows_rejected += 1
        self._rejected.append(row)
        if self.rejected_total is not None:
            self.rejected_total.append(row)

    def take_rejected(self) -> list[RejectedRow]:
        """Rows rejected since the last call (the loader stages them batch by batch)."""
        self.rejected_total = None
        rows, self._rejected = self._rejected, []
        return rows

    @property
    def rejected(self) -> list[RejectedRow]:
        if self.rejected_total is None:
            raise RuntimeError("rejected rows were drained with take_rejected()")
        return self.rejected_total
