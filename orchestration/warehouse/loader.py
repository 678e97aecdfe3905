"""Load documents into schema ``raw``: write, audit, publish.

The one path from a landed document to raw, for the extractor (``orchestration.ingest``) and for
``ahw import-report`` (:func:`import_file`): the landed file is opened as a bounded stream, parsed
(``orchestration.parsing``) and loaded in three steps:

1. **write** (:func:`stage`, :func:`prepare`): the parsed record batches are appended, batch by batch,
   to a table of their own in schema ``raw_staging`` (rows that do not fit the header to a second one),
   so memory stays bounded whatever the document's size; a view beside it,
   ``raw_staging.<table>__<load id>__version``, shows the rows exactly as they would be published
   (provenance included). Nothing readers see changes.
2. **audit** (:func:`audit_and_publish`, ``orchestration.quality.audit``): the raw suites validate the
   new versions with Great Expectations, on the published rows with the new versions in place of
   their partitions, so suites that compare with history (volume) read both.
3. **publish** (:func:`publish`): for a version that passed, ONE transaction deletes the account x
   marketplace's rows of every partition it replaces, inserts the new rows, replaces the document's
   rows in ``raw.rejected_rows`` and appends a ``raw.load_log`` row per partition with the document's
   facts (encoding, date formats, flags, rows rejected, unmapped elements). If anything fails the
   transaction rolls back and the previous version stays intact. A partition requested but absent from
   the document is still replaced (by zero rows), so a re-run over data that disappeared leaves no
   stale rows. A version that failed is kept in ``raw_rejected.<table>`` with its load id, run id and
   reason (``orchestration.warehouse.rejected``) and the published partitions are not touched.

The staging tables are dropped when the load ends, whatever happened; those a crashed process left
behind are dropped by the next load (:func:`drop_abandoned_staging`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
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
    parse_document,
    snapshot_partition_date,
)
from orchestration.parsing.streams import GZIP_MAGIC
from orchestration.raw_schema import REJECTED_ROW_COLUMNS, SCHEMA, parsed_columns, raw_columns
from orchestration.spapi.report_types import ReportType
from orchestration.spapi.report_types import report_type as lookup_report_type
from orchestration.warehouse.landing import LandedDocument, Landing, LandingError, LandingMeta
from orchestration.warehouse.schema import ensure_raw_schema

log = logging.getLogger(__name__)

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
    """A parsed document written to staging tables: the new version of its partitions, not yet in raw.

    :func:`stage` fills the staging tables; :func:`prepare` decides the partitions it replaces and
    creates :attr:`version_view`, the rows exactly as :func:`publish` would insert them into
    ``raw.<table>`` (provenance included), which is what the raw audit validates.
    """

    report_type: ReportType
    context: DocumentContext
    table: str
    """``raw_staging.<raw table>__<load id>``: the parser's columns, one row per parsed row."""
    rejected_table: str
    parsed: ParsedDocument
    load_id: str
    rows: int = 0
    landing_file: str | None = None
    sha256: str | None = None
    partitions: list[date] = field(default_factory=list)
    """The partitions this version replaces (flat files: requested days; snapshots: one day)."""
    snapshot_at: datetime | None = None
    loaded_at: datetime | None = None
    rows_outside_window: int = 0

    @property
    def facts(self) -> DocumentFacts:
        return self.parsed.facts

    @property
    def raw_table(self) -> str:
        return self.report_type.raw_table

    @property
    def account_id(self) -> str:
        return self.context.account_id

    @property
    def marketplace_id(self) -> str:
        return self.context.marketplace_id

    @property
    def version_view(self) -> str:
        """``raw_staging.<raw table>__<load id>__version``: the raw-shaped rows of the new version."""
        return f"{self.table}__version"

    def describe(self) -> str:
        """Report type, account, marketplace, report id and partitions, for one-line messages."""
        days = _days_text(self.partitions)
        return (
            f"{self.report_type.name} for account {self.account_id}, marketplace {self.marketplace_id}, "
            f"report {self.context.report_id}, partition(s) {days}"
        )


def _days_text(days: list[date]) -> str:
    if not days:
        return "none"
    ordered = sorted(days)
    return ordered[0].isoformat() if len(ordered) == 1 else f"{ordered[0]}..{ordered[-1]}"


