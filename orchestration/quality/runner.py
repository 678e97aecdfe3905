"""Run a suite on a partition range: read its frame from DuckDB, validate with GX, summarize.

Great Expectations is imported lazily (4-7 s): loading the Dagster definitions never pays for it.
The caller owns the DuckDB connection: inside a run it is the ``duckdb`` resource's (one process,
one configuration); from the command line a short-lived connection (``connect_read_only``).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import duckdb

from orchestration.quality.frames import frame_sql, sample_columns
from orchestration.quality.suites import Suite

SAMPLE_ROWS = 3
WHERE_LIMIT = 10
_CONTEXT: Any = None


@dataclass
class Failure:
    expectation: str
    column: str | None
    severity: str
    why: str
    unexpected_count: int | None
    unexpected_percent: float | None
    where: list[dict[str, str]] = field(default_factory=list)
    """Distinct account x marketplace x partition of the unexpected rows (all of the frame for table-level)."""
    samples: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    keys: dict[tuple[str, str, str], int] | None = None
    """Unexpected rows per (account_id, marketplace_id, partition_date ISO); None when the expectation
    judges the frame as a whole (a column set, a type): then every row is concerned. The raw audit
    uses it to reject exactly the documents whose rows failed (not recorded: it can be long)."""

    def describe(self) -> str:
        what = f"{self.expectation}({self.column})" if self.column else self.expectation
        count = f"{self.unexpected_count} unexpected" if self.unexpected_count is not None else "failed"
        where = "; ".join(" ".join(f"{k}={v}" for k, v in w.items() if v is not None) for w in self.where[:WHERE_LIMIT])
        text = f"{what}: {count}" + (f" at [{where}]" if where else "")
        return text + (f" ({self.error})" if self.error else "") + f" — {self.why}"


@dataclass
class ValidationOutcome:
    suite: Suite
    start: date
    end: date
    rows: int
    evaluated: int
    failures: list[Failure]
    run_id: str | None
    validated_at: datetime
    duration_seconds: float

    @property
    def errors(self) -> list[Failure]:
        return [f for f in self.failures if f.severity == "error"]

    @property
    def warnings(self) -> list[Failure]:
        return [f for f in self.failures if f.severity != "error"]

    @property
    def success(self) -> bool:
        """Blocking success: warnings are recorded but never fail a gate."""
        return not self.errors

    @property
    def partition(self) -> str:
        return self.start.isoformat() if self.start == self.end else f"{self.start}..{self.end}"

    def statistics(self) -> dict[str, Any]:
        return {
            "rows": self.rows, "evaluated_expectations": self.evaluated,
            "successful_expectations": self.evaluated - len(self.failures),
            "unsuccessful_expectations": len(self.failures), "errors": len(self.errors),
            "warnings": len(self.warnings), "duration_seconds": round(self.duration_seconds, 3),
        }  # fmt: skip

    def message(self) -> str:
        """One text naming report, table, partition, and every failed expectation with where it failed."""
        head = (
            f"suite {self.suite.name} on {self.suite.table}"
            + (f" (report {self.suite.report_type})" if self.suite.report_type else "")
            + f", partition {self.partition}: "
        )
        if not self.failures:
            return head + f"{self.evaluated} expectations passed on {self.rows} rows"
        lines = [head + f"{len(self.errors)} failed, {len(self.warnings)} warning(s) of {self.evaluated}"]
        lines += [("  - " if f.severity == "error" else "  - [warning] ") + f.describe() for f in self.failures]
        return "\n".join(lines)


def _context():
    global _CONTEXT
    if _CONTEXT is None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        _CONTEXT = gx.get_context(mode="ephemeral")
        _CONTEXT.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return _CONTEXT


def resolve(kwargs: dict, parameters: dict[str, Any]) -> dict:
    return {
        k: parameters[v["$PARAMETER"]] if isinstance(v, dict) and "$PARAMETER" in v else v for k, v in kwargs.items()
    }


def build_gx_suite(suite: Suite, parameters: dict[str, Any] | None = None):
    """The GX ExpectationSuite of ``suite`` (ephemeral context; nothing written)."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    gx_suite = gx.ExpectationSuite(name=suite.name, meta={"table": suite.table})
    for e in suite.expectations:
        gx_suite.add_expectation_configuration(
            ExpectationConfiguration(type=e.type, kwargs=resolve(e.kwargs, parameters or {}), meta=e.to_dict()["meta"])
        )
    return gx_suite


