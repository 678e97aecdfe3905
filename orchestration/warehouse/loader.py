"""Load documents into schema ``raw``: stream into a per-load staging table, then publish per partition.

The one path from a landed document to raw, for the extractor (``orchestration.ingest``) and for
``ahw import-report`` (:func:`import_file`): :func:`load_landed` opens the landed file as a bounded
stream, parses it (``orchestration.parsing``) and loads it in two steps:

1. **stage**: the parsed record batches are appended, batch by batch, to a table of their own in
   schema ``raw_staging`` (rows that do not fit the header to a second one), so memory stays bounded
   whatever the document's size; nothing readers see changes;
2. **publish**: one transaction per (report type, account, marketplace, partition) deletes the
   partition's rows, inserts the staged ones with provenance and appends a ``raw.load_log`` row with
   the document's facts (encoding, date formats, flags, rows rejected, unmapped elements); the first
   partition's transaction also replaces the document's rows in ``raw.rejected_rows``. If anything
   fails the transaction rolls back and the previous version stays intact ("a failed or re-run load
   leaves the warehouse as it was or as a complete new version, never half"). A partition requested
   but absent from the document is still replaced (by zero rows), so a re-run over data that
   disappeared leaves no stale rows.

An audit step (write-audit-publish) fits between the two: :class:`StagedDocument` names the staging
table holding the new version. The staging tables are dropped when the load ends, whatever happened.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

import duckdb

from orchestration.parsing import (
    DocumentContext,
    DocumentError,
    DocumentFacts,
    ParsedDocument,
    ParseOptions,
    file_opener,
    parse_document,
    snapshot_partition_date,
)
from orchestration.parsing.streams import GZIP_MAGIC
from orchestration.raw_schema import REJECTED_ROW_COLUMNS, SCHEMA, parsed_columns, raw_columns
from orchestration.spapi.report_types import ReportType
from orchestration.spapi.report_types import report_type as lookup_report_type
from orchestration.warehouse.landing import LandedDocument, Landing, LandingError, LandingMeta
from orchestration.warehouse.schema import ensure_raw_schema

STAGING_SCHEMA = "raw_staging"
_VIEW = "__ahw_load_batch"


@dataclass
class LoadResult:
    rows_per_partition: dict[date, int]
    """Rows written per requested partition (0 when the document had none for it)."""
    rows_outside_window: int = 0
    """Rows of the document whose partition was not requested (ignored; the extractor logs them)."""
    rows_rejected: int = 0
    """Rows kept aside in raw.rejected_rows (they fit no column)."""
    loaded_at: datetime | None = None
    facts: DocumentFacts = field(default_factory=DocumentFacts)
    unknown_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return sum(self.rows_per_partition.values())


@dataclass
class ImportResult:
    landed: LandedDocument
    landing_file: str
    report_id: str
    partition_dates: list[date]
    load: LoadResult

    @property
    def unknown_columns(self) -> list[str]:
        return self.load.unknown_columns

    @property
    def warnings(self) -> list[str]:
        return self.load.warnings

    def describe(self) -> str:
        """One line for the CLI: report id, rows per partition, skipped and rejected rows, landing file."""
        parts = ", ".join(f"{d.isoformat()}: {n}" for d, n in sorted(self.load.rows_per_partition.items()))
        text = (
            f"report {self.report_id}, {self.load.rows_loaded} row(s) loaded ({parts}); landed at {self.landing_file}"
        )
        if self.load.rows_outside_window:
            text += f"; {self.load.rows_outside_window} row(s) outside the requested partitions skipped"
        if self.load.rows_rejected:
            text += f"; {self.load.rows_rejected} row(s) kept aside in raw.rejected_rows"
        if self.unknown_columns:
            text += f"; unknown columns kept in extra_columns: {', '.join(self.unknown_columns)}"
        return text


@dataclass
class StagedDocument:
    """A parsed document written to staging tables, not yet visible in raw."""

    report_type: ReportType
    context: DocumentContext
    table: str
    """``raw_staging.<raw table>__<load id>``: the parser's columns, one row per parsed row."""
    rejected_table: str
    parsed: ParsedDocument
    rows: int = 0

    @property
    def facts(self) -> DocumentFacts:
        return self.parsed.facts


