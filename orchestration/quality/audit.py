"""The raw gate as an audit of new versions, before they are published (write-audit-publish).

The loader stages each document's new version beside the published table
(``raw_staging.<table>__<load id>__version``). This module validates them with the raw suites of their
table, exactly the suites the Dagster check reports, on a *candidate*: the published rows of
``raw.<table>`` with the new versions in place of the partitions they replace (and a candidate
``raw.load_log`` with their facts). The frames are then restricted to the audited partitions, so:

- row-level suites see only the new rows;
- suites that compare with history (volume: rows against the previous 14 days) read the published
  history and the new version together, as they would after publishing.

Each failed expectation is attributed to the documents whose rows failed it (Great Expectations'
unexpected index list -> account x marketplace x partition -> the document that replaces it); an
expectation about the frame as a whole (its columns, a type) concerns every document audited. The
outcomes are recorded in ``quality.validation_results`` like every validation.

Memory stays bounded whatever a document's size: each suite's frame streams from DuckDB in chunks
validated one at a time, and uniqueness is counted by DuckDB over the whole frame
(``orchestration.quality.runner.validate``), so the audit runs under the load's DuckDB memory cap
(AHW_LOAD_MEMORY_LIMIT).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

import duckdb

from orchestration.quality.runner import ValidationOutcome, validate
from orchestration.quality.suites import raw_suites

STAGING_SCHEMA = "raw_staging"

log = logging.getLogger(__name__)


class Version(Protocol):
    """What the audit needs of a staged document (``orchestration.warehouse.loader.StagedDocument``)."""

    load_id: str
    partitions: list[date]
    loaded_at: datetime | None

    @property
    def raw_table(self) -> str: ...
    @property
    def account_id(self) -> str: ...
    @property
    def marketplace_id(self) -> str: ...
    @property
    def version_view(self) -> str: ...


@dataclass
class RawAudit:
    outcomes: list[ValidationOutcome] = field(default_factory=list)
    reasons: dict[str, list[str]] = field(default_factory=dict)
    """Load id -> the failed blocking expectations that concern its document (empty: it passed)."""

    def passed(self, load_id: str) -> bool:
        return not self.reasons.get(load_id)


def _reason(suite_name: str, failure, count: int | None) -> str:
    what = f"{failure.expectation}({failure.column})" if failure.column else failure.expectation
    n = f"{count} unexpected row(s)" if count is not None else (failure.error or "failed")
    return f"{suite_name}: {what}: {n}"


def audit_versions(con: duckdb.DuckDBPyConnection, versions: Sequence, *, run_id: str | None = None) -> RawAudit:
    """Validate the staged ``versions`` (prepared documents) with the raw suites of their tables.

    Records every outcome in ``quality.validation_results`` and regenerates the results page. Returns
    the outcomes and, per load id, the failed expectations that concern it.
    """
    from orchestration.quality.gates import results_page_path
    from orchestration.quality.results import record, write_page

    audit = RawAudit(reasons={v.load_id: [] for v in versions})
    by_table: dict[str, list] = {}
    for version in versions:
        by_table.setdefault(version.raw_table, []).append(version)
    for table, group in sorted(by_table.items()):
        suites = [s for s in raw_suites() if s.asset_key == f"raw/{table}"]
        owner = {(v.account_id, v.marketplace_id, day.isoformat()): v.load_id for v in group for day in v.partitions}
        if not suites or not owner:
            continue
        audit_id = uuid.uuid4().hex[:12]
        keys = f"{STAGING_SCHEMA}.audit_keys__{audit_id}"
        candidate = f"{STAGING_SCHEMA}.{table}__candidate_{audit_id}"
        load_log = f"{STAGING_SCHEMA}.load_log__candidate_{audit_id}"
        try:
            _candidate(con, table, group, keys, candidate, load_log)
            days = [d for v in group for d in v.partitions]
            relations = {f"raw.{table}": candidate, "raw.load_log": load_log}
            for suite in suites:
                outcome = _validate_within_cap(con, suite, min(days), max(days), run_id=run_id,
                                               relations=relations, keys_table=keys)  # fmt: skip
                audit.outcomes.append(outcome)
                record(con, outcome)
                for failure in outcome.errors:
                    if failure.keys is None:  # about the frame as a whole: every document audited
                        for v in group:
                            audit.reasons[v.load_id].append(_reason(suite.name, failure, None))
                        continue
                    per_load: dict[str, int] = {}
                    for key, count in failure.keys.items():
                        load_id = owner.get(key)
                        if load_id is not None:
                            per_load[load_id] = per_load.get(load_id, 0) + count
                    for load_id, count in per_load.items():
                        audit.reasons[load_id].append(_reason(suite.name, failure, count))
        finally:
            for statement in (f"DROP VIEW IF EXISTS {candidate}", f"DROP VIEW IF EXISTS {load_log}",
                              f"DROP TABLE IF EXISTS {keys}"):  # fmt: skip
                con.execute(statement)
    write_page(con, results_page_path())
    return audit


def _validate_within_cap(con: duckdb.DuckDBPyConnection, suite, start: date, end: date, **kwargs) -> ValidationOutcome:
    """``validate`` under the audit's memory cap (AHW_AUDIT_MEMORY_LIMIT, set by the caller); a frame whose
    query needs more (a first run's months of history over hundreds of staged documents) is validated
    again under DuckDB's default limit (logged), rather than failing the load. Nothing is recorded
    for the attempt that ran out of memory."""
    try:
        return validate(con, suite, start, end, **kwargs)
    except duckdb.OutOfMemoryException as exc:
        (capped,) = con.execute("SELECT current_setting('memory_limit')").fetchone()
        log.info(
            "raw gate: suite %s on %s..%s needed more memory than the audit's cap (%s: %s); validating it "
            "again under DuckDB's default limit (raise AHW_AUDIT_MEMORY_LIMIT to keep it capped)",
            suite.name, start, end, capped, str(exc).splitlines()[0],
        )  # fmt: skip
        con.execute("RESET memory_limit")
        try:
            return validate(con, suite, start, end, **kwargs)
        finally:
            con.execute(f"SET memory_limit = '{capped}'")


def _candidate(con: duckdb.DuckDBPyConnection, table: str, group: list, keys: str, candidate: str,
               load_log: str) -> None:  # fmt: skip
    """The audited partitions' keys, and views of raw.<table> and raw.load_log as if the group were published."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {STAGING_SCHEMA}")
    con.execute(
        f"CREATE TABLE {keys} (account_id VARCHAR, marketplace_id VARCHAR, partition_date DATE, load_id VARCHAR, "
        "report_type VARCHAR, rows_rejected INTEGER, loaded_at TIMESTAMP)"
    )
    con.executemany(
        f"INSERT INTO {keys} VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(v.account_id, v.marketplace_id, day, v.load_id, v.report_type.name, v.facts.rows_rejected, v.loaded_at)
         for v in group for day in v.partitions],
    )  # fmt: skip
    versions = " UNION ALL BY NAME ".join(f"SELECT * FROM {v.version_view}" for v in group)
    con.execute(
        f"""CREATE VIEW {candidate} AS
        SELECT * FROM raw.{table} AS published
        WHERE NOT EXISTS (
            SELECT 1 FROM {keys} AS audited
            WHERE audited.account_id = published.account_id AND audited.marketplace_id = published.marketplace_id
              AND audited.partition_date = published.partition_date)
        UNION ALL BY NAME {versions}"""
    )
    con.execute(
        f"""CREATE VIEW {load_log} AS
        SELECT report_type, account_id, marketplace_id, partition_date, rows_rejected, loaded_at FROM raw.load_log
        UNION ALL
        SELECT report_type, account_id, marketplace_id, partition_date, rows_rejected, loaded_at FROM {keys}"""
    )
