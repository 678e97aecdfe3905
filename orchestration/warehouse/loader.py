"""Load parsed documents into schema ``raw``: one transaction per (report type, account, marketplace, partition).

Each partition is replaced as a whole: the transaction deletes the partition's rows for the account
and marketplace, inserts the new version with provenance, and appends a ``raw.load_log`` row. If
anything fails the transaction rolls back and the previous version stays intact (DESIGN.md section 6:
"a failed or re-run load leaves the warehouse as it was or as a complete new version, never half").
A partition requested but absent from the document is still replaced (by zero rows), so a re-run
over data that disappeared leaves no stale rows.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.spapi.parsers import (
    DocumentContext,
    DocumentError,
    ParsedDocument,
    parse_document,
    snapshot_partition_date,
)
from orchestration.spapi.report_types import ReportType
from orchestration.spapi.report_types import report_type as lookup_report_type
from orchestration.warehouse.landing import GZIP_MAGIC, LandedDocument, Landing, LandingError, LandingMeta
from orchestration.warehouse.schema import SCHEMA, ensure_raw_schema, parsed_arrow_schema, raw_columns


@dataclass
class LoadResult:
    rows_per_partition: dict[date, int]
    """Rows written per requested partition (0 when the document had none for it)."""
    rows_outside_window: int = 0
    """Rows of the document whose partition was not requested (ignored; the extractor logs them)."""
    loaded_at: datetime | None = None

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
    unknown_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One line for the CLI: report id, rows per partition, skipped rows, landing file."""
        parts = ", ".join(f"{d.isoformat()}: {n}" for d, n in sorted(self.load.rows_per_partition.items()))
        text = (
            f"report {self.report_id}, {self.load.rows_loaded} row(s) loaded ({parts}); landed at {self.landing_file}"
        )
        if self.load.rows_outside_window:
            text += f"; {self.load.rows_outside_window} row(s) outside the requested partitions skipped"
        if self.unknown_columns:
            text += f"; unknown columns kept in extra_columns: {', '.join(self.unknown_columns)}"
        return text


_VIEW = "__ahw_load_partition"