def _utc_naive(value: datetime) -> datetime:
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def stage(
    con: duckdb.DuckDBPyConnection, report_type: ReportType, parsed: ParsedDocument, context: DocumentContext
) -> StagedDocument:
    """Write the document's batches (and rows kept aside) to fresh staging tables; raises DocumentError."""
    load_id = uuid.uuid4().hex[:12]
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {STAGING_SCHEMA}")
    table = f"{STAGING_SCHEMA}.{report_type.raw_table}__{load_id}"
    rejected_table = f"{STAGING_SCHEMA}.rejected_rows__{load_id}"
    cols = ", ".join(f"{c.name} {c.ddl_type}" for c in parsed_columns(report_type.raw_table))
    con.execute(f"CREATE TABLE {table} ({cols})")
    con.execute(f"CREATE TABLE {rejected_table} (source_row_number INTEGER, raw_text VARCHAR, reason VARCHAR)")
    staged = StagedDocument(report_type, context, table, rejected_table, parsed)
    try:
        for batch in parsed.batches():
            if batch.num_rows:
                con.register(_VIEW, batch)
                try:
                    con.execute(f"INSERT INTO {table} SELECT * FROM {_VIEW}")
                finally:
                    con.unregister(_VIEW)
                staged.rows += batch.num_rows
            _stage_rejected(con, staged)
        _stage_rejected(con, staged)
    except BaseException:
        drop_staging(con, staged)
        raise
    return staged


def _stage_rejected(con: duckdb.DuckDBPyConnection, staged: StagedDocument) -> None:
    rows = staged.parsed.take_rejected()
    if rows:
        con.executemany(
            f"INSERT INTO {staged.rejected_table} VALUES (?, ?, ?)",
            [(r.source_row_number, r.raw_text, r.reason) for r in rows],
        )


def drop_staging(con: duckdb.DuckDBPyConnection, staged: StagedDocument) -> None:
    for table in (staged.table, staged.rejected_table):
        with contextlib.suppress(duckdb.Error):
            con.execute(f"DROP TABLE IF EXISTS {table}")


def staged_partitions(con: duckdb.DuckDBPyConnection, staged: StagedDocument) -> list[date]:
    """The partitions the staged document's rows belong to (flat files) or its snapshot date."""
    rt = staged.report_type
    if rt.is_snapshot:
        table = con.sql(f"SELECT * FROM {staged.table} ORDER BY source_row_number").to_arrow_table()
        found = snapshot_partition_date(rt, table)
        return [found] if found else []
    rows = con.execute(
        f"SELECT DISTINCT partition_date FROM {staged.table} WHERE partition_date IS NOT NULL ORDER BY 1"
    ).fetchall()
    return [d for (d,) in rows]


