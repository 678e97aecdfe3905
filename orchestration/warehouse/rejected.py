"""The rejected area: new versions of raw partitions that the raw gate refused, kept for inspection.

Schema ``raw_rejected`` mirrors ``raw``: ``raw_rejected.<table>`` has the raw table's columns (the rows
exactly as they would have been published, provenance included) plus ``load_id``, ``run_id``,
``rejected_at`` (UTC) and ``reason`` (the failed expectations that concern the document), and
``raw_rejected.documents`` has one row per rejected version (report, account, marketplace, partitions,
rows, landing file, reason). The published rows in ``raw`` are never touched by a rejection.

Buyer data is as in raw: dropped or salted-hashed by the parser before staging. Rejected versions are
kept AHW_LANDING_RETENTION_DAYS days after their rejection (``rejected_at``, UTC), as long as the landed
document they came from: :func:`purge_rejected` deletes older ones, called by ``ahw purge-landing`` and by
each report's asset after a clean step, where landing retention is applied.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import duckdb

from orchestration.raw_schema import raw_columns

if TYPE_CHECKING:
    from orchestration.warehouse.loader import StagedDocument

REJECTED_SCHEMA = "raw_rejected"
DOCUMENTS_TABLE = f"{REJECTED_SCHEMA}.documents"
#: Columns added to the raw table's own in ``raw_rejected.<table>``.
REJECTION_COLUMNS = (("load_id", "VARCHAR"), ("run_id", "VARCHAR"), ("rejected_at", "TIMESTAMP"), ("reason", "VARCHAR"))
_DOCUMENTS_DDL = f"""CREATE TABLE IF NOT EXISTS {DOCUMENTS_TABLE} (
    load_id VARCHAR, run_id VARCHAR, report_type VARCHAR, report_id VARCHAR, account_id VARCHAR,
    marketplace_id VARCHAR, partition_dates DATE[], rows_count BIGINT, landing_file VARCHAR, sha256 VARCHAR,
    reason VARCHAR, rejected_at TIMESTAMP
)"""


def ensure_rejected_table(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Create ``raw_rejected.<table>`` (and ``raw_rejected.documents``) or add the columns raw gained since."""
    name = f"{REJECTED_SCHEMA}.{table}"
    columns = [(c.name, c.ddl_type) for c in raw_columns(table)] + list(REJECTION_COLUMNS)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {REJECTED_SCHEMA}")
    con.execute(_DOCUMENTS_DDL)
    con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({', '.join(f'{n} {t}' for n, t in columns)})")
    existing = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
            [REJECTED_SCHEMA, table],
        ).fetchall()
    }
    for column, ddl_type in columns:
        if column not in existing:
            con.execute(f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS {column} {ddl_type}")
    return name


def reject(con: duckdb.DuckDBPyConnection, staged: StagedDocument, *, reason: str, run_id: str | None) -> str:
    """Keep ``staged``'s version in the rejected area (one transaction); returns where to look at it.

    The version's rows go to ``raw_rejected.<table>`` and a row to ``raw_rejected.documents``; raw is
    not touched. The returned text is a query fragment such as
    ``raw_rejected.orders where load_id = '0123abcd4567'``.
    """
    table = ensure_rejected_table(con, staged.raw_table)
    rejected_at = datetime.now(UTC).replace(tzinfo=None)
    context = staged.context
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            f"INSERT INTO {table} BY NAME SELECT *, ? AS load_id, ? AS run_id, ? AS rejected_at, ? AS reason "
            f"FROM {staged.version_view}",
            [staged.load_id, run_id, rejected_at, reason],
        )
        (rows,) = con.execute(f"SELECT count(*) FROM {staged.version_view}").fetchone()
        con.execute(
            f"INSERT INTO {DOCUMENTS_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [staged.load_id, run_id, context.report_type, context.report_id, context.account_id,
             context.marketplace_id, staged.partitions, rows, staged.landing_file, staged.sha256, reason,
             rejected_at],
        )  # fmt: skip
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return f"{table} where load_id = '{staged.load_id}'"


def purge_rejected(
    con: duckdb.DuckDBPyConnection,
    older_than_days: int,
    *,
    now: datetime | None = None,
    report_type=None,
    dry_run: bool = False,
) -> int:
    """Delete rejected versions rejected more than ``older_than_days`` days before ``now`` (UTC, default the
    current time), in one transaction; returns how many versions (``raw_rejected.documents`` rows) that was.

    ``report_type`` (a :class:`~orchestration.spapi.report_types.ReportType`): only its versions (its
    ``raw_rejected.<table>`` rows and its documents); ``dry_run``: count them, delete nothing.
    """
    tables = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = ?", [REJECTED_SCHEMA]
        ).fetchall()
    ]
    if "documents" not in tables:
        return 0
    cutoff = (now or datetime.now(UTC)).replace(tzinfo=None) - timedelta(days=older_than_days)
    only_type = "" if report_type is None else " AND report_type = ?"
    params = [cutoff] + ([] if report_type is None else [report_type.name])
    (count,) = con.execute(
        f"SELECT count(*) FROM {DOCUMENTS_TABLE} WHERE rejected_at < ?{only_type}", params
    ).fetchone()
    if dry_run:
        return int(count)
    if report_type is not None:
        tables = [t for t in tables if t in ("documents", report_type.raw_table)]
    con.execute("BEGIN TRANSACTION")
    try:
        for table in tables:
            if table == "documents":
                con.execute(f"DELETE FROM {DOCUMENTS_TABLE} WHERE rejected_at < ?{only_type}", params)
            else:
                con.execute(f"DELETE FROM {REJECTED_SCHEMA}.{table} WHERE rejected_at < ?", [cutoff])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return int(count)