def _utc_naive(value: datetime) -> datetime:
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


#: Load ids staged by this process and not dropped yet. DuckDB has one writer process, so any other
#: staging table found while this process holds the file was left by a crashed load.
_ACTIVE_LOADS: set[str] = set()


def drop_abandoned_staging(con: duckdb.DuckDBPyConnection) -> int:
    """Drop staging tables and views a crashed load left behind (not staged by this process); returns how many."""
    objects = con.execute(
        "SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE schema_name = ? "
        "UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() WHERE schema_name = ?",
        [STAGING_SCHEMA, STAGING_SCHEMA],
    ).fetchall()
    dropped = 0
    for name, kind in sorted(objects, key=lambda o: o[1] == "TABLE"):  # views before their tables
        if not any(load_id in name for load_id in _ACTIVE_LOADS):
            con.execute(f'DROP {kind} IF EXISTS {STAGING_SCHEMA}."{name}"')
            dropped += 1
    return dropped


def stage(
    con: duckdb.DuckDBPyConnection, report_type: ReportType, parsed: ParsedDocument, context: DocumentContext
) -> StagedDocument:
    """Write the document's batches (and rows kept aside) to fresh staging tables; raises DocumentError."""
    load_id = uuid.uuid4().hex[:12]
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {STAGING_SCHEMA}")
    _ACTIVE_LOADS.add(load_id)
    table = f"{STAGING_SCHEMA}.{report_type.raw_table}__{load_id}"
    rejected_table = f"{STAGING_SCHEMA}.rejected_rows__{load_id}"
    cols = ", ".join(f"{c.name} {c.ddl_type}" for c in parsed_columns(report_type.raw_table))
    staged = StagedDocument(report_type, context, table, rejected_table, parsed, load_id)
    try:
        con.execute(f"CREATE TABLE {table} ({cols})")
        con.execute(f"CREATE TABLE {rejected_table} (source_row_number INTEGER, raw_text VARCHAR, reason VARCHAR)")
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
    """Drop the document's staging tables and version view (whatever happened to it)."""
    with contextlib.suppress(duckdb.Error):
        con.execute(f"DROP VIEW IF EXISTS {staged.version_view}")
    for table in (staged.table, staged.rejected_table):
        with contextlib.suppress(duckdb.Error):
            con.execute(f"DROP TABLE IF EXISTS {table}")
    _ACTIVE_LOADS.discard(staged.load_id)


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


def _literal(value: object, ddl_type: str) -> str:
    """A typed SQL literal (the version view is a view: it cannot take parameters)."""
    if value is None:
        return f"CAST(NULL AS {ddl_type})"
    text = value.isoformat(sep=" ") if isinstance(value, datetime) else str(value)
    return f"CAST('{text.replace(chr(39), chr(39) * 2)}' AS {ddl_type})"


def prepare(
    con: duckdb.DuckDBPyConnection,
    staged: StagedDocument,
    *,
    landing_file: str | None,
    partition_dates: list[date] | None,
    snapshot_at: datetime | None,
    sha256: str | None = None,
) -> StagedDocument:
    """Decide the partitions the staged document replaces and create its version view.

    ``partition_dates`` None: the partitions the document has (flat files: its rows' dates; snapshots:
    the date the document states). Snapshot reports: every staged row goes to the first partition with
    ``snapshot_at`` set (default 23:59:59 UTC of that day). Flat files: ``snapshot_at`` (optional) is when
    Amazon generated the document, logged as ``generated_at``; rows are routed by their
    ``partition_date``; rows outside the partitions are left out and counted (``rows_outside_window``).
    Raises DocumentError when there is no partition to load.
    """
    rt, context = staged.report_type, staged.context
    partitions = list(dict.fromkeys(partition_dates or []))
    if not partitions:
        partitions = staged_partitions(con, staged)
        if not partitions:
            what = (
                "cannot tell the snapshot date from the document"
                if rt.is_snapshot
                else "the document has no rows, so no partition to load"
            )
            raise DocumentError.for_context(context, f"{what}; pass the partition date(s) explicitly")
    if rt.is_snapshot:
        partitions = partitions[:1]
        snapshot_at = _utc_naive(snapshot_at) if snapshot_at else datetime.combine(partitions[0], time(23, 59, 59))
    staged.partitions, staged.snapshot_at = partitions, snapshot_at
    staged.landing_file, staged.sha256 = landing_file, sha256
    staged.loaded_at = datetime.now(UTC).replace(tzinfo=None)
    fixed: dict[str, object] = {
        "report_id": context.report_id,
        "account_id": context.account_id,
        "marketplace_id": context.marketplace_id,
        "landing_file": landing_file,
        "loaded_at": staged.loaded_at,
    }
    where = ""
    if rt.is_snapshot:
        fixed |= {"snapshot_at": snapshot_at, "partition_date": partitions[0]}
    else:
        days = ", ".join(_literal(d, "DATE") for d in partitions)
        where = f" WHERE partition_date IN ({days})"
        (staged.rows_outside_window,) = con.execute(
            f"SELECT count(*) FROM {staged.table} WHERE partition_date IS NULL OR NOT list_contains(?, partition_date)",
            [partitions],
        ).fetchone()
    select = ", ".join(
        f"{_literal(fixed[c.name], c.ddl_type)} AS {c.name}" if c.name in fixed else c.name
        for c in raw_columns(rt.raw_table)
    )
    con.execute(f"CREATE OR REPLACE VIEW {staged.version_view} AS SELECT {select} FROM {staged.table}{where}")
    return staged