def _utc_naive(value: datetime) -> datetime:
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def load_document(
    con: duckdb.DuckDBPyConnection,
    report_type: ReportType,
    parsed: ParsedDocument,
    *,
    context: DocumentContext,
    landing_file: str,
    partition_dates: list[date],
    snapshot_at: datetime | None,
    sha256: str | None = None,
) -> LoadResult:
    """Replace each requested partition of ``raw.<report_type.raw_table>`` with the document's rows.

    Snapshot reports (``report_type.is_snapshot``): every row goes to ``partition_dates[0]`` with
    ``snapshot_at`` set. Flat files: rows are routed by their ``partition_date``; rows outside
    ``partition_dates`` are skipped and counted in ``rows_outside_window``.
    Raises on failure after rolling back the failing partition (earlier partitions stay committed,
    each is complete on its own).
    """
    if not partition_dates:
        raise ValueError("partition_dates is empty: nothing to load")
    partitions = list(dict.fromkeys(partition_dates))  # dedupe, keep order
    table_name = report_type.raw_table
    columns = [c.name for c in raw_columns(table_name)]
    ensure_raw_schema(con)
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    table = parsed.table
    expected = parsed_arrow_schema(table_name)
    missing = [n for n in expected.names if n not in table.column_names]
    if missing:
        raise DocumentError.for_context(context, f"parsed table lacks column(s) {', '.join(missing)}")

    outside = 0
    if report_type.is_snapshot:
        if snapshot_at is None:
            raise ValueError(f"{report_type.name} is a snapshot report: snapshot_at is required")
        target = partitions[0]
        n = table.num_rows
        table = table.set_column(
            table.schema.get_field_index("snapshot_at"),
            "snapshot_at",
            pa.array([_utc_naive(snapshot_at)] * n, pa.timestamp("us")),
        )
        table = table.set_column(
            table.schema.get_field_index("partition_date"),
            "partition_date",
            pa.array([target] * n, pa.date32()),
        )
        slices = {target: table}
        partitions = [target]
    else:
        slices = {}
        part_col = table.column("partition_date")
        wanted = pa.array(partitions, pa.date32())
        inside_mask = pc.is_in(part_col, value_set=wanted)
        outside = table.num_rows - pc.sum(pc.cast(inside_mask, pa.int64())).as_py() if table.num_rows else 0
        for d in partitions:
            mask = pc.equal(part_col, pa.scalar(d, pa.date32()))
            slices[d] = table.filter(mask)

    provenance_params = ("report_id", "account_id", "marketplace_id", "landing_file", "loaded_at")
    values = {
        "report_id": context.report_id,
        "account_id": context.account_id,
        "marketplace_id": context.marketplace_id,
        "landing_file": landing_file,
        "loaded_at": loaded_at,
    }
    insert_cols = ", ".join(columns)
    select_parts = ["?" if name in provenance_params else name for name in columns]
    params = [values[name] for name in columns if name in provenance_params]
    insert_sql = (
        f"INSERT INTO {SCHEMA}.{table_name} ({insert_cols}) "
        f"SELECT {', '.join(select_parts)} FROM {_VIEW} ORDER BY source_row_number"
    )
    delete_sql = f"DELETE FROM {SCHEMA}.{table_name} WHERE account_id = ? AND marketplace_id = ? AND partition_date = ?"
    log_sql = (
        f"INSERT INTO {SCHEMA}.load_log (report_type, report_id, account_id, marketplace_id, partition_date, "
        "rows_loaded, landing_file, sha256, loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )

    rows_per_partition: dict[date, int] = {}
    for d in partitions:
        part = slices[d]
        con.execute("BEGIN TRANSACTION")
        try:
            con.register(_VIEW, part)
            try:
                con.execute(delete_sql, [context.account_id, context.marketplace_id, d])
                con.execute(insert_sql, params)
            finally:
                con.unregister(_VIEW)
            con.execute(
                log_sql,
                [
                    report_type.name,
                    context.report_id,
                    context.account_id,
                    context.marketplace_id,
                    d,
                    part.num_rows,
                    landing_file,
                    sha256,
                    loaded_at,
                ],
            )
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
        rows_per_partition[d] = part.num_rows
    return LoadResult(rows_per_partition=rows_per_partition, rows_outside_window=outside, loaded_at=loaded_at)


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
) -> ImportResult:
    """``ahw import-report``: land a hand-saved document (gzip or plain), parse it and load it.

    The report id is ``import-`` + the first 16 hex digits of the file's sha256, so importing the
    same file twice lands it once and loads identical rows. Partitions, unless given: the distinct
    row dates of a flat file; for a snapshot report the date of the latest ``reportingDateTo``
    (V2) / ``timeFrame`` end (V1), with ``snapshot_at`` at 23:59:59 UTC of that date.
    ``salt`` defaults to the configured ``AHW_PII_SALT``.
    """
    rt = lookup_report_type(report_type) if isinstance(report_type, str) else report_type
    if salt is None:
        from orchestration.config import load_settings

        salt = load_settings().pii_salt
    src = Path(path)
    content = src.read_bytes()
    sha = hashlib.sha256(content).hexdigest()
    report_id = f"import-{sha[:16]}"
    meta = LandingMeta(
        report_id=report_id,
        report_type=rt.name,
        account_id=account,
        marketplace_id=marketplace_id,
        compression="GZIP" if content[:2] == GZIP_MAGIC else None,
        source="import",
        processing_status="DONE",
    )
    landed = landing.save(content, meta)
    landing_file = landing.relative(landed.path)
    context = DocumentContext(rt.name, account, marketplace_id, report_id)
    try:
        data = landing.read(landed)
    except LandingError as exc:
        raise DocumentError.for_context(context, str(exc)) from None
    parsed = parse_document(rt, data, context=context, salt=salt)

    snapshot_at = None
    if rt.is_snapshot:
        if partition_dates:
            partitions = [partition_dates[0]]
        else:
            found = snapshot_partition_date(rt, parsed)
            if found is None:
                raise DocumentError.for_context(
                    context, "cannot tell the snapshot date from the document; pass the partition date explicitly"
                )
            partitions = [found]
        snapshot_at = datetime.combine(partitions[0], time(23, 59, 59))
    elif partition_dates:
        partitions = list(partition_dates)
    else:
        partitions = sorted({d for d in parsed.table.column("partition_date").to_pylist() if d is not None})
        if not partitions:
            raise DocumentError.for_context(
                context, "the document has no rows, so no partition to load; pass the partition dates explicitly"
            )
    result = load_document(
        con,
        rt,
        parsed,
        context=context,
        landing_file=landing_file,
        partition_dates=partitions,
        snapshot_at=snapshot_at,
        sha256=landed.sha256,
    )
    return ImportResult(
        landed=landed,
        landing_file=landing_file,
        report_id=report_id,
        partition_dates=partitions,
        load=result,
        unknown_columns=parsed.unknown_columns,
        warnings=parsed.warnings,
    )