def publish(
    con: duckdb.DuckDBPyConnection,
    staged: StagedDocument,
    *,
    landing_file: str | None,
    partition_dates: list[date],
    snapshot_at: datetime | None,
    sha256: str | None = None,
) -> LoadResult:
    """Replace each requested partition of ``raw.<table>`` with the staged rows (one transaction each).

    Snapshot reports: every staged row goes to ``partition_dates[0]`` with ``snapshot_at`` set. Flat
    files: ``snapshot_at`` (optional) is when Amazon generated the document, logged as ``generated_at``;
    rows are routed by their ``partition_date``; rows outside ``partition_dates`` are skipped and
    counted in ``rows_outside_window``. Raises after rolling back the failing partition (earlier
    partitions stay committed, each complete on its own). Expects ``ensure_raw_schema`` to have run.
    """
    if not partition_dates:
        raise ValueError("partition_dates is empty: nothing to load")
    rt, context, facts = staged.report_type, staged.context, staged.facts
    partitions = list(dict.fromkeys(partition_dates))
    table_name = rt.raw_table
    columns = [c.name for c in raw_columns(table_name)]
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    values = {
        "report_id": context.report_id,
        "account_id": context.account_id,
        "marketplace_id": context.marketplace_id,
        "landing_file": landing_file,
        "loaded_at": loaded_at,
    }
    if rt.is_snapshot:
        if snapshot_at is None:
            raise ValueError(f"{rt.name} is a snapshot report: snapshot_at is required")
        partitions = partitions[:1]
        values |= {"snapshot_at": _utc_naive(snapshot_at), "partition_date": partitions[0]}
        where, where_params = "", []
    else:
        where, where_params = "WHERE partition_date = ?", None
    select_parts = ["?" if name in values else name for name in columns]
    value_params = [values[name] for name in columns if name in values]
    insert_sql = (
        f"INSERT INTO {SCHEMA}.{table_name} ({', '.join(columns)}) "
        f"SELECT {', '.join(select_parts)} FROM {staged.table} {where}"
    )
    delete_sql = f"DELETE FROM {SCHEMA}.{table_name} WHERE account_id = ? AND marketplace_id = ? AND partition_date = ?"
    log_columns = [c.name for c in raw_columns("load_log")]
    log_sql = f"INSERT INTO {SCHEMA}.load_log ({', '.join(log_columns)}) VALUES ({', '.join('?' * len(log_columns))})"
    document_facts = {
        "encoding": facts.encoding,
        "encoding_source": facts.encoding_source,
        "date_formats": json.dumps(facts.date_formats, sort_keys=True) if facts.date_formats else None,
        "flags": json.dumps(facts.flags) if facts.flags else None,
        "rows_rejected": facts.rows_rejected,
        "unmapped_elements": json.dumps(facts.unmapped_elements) if facts.unmapped_elements else None,
    }
    rejected_columns = [c.name for c in REJECTED_ROW_COLUMNS]
    rejected_sql = (
        f"INSERT INTO {SCHEMA}.rejected_rows ({', '.join(rejected_columns)}) "
        f"SELECT ?, ?, ?, ?, ?, source_row_number, raw_text, reason, ? FROM {staged.rejected_table} "
        "ORDER BY source_row_number"
    )

    outside = 0
    if not rt.is_snapshot:
        (outside,) = con.execute(
            f"SELECT count(*) FROM {staged.table} WHERE partition_date IS NULL OR NOT list_contains(?, partition_date)",
            [partitions],
        ).fetchone()
    rows_per_partition: dict[date, int] = {}
    for position, day in enumerate(partitions):
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(delete_sql, [context.account_id, context.marketplace_id, day])
            params = value_params + ([day] if where_params is None else where_params)
            con.execute(insert_sql, params)
            (n,) = con.execute(
                f"SELECT count(*) FROM {SCHEMA}.{table_name} WHERE account_id = ? AND marketplace_id = ? "
                "AND partition_date = ? AND report_id = ? AND loaded_at = ?",
                [context.account_id, context.marketplace_id, day, context.report_id, loaded_at],
            ).fetchone()
            if position == 0:
                con.execute(
                    f"DELETE FROM {SCHEMA}.rejected_rows WHERE report_type = ? AND account_id = ? "
                    "AND marketplace_id = ? AND report_id = ?",
                    [rt.name, context.account_id, context.marketplace_id, context.report_id],
                )
                con.execute(
                    rejected_sql,
                    [rt.name, context.report_id, context.account_id, context.marketplace_id, landing_file, loaded_at],
                )
            log = {
                "report_type": rt.name,
                "report_id": context.report_id,
                "account_id": context.account_id,
                "marketplace_id": context.marketplace_id,
                "partition_date": day,
                "rows_loaded": n,
                "landing_file": landing_file,
                "sha256": sha256,
                "loaded_at": loaded_at,
                "generated_at": _utc_naive(snapshot_at) if snapshot_at is not None else None,
                **document_facts,
            }
            con.execute(log_sql, [log[c] for c in log_columns])
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
        rows_per_partition[day] = n
    return LoadResult(
        rows_per_partition=rows_per_partition,
        rows_outside_window=outside,
        rows_rejected=facts.rows_rejected,
        loaded_at=loaded_at,
        facts=facts,
        unknown_columns=list(staged.parsed.unknown_columns),
        warnings=list(staged.parsed.warnings),
    )


def load_document(
    con: duckdb.DuckDBPyConnection,
    report_type: ReportType,
    parsed: ParsedDocument,
    *,
    context: DocumentContext,
    landing_file: str | None,
    partition_dates: list[date] | None,
    snapshot_at: datetime | None,
    sha256: str | None = None,
    memory_limit: str | None = None,
) -> LoadResult:
    """Stage ``parsed`` and publish it; ``partition_dates`` None: the partitions the document has.

    For a snapshot without ``snapshot_at``, the snapshot is stamped 23:59:59 UTC of its partition.
    ``memory_limit`` (e.g. AHW_LOAD_MEMORY_LIMIT) caps DuckDB's buffer pool during the load.
    Raises DocumentError when the document has no partition to load and none was given.
    """
    ensure_raw_schema(con)
    with _memory_limit(con, memory_limit):
        return _stage_and_publish(con, report_type, parsed, context, landing_file, partition_dates, snapshot_at, sha256)


@contextlib.contextmanager
def _memory_limit(con: duckdb.DuckDBPyConnection, limit: str | None):
    """DuckDB's buffer pool capped at ``limit`` for the load, then restored (a database-wide setting)."""
    if not limit:
        yield
        return
    (previous,) = con.execute("SELECT current_setting('memory_limit')").fetchone()
    con.execute(f"SET memory_limit = '{limit}'")
    try:
        yield
    finally:
        con.execute(f"SET memory_limit = '{previous}'")


def _stage_and_publish(con, report_type, parsed, context, landing_file, partition_dates, snapshot_at, sha256):
    staged = stage(con, report_type, parsed, context)
    try:
        partitions = list(partition_dates or [])
        if not partitions:
            partitions = staged_partitions(con, staged)
            if not partitions:
                what = (
                    "cannot tell the snapshot date from the document"
                    if report_type.is_snapshot
                    else ("the document has no rows, so no partition to load")
                )
                raise DocumentError.for_context(context, f"{what}; pass the partition date(s) explicitly")
        if report_type.is_snapshot:
            partitions = partitions[:1]
            if snapshot_at is None:
                snapshot_at = datetime.combine(partitions[0], time(23, 59, 59))
        return publish(
            con, staged, landing_file=landing_file, partition_dates=partitions, snapshot_at=snapshot_at, sha256=sha256
        )
    finally:
        drop_staging(con, staged)