def publish(con: duckdb.DuckDBPyConnection, staged: StagedDocument) -> LoadResult:
    """Replace the staged document's partitions of ``raw.<table>`` with its version, in ONE transaction.

    Deletes the account x marketplace's rows of every partition the version replaces, inserts the
    version's rows, replaces the document's rows in ``raw.rejected_rows`` and appends a
    ``raw.load_log`` row per partition with the document's facts. A partition without rows in the
    document is still replaced (by zero rows), so a re-run over data that disappeared leaves no stale
    rows. If anything fails the transaction rolls back and the previous version stays intact. Expects
    :func:`prepare` and ``ensure_raw_schema`` to have run.
    """
    if staged.loaded_at is None:
        raise ValueError("publish() needs a prepared document: call prepare() first")
    rt, context, facts = staged.report_type, staged.context, staged.facts
    table_name = rt.raw_table
    columns = ", ".join(c.name for c in raw_columns(table_name))
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
    key = [context.account_id, context.marketplace_id]
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            f"DELETE FROM {SCHEMA}.{table_name} WHERE account_id = ? AND marketplace_id = ? "
            "AND list_contains(?, partition_date)",
            [*key, staged.partitions],
        )
        con.execute(f"INSERT INTO {SCHEMA}.{table_name} ({columns}) SELECT {columns} FROM {staged.version_view}")
        counted = dict(con.execute(f"SELECT partition_date, count(*) FROM {staged.version_view} GROUP BY 1").fetchall())
        con.execute(
            f"DELETE FROM {SCHEMA}.rejected_rows WHERE report_type = ? AND account_id = ? "
            "AND marketplace_id = ? AND report_id = ?",
            [rt.name, *key, context.report_id],
        )
        con.execute(
            rejected_sql,
            [rt.name, context.report_id, *key, staged.landing_file, staged.loaded_at],
        )
        rows_per_partition = {day: int(counted.get(day, 0)) for day in staged.partitions}
        for day, n in rows_per_partition.items():
            log = {
                "report_type": rt.name,
                "report_id": context.report_id,
                "account_id": context.account_id,
                "marketplace_id": context.marketplace_id,
                "partition_date": day,
                "rows_loaded": n,
                "landing_file": staged.landing_file,
                "sha256": staged.sha256,
                "loaded_at": staged.loaded_at,
                "generated_at": _utc_naive(staged.snapshot_at) if staged.snapshot_at is not None else None,
                **document_facts,
            }
            con.execute(log_sql, [log[c] for c in log_columns])
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    return LoadResult(
        rows_per_partition=rows_per_partition,
        rows_outside_window=staged.rows_outside_window,
        rows_rejected=facts.rows_rejected,
        loaded_at=staged.loaded_at,
        facts=facts,
        unknown_columns=list(staged.parsed.unknown_columns),
        warnings=list(staged.parsed.warnings),
    )


class RawGateFailed(DocumentError):
    """The raw gate rejected a document's new version: the published partitions are unchanged and the
    rejected version is kept in ``raw_rejected.<table>`` (see :class:`Rejection`)."""


