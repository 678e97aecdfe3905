"""What every report parser shares: the document's identity, its errors and its parsed shape.

Split from the parsers so each format's module stays small; ``orchestration.spapi.parsers`` is the
entry point the rest of the code imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa


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


# --------------------------------------------------------------------------------------------
# helpers shared by all formats

_SNAKE_SEP = re.compile(r"[\s\-]+")


def snake_case(header: str) -> str:
    """Flat-file header -> column name: ``-``/space -> ``_``, lower case (README)."""
    return _SNAKE_SEP.sub("_", header.strip()).strip("_").lower()


def camel_to_snake(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).replace("-", "_").lower()


def decode_text(data: bytes, warnings: list[str], context: DocumentContext) -> str:
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


def to_utc_naive(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def parse_iso_timestamp(value: str) -> datetime:
    """ISO 8601 with offset or Z (``2026-05-01T13:45:12+00:00``, ``2020-10-20T00:00Z``) -> UTC naive."""
    v = value.strip()
    if v.endswith(("Z", "z")):
        v = v[:-1] + "+00:00"
    return to_utc_naive(datetime.fromisoformat(v))