def read_frame(con: duckdb.DuckDBPyConnection, suite: Suite, start: date, end: date, *,
               relations: Mapping[str, str] | None = None, keys_table: str | None = None):  # fmt: skip
    """The suite's frame as a DataFrame. ``relations`` reads other relations in place of the named tables
    (the audit's candidate versions, the marts' build area); ``keys_table`` keeps only the frame's rows
    whose (account_id, marketplace_id, partition_date) it lists (the partitions being audited)."""
    sql = frame_sql(suite, start, end, relations)
    if keys_table:
        sql = (
            f"select frame.* from ({sql}) as frame "
            f"semi join {keys_table} as audited using (account_id, marketplace_id, partition_date)"
        )
    return con.execute(sql).df()


def _where(df, index: list | None) -> list[dict[str, str]]:
    cols = [c for c in ("account_id", "marketplace_id", "partition_date") if c in df.columns]
    if not cols or df.empty:
        return []
    part = df.loc[index, cols] if index is not None else df[cols]
    seen = part.drop_duplicates().head(WHERE_LIMIT)
    return [
        {c: (str(v)[:10] if c == "partition_date" else str(v)) for c, v in row.items()}
        for row in seen.to_dict("records")
    ]


def _keys(df, index: list | None) -> dict[tuple[str, str, str], int] | None:
    cols = ["account_id", "marketplace_id", "partition_date"]
    if index is None or not all(c in df.columns for c in cols):
        return None
    counts: dict[tuple[str, str, str], int] = {}
    for a, m, d in df.loc[index, cols].itertuples(index=False, name=None):
        key = (str(a), str(m), str(d)[:10])
        counts[key] = counts.get(key, 0) + 1
    return counts


def _samples(df, index: list | None) -> list[dict[str, Any]]:
    if index is None or df.empty:
        return []
    rows = df.loc[index[:SAMPLE_ROWS], sample_columns(df.columns)]
    return json.loads(rows.to_json(orient="records", date_format="iso", default_handler=str))


def validate_frame(suite: Suite, df, start: date, end: date, *, run_id: str | None = None,
                   parameters: dict[str, Any] | None = None) -> ValidationOutcome:  # fmt: skip
    t0 = time.perf_counter()
    ctx = _context()
    df = df.reset_index(drop=True)
    source = ctx.data_sources.add_or_update_pandas(f"ahw_{uuid.uuid4().hex[:8]}")
    try:
        asset = source.add_dataframe_asset(name=suite.name)
        batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(batch_parameters={"dataframe": df})
        result = batch.validate(build_gx_suite(suite, parameters), result_format="COMPLETE")
    finally:
        ctx.data_sources.delete(source.name)
    failures = []
    for r in result.results:
        if r.success:
            continue
        cfg = r.expectation_config
        meta = cfg.meta or {}
        res = r.result or {}
        index = res.get("unexpected_index_list")
        if index is not None and index and isinstance(index[0], dict):  # older result shapes
            index = None
        exc = r.exception_info or {}
        error = exc.get("exception_message") if exc.get("raised_exception") else None
        failures.append(
            Failure(
                expectation=cfg.type,
                column=cfg.kwargs.get("column"),
                severity=meta.get("severity", "error"),
                why=meta.get("notes", ""),
                unexpected_count=res.get("unexpected_count"),
                unexpected_percent=res.get("unexpected_percent"),
                where=_where(df, list(index) if index is not None else None),
                samples=_samples(df, list(index) if index is not None else None),
                error=(error or "").splitlines()[0][:300] if error else None,
                keys=_keys(df, list(index) if index is not None else None),
            )  # fmt: skip
        )
    return ValidationOutcome(
        suite, start, end, len(df), len(result.results), failures, run_id,
        datetime.now(UTC).replace(tzinfo=None), time.perf_counter() - t0,
    )  # fmt: skip


def validate(con: duckdb.DuckDBPyConnection, suite: Suite, start: date, end: date, *,
             run_id: str | None = None, relations: Mapping[str, str] | None = None,
             keys_table: str | None = None) -> ValidationOutcome:  # fmt: skip
    """Validate ``suite`` on [start, end] (see :func:`read_frame` for ``relations`` and ``keys_table``)."""
    t0 = time.perf_counter()
    try:
        df = read_frame(con, suite, start, end, relations=relations, keys_table=keys_table)
    except duckdb.CatalogException as exc:  # the guarded table does not exist (yet)
        failure = Failure("table_exists", None, "error", f"{suite.table} must exist before it is validated",
                          None, None, error=str(exc).splitlines()[0][:300])  # fmt: skip
        return ValidationOutcome(suite, start, end, 0, 1, [failure], run_id,
                                 datetime.now(UTC).replace(tzinfo=None), time.perf_counter() - t0)  # fmt: skip
    outcome = validate_frame(suite, df, start, end, run_id=run_id)
    outcome.duration_seconds = time.perf_counter() - t0
    return outcome