@dataclass
class Rejection:
    """A new version the raw gate refused, and where it is kept."""

    staged: StagedDocument
    reasons: list[str]
    """The failed expectations that concern this document (suite: expectation(column): count)."""
    run_id: str | None
    where: str
    """The query that shows the kept version, e.g. ``raw_rejected.orders where load_id = '...'``."""

    def problem(self) -> str:
        first = self.reasons[0] if self.reasons else "failed"
        more = f" (+{len(self.reasons) - 1} more)" if len(self.reasons) > 1 else ""
        return (
            f"partition(s) {_days_text(self.staged.partitions)}: the raw gate failed ({first}{more}); the published "
            f"partitions are unchanged and the rejected version is kept in {self.where}; correct the source "
            "document (or the suite in orchestration/quality/suites.py if the data is right) and re-run the "
            "partition(s)"
        )

    def error(self) -> RawGateFailed:
        return RawGateFailed.for_context(self.staged.context, self.problem())

    def message(self) -> str:
        """One line: which document, what failed, that nothing published changed, where to look, what to do."""
        return str(self.error())


@dataclass
class AuditedLoad:
    """What :func:`audit_and_publish` did with each staged document."""

    published: dict[str, LoadResult] = field(default_factory=dict)
    """Load id -> what was published."""
    rejected: list[Rejection] = field(default_factory=list)
    outcomes: list = field(default_factory=list)
    """The raw suites' ValidationOutcomes (recorded in quality.validation_results)."""


def audit_and_publish(
    con: duckdb.DuckDBPyConnection,
    staged_documents: list[StagedDocument],
    *,
    run_id: str | None = None,
    audit: bool = True,
) -> AuditedLoad:
    """Write-audit-publish for prepared documents: the raw gate validates every new version together
    (``orchestration.quality.audit``: the raw suites of each table, on the published rows with the new
    versions in place of their partitions, so history-comparing suites see both), then each document
    that passed is published in one transaction and each that failed is kept in ``raw_rejected``.

    ``audit=False`` publishes without the gate (the loader's own tests and fixtures). With the gate,
    validation and publication run under AHW_AUDIT_MEMORY_LIMIT (Great Expectations shares the process).
    Staging tables are left to the caller (:func:`drop_staging`).
    """
    from orchestration.warehouse.rejected import reject

    result = AuditedLoad()
    reasons: dict[str, list[str]] = {}
    if not audit:
        for staged in staged_documents:
            result.published[staged.load_id] = publish(con, staged)
        return result
    from orchestration.config import load_settings
    from orchestration.quality.audit import audit_versions

    with capped_memory(con, load_settings().audit_memory_limit):
        if staged_documents:
            verdict = audit_versions(con, staged_documents, run_id=run_id)
            result.outcomes, reasons = verdict.outcomes, verdict.reasons
        for staged in staged_documents:
            failed = reasons.get(staged.load_id)
            if failed:
                where = reject(con, staged, reason="; ".join(failed), run_id=run_id)
                result.rejected.append(Rejection(staged, failed, run_id, where))
            else:
                result.published[staged.load_id] = publish(con, staged)
    return result


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
    audit: bool = True,
    run_id: str | None = None,
) -> LoadResult:
    """Stage ``parsed``, audit it with the raw gate and publish it; ``partition_dates`` None: the
    partitions the document has.

    For a snapshot without ``snapshot_at``, the snapshot is stamped 23:59:59 UTC of its partition.
    ``memory_limit`` (e.g. AHW_LOAD_MEMORY_LIMIT) caps DuckDB's buffer pool during the load.
    Raises DocumentError when the document has no partition to load and none was given, and
    :class:`RawGateFailed` (after keeping the version in ``raw_rejected``) when the gate refuses it.
    """
    ensure_raw_schema(con)
    with capped_memory(con, memory_limit):
        staged = stage(con, report_type, parsed, context)
    try:
        with capped_memory(con, memory_limit):
            prepare(
                con, staged, landing_file=landing_file, partition_dates=partition_dates, snapshot_at=snapshot_at,
                sha256=sha256,
            )  # fmt: skip
            # The audit streams each suite's frame in bounded chunks (quality.runner.validate), under its own cap.
            done = audit_and_publish(con, [staged], run_id=run_id, audit=audit)
    finally:
        drop_staging(con, staged)
    if done.rejected:
        raise done.rejected[0].error()
    return done.published[staged.load_id]