def parse_options(
    *, salt: str, declared_charset: str | None = None, charset_source: str = "download charset", settings=None
) -> ParseOptions:
    """ParseOptions with the limits of the settings (AHW_MAX_DOCUMENT_BYTES, AHW_MAX_SNAPSHOT_BYTES,
    AHW_MAX_REJECTED_ROW_SHARE)."""
    if settings is None:
        from orchestration.config import load_settings

        settings = load_settings()
    return ParseOptions(
        salt=salt,
        declared_charset=declared_charset,
        charset_source=charset_source,
        max_document_bytes=settings.max_document_bytes,
        max_snapshot_bytes=settings.max_snapshot_bytes,
        max_rejected_row_share=settings.max_rejected_row_share,
    )


def load_landed(
    con: duckdb.DuckDBPyConnection,
    landing: Landing,
    landed: LandedDocument,
    report_type: ReportType,
    context: DocumentContext,
    options: ParseOptions,
    *,
    partition_dates: list[date] | None,
    snapshot_at: datetime | None,
    memory_limit: str | None = None,
) -> LoadResult:
    """The one path from a landed document to raw: verify, stream, parse, stage, publish."""
    landing_file = landing.relative(landed.path)
    try:
        landing.verify(landed)
    except LandingError as exc:
        raise DocumentError.for_context(context, str(exc)) from None
    opener = file_opener(landed.path, options.max_document_bytes, context)
    parsed = parse_document(report_type, opener, context=context, options=options)
    return load_document(
        con,
        report_type,
        parsed,
        context=context,
        landing_file=landing_file,
        partition_dates=partition_dates,
        snapshot_at=snapshot_at,
        sha256=landed.sha256,
        memory_limit=memory_limit,
    )


def import_file(
    con: duckdb.DuckDBPyConnection,
    landing: Landing,
    path: Path | str,
    report_type: ReportType | str,
    account: str,
    marketplace_id: str,
    partition_dates: list[date] | None = None,
    *,
    salt: str | None = None,
    encoding: str | None = None,
    settings=None,
) -> ImportResult:
    """``ahw import-report``: land a hand-saved document (gzip or plain), parse it and load it.

    The report id is ``import-`` + the first 16 hex digits of the file's sha256, so importing the
    same file twice lands it once and loads identical rows. Partitions, unless given: the distinct
    row dates of a flat file; for a snapshot report the date of the latest ``reportingDateTo``
    (V2) / ``timeFrame`` end (V1), with ``snapshot_at`` at 23:59:59 UTC of that date.
    ``encoding`` declares the document's charset (Amazon's or Python's name), as a download's
    ``Content-Type`` would; without it a flat file is read in its marketplace's catalogue encoding.
    ``salt`` defaults to the configured ``AHW_PII_SALT``.
    """
    rt = lookup_report_type(report_type) if isinstance(report_type, str) else report_type
    if settings is None:
        from orchestration.config import load_settings

        settings = load_settings()
    src = Path(path)
    digest = hashlib.sha256()
    with src.open("rb") as fh:
        head = fh.read(2)
        fh.seek(0)
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    sha = digest.hexdigest()
    report_id = f"import-{sha[:16]}"
    meta = LandingMeta(
        report_id=report_id,
        report_type=rt.name,
        account_id=account,
        marketplace_id=marketplace_id,
        compression="GZIP" if head == GZIP_MAGIC else None,
        source="import",
        processing_status="DONE",
        charset=encoding,
    )
    landed = landing.save_file(src, meta)
    context = DocumentContext(rt.name, account, marketplace_id, report_id)
    options = parse_options(
        salt=salt or settings.pii_salt, declared_charset=encoding, charset_source="import option", settings=settings
    )
    result = load_landed(
        con, landing, landed, rt, context, options, partition_dates=partition_dates or None, snapshot_at=None,
        memory_limit=settings.load_memory_limit,
    )  # fmt: skip
    return ImportResult(
        landed=landed,
        landing_file=landing.relative(landed.path),
        report_id=report_id,
        partition_dates=sorted(result.rows_per_partition),
        load=result,
    )


__all__ = [
    "ImportResult",
    "LoadResult",
    "StagedDocument",
    "drop_staging",
    "import_file",
    "load_document",
    "load_landed",
    "parse_options",
    "publish",
    "stage",
    "staged_partitions",
]