@contextlib.contextmanager
def capped_memory(con: duckdb.DuckDBPyConnection, limit: str | None):
    """DuckDB's buffer pool capped at ``limit`` for the load, then restored (a database-wide setting).
    When DuckDB holds more than ``limit`` at that moment and cannot free it, the current limit stays."""
    if not limit:
        yield
        return
    (previous,) = con.execute("SELECT current_setting('memory_limit')").fetchone()
    try:
        con.execute(f"SET memory_limit = '{limit}'")
    except duckdb.OutOfMemoryException:
        # DuckDB holds more than the cap right now and cannot free it: run under the current limit.
        log.info("DuckDB could not lower its memory limit to %s now (more is in use); keeping %s", limit, previous)
        yield
        return
    try:
        yield
    finally:
        con.execute(f"SET memory_limit = '{previous}'")


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


def stage_landed(
    con: duckdb.DuckDBPyConnection,
    landing: Landing,
    landed: LandedDocument,
    report_type: ReportType,
    context: DocumentContext,
    options: ParseOptions,
) -> StagedDocument:
    """Verify a landed document, stream and parse it into staging tables (nothing published yet)."""
    try:
        landing.verify(landed)
    except LandingError as exc:
        raise DocumentError.for_context(context, str(exc)) from None
    opener = landing.opener(landed, options.max_document_bytes, context)
    parsed = parse_document(report_type, opener, context=context, options=options)
    return stage(con, report_type, parsed, context)


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
    run_id: str | None = None,
) -> LoadResult:
    """The one path from a landed document to raw: verify, stream, parse, stage, audit, publish.

    Raises DocumentError for a document that cannot be read, :class:`RawGateFailed` when the raw gate
    refuses its new version (kept in ``raw_rejected``; the published partitions unchanged).
    """
    ensure_raw_schema(con)
    with capped_memory(con, memory_limit):
        staged = stage_landed(con, landing, landed, report_type, context, options)
        try:
            prepare(
                con, staged, landing_file=landing.relative(landed.path), partition_dates=partition_dates,
                snapshot_at=snapshot_at, sha256=landed.sha256,
            )  # fmt: skip
            done = audit_and_publish(con, [staged], run_id=run_id)
        finally:
            drop_staging(con, staged)
    if done.rejected:
        raise done.rejected[0].error()
    return done.published[staged.load_id]


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
    run_id: str | None = None,
) -> ImportResult:
    """``ahw import-report``: land a hand-saved document (gzip or plain), parse it and load it.

    The report id is ``import-`` + the first 16 hex digits of the file's sha256, so importing the
    same file twice lands it once and loads identical rows. Partitions, unless given: the distinct
    row dates of a flat file; for a snapshot report the date of the latest ``reportingDateTo``
    (V2) / ``timeFrame`` end (V1), with ``snapshot_at`` at 23:59:59 UTC of that date.
    ``encoding`` declares the document's charset (Amazon's or Python's name), as a download's
    ``Content-Type`` would; without it a flat file is read in its marketplace's catalogue encoding.
    ``salt`` defaults to the configured ``AHW_PII_SALT``. The document is audited by the raw suites
    of its table before it is published, exactly as an extracted one (:class:`RawGateFailed` when
    they refuse it; ``run_id`` names the import in the rejected area and the validation results).
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
        memory_limit=settings.load_memory_limit, run_id=run_id,
    )  # fmt: skip
    return ImportResult(
        landed=landed,
        landing_file=landing.relative(landed.path),
        report_id=report_id,
        partition_dates=sorted(result.rows_per_partition),
        load=result,
    )


__all__ = [
    "AuditedLoad",
    "ImportResult",
    "LoadResult",
    "RawGateFailed",
    "Rejection",
    "StagedDocument",
    "audit_and_publish",
    "capped_memory",
    "drop_abandoned_staging",
    "drop_staging",
    "import_file",
    "load_document",
    "load_landed",
    "parse_options",
    "prepare",
    "publish",
    "stage",
    "stage_landed",
    "staged_partitions",
]
