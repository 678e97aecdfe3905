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
import pandas as pd

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


def build_gx_suite(suite: Suite, parameters: dict[str, Any] | None = None, *, positions: list[int] | None = None):
    """The GX ExpectationSuite of ``suite`` (ephemeral context; nothing written).

    ``positions``: only these expectations of the suite (by index), each tagged with its index in
    ``meta["position"]`` so a result can be told apart from another of the same type (GX does not
    return results in the suite's order)."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    gx_suite = gx.ExpectationSuite(name=suite.name, meta={"table": suite.table})
    for i, e in enumerate(suite.expectations):
        if positions is not None and i not in positions:
            continue
        meta = e.to_dict()["meta"] | ({"position": i} if positions is not None else {})
        gx_suite.add_expectation_configuration(
            ExpectationConfiguration(type=e.type, kwargs=resolve(e.kwargs, parameters or {}), meta=meta)
        )
    return gx_suite


def read_frame(con: duckdb.DuckDBPyConnection, suite: Suite, start: date, end: date, *,
               relations: Mapping[str, str] | None = None, keys_table: str | None = None):  # fmt: skip
    """The suite's frame as a DataFrame. ``relations`` reads other relations in place of the named tables
    (the audit's candidate versions, the marts' build area); ``keys_table`` keeps only the frame's rows
    whose (account_id, marketplace_id, partition_date) it lists (the partitions being audited).

    The whole frame in memory: for tests and small frames; :func:`validate` streams it in chunks."""
    return con.execute(frame_query(suite, start, end, relations=relations, keys_table=keys_table)).df()


def frame_query(suite: Suite, start: date, end: date, *, relations: Mapping[str, str] | None = None,
                keys_table: str | None = None) -> str:  # fmt: skip
    """SQL of the frame :func:`read_frame` reads (same arguments)."""
    sql = frame_sql(suite, start, end, relations)
    if keys_table:
        sql = (
            f"select frame.* from ({sql}) as frame "
            f"semi join {keys_table} as audited using (account_id, marketplace_id, partition_date)"
        )
    return sql


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


def _error(r) -> str | None:
    exc = r.exception_info or {}
    error = exc.get("exception_message") if exc.get("raised_exception") else None
    return (error or "").splitlines()[0][:300] if error else None


def _index(r) -> list | None:
    """The failed result's unexpected row positions, or None when it judged the frame as a whole."""
    index = (r.result or {}).get("unexpected_index_list")
    if index is not None and index and isinstance(index[0], dict):  # older result shapes
        return None
    return list(index) if index is not None else None


def _failure(r, df) -> Failure:
    """The Failure of the failed GX result ``r`` of a validation of the whole frame ``df``."""
    cfg = r.expectation_config
    meta = cfg.meta or {}
    res = r.result or {}
    index = _index(r)
    return Failure(
        expectation=cfg.type,
        column=cfg.kwargs.get("column"),
        severity=meta.get("severity", "error"),
        why=meta.get("notes", ""),
        unexpected_count=res.get("unexpected_count"),
        unexpected_percent=res.get("unexpected_percent"),
        where=_where(df, index),
        samples=_samples(df, index),
        error=_error(r),
        keys=_keys(df, index),
    )


def validate_frame(suite: Suite, df, start: date, end: date, *, run_id: str | None = None,
                   parameters: dict[str, Any] | None = None) -> ValidationOutcome:  # fmt: skip
    """Validate the whole frame ``df`` with GX at once (memory: the frame and GX's copies of its columns);
    :func:`validate` gives the same outcome on a frame read and validated in bounded chunks."""
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
    failures = [_failure(r, df) for r in result.results if not r.success]
    return ValidationOutcome(
        suite, start, end, len(df), len(result.results), failures, run_id,
        datetime.now(UTC).replace(tzinfo=None), time.perf_counter() - t0,
    )  # fmt: skip


#: Rows of a frame validated at once by :func:`validate`: 4 of DuckDB's 2,048-row vectors. A chunk of raw
#: orders is ~5 MB as a DataFrame (46 columns, Arrow-backed strings) and GX's working set on it a few
#: times that, whatever the frame's size: a 2 GB document's audit stays under 500 MB of process memory
#: with 8,192 rows, not with 16,384 (bench/bench_parse_memory.py). GX's cost per chunk (~0.1 s of graph
#: building besides ~12 us a row) makes much smaller chunks slow.
CHUNK_ROWS = 4 * 2048
#: Expectations about the frame as a whole that rows in different chunks can break together: computed
#: in DuckDB over the whole frame (bounded by its memory limit, spilled to disk beyond it), not per chunk.
FRAME_WIDE = ("expect_compound_columns_to_be_unique",)
#: Rows per bucket of the uniqueness check: its hash aggregate holds at most this many groups, a few tens
#: of MB, within AHW_AUDIT_MEMORY_LIMIT beside the frame's joins (one bucket of 8.5 M rows ran out of 64MB).
UNIQUE_BUCKET_ROWS = 500_000
_KEY_COLUMNS = ("account_id", "marketplace_id", "partition_date")


def _chunks(con: duckdb.DuckDBPyConnection, sql: str, chunk_rows: int):
    """The frame of ``sql`` as DataFrames of at most ``chunk_rows`` rows, streamed from DuckDB (one empty
    DataFrame for an empty frame, so its columns are still validated). The same conversion as ``.df()``."""
    vectors = max(1, -(-chunk_rows // 2048))
    result = con.execute(sql)
    first = True
    while True:
        df = result.fetch_df_chunk(vectors)
        if df.empty:
            if first:
                yield df
            return
        first = False
        for offset in range(0, len(df), chunk_rows):
            yield df.iloc[offset : offset + chunk_rows].reset_index(drop=True)


def _extend(into: list[dict[str, str]], more: list[dict[str, str]], limit: int = WHERE_LIMIT) -> None:
    for item in more:
        if len(into) >= limit:
            return
        if item not in into:
            into.append(item)


def _percent(unexpected: int | None, elements: int, missing: int | None) -> float | None:
    """GX's ``unexpected_percent`` (of the non-missing values when GX counts missing ones), from totals."""
    if unexpected is None or elements <= 0:
        return None
    if missing is None:
        return unexpected / elements * 100
    return unexpected / (elements - missing) * 100 if elements - missing > 0 else None


def _succeeds(expectation, unexpected: int | None, elements: int, missing: int | None) -> bool:
    """A map expectation's verdict from its totals: no unexpected row, or GX's ``mostly`` share of them."""
    mostly = expectation.kwargs.get("mostly")
    if mostly is None or unexpected is None:
        return unexpected == 0
    considered = elements - (missing or 0)
    return considered == 0 or 1 - unexpected / considered >= mostly


@dataclass
class _Merged:
    """One expectation's GX results over the chunks of a frame, merged into the result of one validation
    of the whole frame: counts add up, the first rows and places stay first, and a chunk that judged
    the frame as a whole (no unexpected rows listed: a column set, a dtype, an error) makes it so."""

    expectation: Any
    success: bool = True
    elements: int = 0
    missing: int | None = 0
    unexpected: int | None = 0
    error: str | None = None
    by_row: bool = True
    where: list[dict[str, str]] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)
    keys: dict[tuple[str, str, str], int] | None = field(default_factory=dict)

    def add(self, r, df) -> None:
        res = r.result or {}
        self.success = self.success and bool(r.success)
        self.elements += res.get("element_count") or 0
        count = res.get("unexpected_count")
        self.unexpected = None if count is None or self.unexpected is None else self.unexpected + count
        if "missing_count" not in res or self.missing is None:
            self.missing = None
        else:
            self.missing += res["missing_count"] or 0
        self.error = self.error or _error(r)
        index = _index(r)
        if index is None:
            self.by_row = self.by_row and bool(r.success)
            return
        if not index:
            return
        _extend(self.where, _where(df, index))
        if len(self.samples) < SAMPLE_ROWS:
            self.samples += _samples(df, index)[: SAMPLE_ROWS - len(self.samples)]
        keys = _keys(df, index)
        if keys is None or self.keys is None:
            self.keys = None
            return
        for key, n in keys.items():
            self.keys[key] = self.keys.get(key, 0) + n

    def failure(self, frame_where: list[dict[str, str]]) -> Failure | None:
        e = self.expectation
        success = self.success
        if "mostly" in e.kwargs and self.error is None and self.unexpected is not None:
            success = _succeeds(e, self.unexpected, self.elements, self.missing)  # a share: of the whole frame
        if success:
            return None
        return Failure(
            expectation=e.type, column=e.kwargs.get("column"), severity=e.severity, why=e.why,
            unexpected_count=self.unexpected, unexpected_percent=_percent(self.unexpected, self.elements, self.missing),
            where=self.where if self.by_row else list(frame_where), samples=self.samples if self.by_row else [],
            error=self.error, keys=self.keys if self.by_row else None,
        )  # fmt: skip


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _compound_unique(con: duckdb.DuckDBPyConnection, sql: str, expectation, columns: list[str], elements: int,
                     missing: int, frame_where: list[dict[str, str]]) -> Failure | None:  # fmt: skip
    """``expect_compound_columns_to_be_unique`` over the whole frame of ``sql``, in DuckDB, as GX judges it
    on a DataFrame: rows whose columns are all missing are ignored (GX's default ``ignore_row_if``), every
    other row whose combination occurs more than once is unexpected (``duplicated(keep=False)``; NULLs
    equal). ``elements``/``missing``: the frame's rows and its rows ignored, counted while it streamed;
    ``frame_where``: the frame's first places (a failure about the frame as a whole names them)."""
    column_list = list(expectation.kwargs["column_list"])
    absent = [c for c in column_list if c not in columns]
    if absent:  # as GX: the expectation fails with the frame as a whole concerned
        return Failure(expectation.type, None, expectation.severity, expectation.why, None, None,
                       where=list(frame_where))  # fmt: skip
    key = ", ".join(_quoted(c) for c in column_list)
    ignored = " and ".join(f"{_quoted(c)} is null" for c in column_list)
    same = " and ".join(f"frame.{_quoted(c)} is not distinct from repeated.{_quoted(c)}" for c in column_list)
    place = [c for c in _KEY_COLUMNS if c in columns]
    # The frame is split into buckets by the hash of its combination (NULLs hash alike), so a repeated
    # combination falls in one bucket and each bucket's aggregate stays small whatever the frame's size.
    # In a bucket, combinations seen more than once are found by their 64-bit hash first, then confirmed
    # on the columns themselves among the few rows whose hash repeats (a collision is not a duplicate).
    # No CTE: DuckDB would materialize a frame read twice.
    buckets = max(1, -(-elements // UNIQUE_BUCKET_ROWS))
    counts, samples = [], []
    for bucket in range(buckets):
        frame = f"select * from ({sql}) as frame where hash({key}) % {buckets} = {bucket}"
        repeated_hashes = (
            f"select hash({key}) as key_hash from ({frame}) as frame where not ({ignored}) "
            "group by key_hash having count(*) > 1"
        )
        suspects = f"select * from ({frame}) as frame where hash({key}) in ({repeated_hashes})"
        unexpected_rows = (
            f"select frame.* from ({suspects}) as frame semi join (select {key} from ({suspects}) as suspect "
            f"where not ({ignored}) group by all having count(*) > 1) as repeated on {same}"
        )
        found = con.execute(
            f"select {''.join(_quoted(c) + ', ' for c in place)}count(*) as unexpected_rows "
            f"from ({unexpected_rows}) {'group by all' if place else ''}"
        ).df()  # fmt: skip
        found = found[found["unexpected_rows"] > 0]
        counts.append(found)
        wanted = SAMPLE_ROWS - sum(len(df) for df in samples)
        if len(found) and wanted > 0:
            samples.append(con.execute(f"select * from ({unexpected_rows}) order by {key} limit {wanted}").df())
    found = pd.concat(counts, ignore_index=True)
    unexpected = int(found["unexpected_rows"].sum())
    if _succeeds(expectation, unexpected, elements, missing):
        return None
    places = found.groupby(place, dropna=False, sort=True)["unexpected_rows"].sum().reset_index() if place else None
    keys = None
    if places is not None and len(place) == len(_KEY_COLUMNS):
        keys = {}
        for a, m, d, n in places.itertuples(index=False, name=None):
            k = (str(a), str(m), str(d)[:10])
            keys[k] = keys.get(k, 0) + int(n)
    samples_df = pd.concat(samples, ignore_index=True) if samples else found.iloc[0:0]
    return Failure(
        expectation=expectation.type, column=None, severity=expectation.severity, why=expectation.why,
        unexpected_count=unexpected, unexpected_percent=_percent(unexpected, elements, missing),
        where=_where(places, None) if places is not None else [],
        samples=_samples(samples_df, list(range(len(samples_df)))), keys=keys,
    )  # fmt: skip


def validate(con: duckdb.DuckDBPyConnection, suite: Suite, start: date, end: date, *,
             run_id: str | None = None, relations: Mapping[str, str] | None = None,
             keys_table: str | None = None, chunk_rows: int | None = None) -> ValidationOutcome:  # fmt: skip
    """Validate ``suite`` on [start, end] (see :func:`read_frame` for ``relations`` and ``keys_table``).

    Memory is bounded whatever the frame's size: the frame streams from DuckDB in chunks of
    ``chunk_rows`` rows (default :data:`CHUNK_ROWS`), each validated by GX with the suite's row-by-row and column expectations and the
    results merged (counts summed, first rows and places kept); the expectations in :data:`FRAME_WIDE`
    (uniqueness across chunks) run as SQL over the whole frame. The outcome is the one a validation of
    the whole frame at once gives (:func:`validate_frame`), failures in the suite's order.
    """
    t0 = time.perf_counter()
    chunk_rows = chunk_rows or CHUNK_ROWS
    sql = frame_query(suite, start, end, relations=relations, keys_table=keys_table)
    wide = {i: e for i, e in enumerate(suite.expectations) if e.type in FRAME_WIDE}
    positions = [i for i in range(len(suite.expectations)) if i not in wide]
    merged = {i: _Merged(suite.expectations[i]) for i in positions}
    ignored = dict.fromkeys(wide, 0)
    frame_where: list[dict[str, str]] = []
    rows, columns = 0, []
    ctx = _context()
    gx_suite = build_gx_suite(suite, positions=positions)
    source = ctx.data_sources.add_or_update_pandas(f"ahw_{uuid.uuid4().hex[:8]}")
    try:
        batches = source.add_dataframe_asset(name=suite.name).add_batch_definition_whole_dataframe("whole")
        for df in _chunks(con, sql, chunk_rows):
            rows, columns = rows + len(df), list(df.columns)
            _extend(frame_where, _where(df, None))
            for i, e in wide.items():
                listed = [c for c in e.kwargs["column_list"] if c in df.columns]
                if len(listed) == len(e.kwargs["column_list"]):
                    ignored[i] += int(df[listed].isna().all(axis=1).sum())
            if not positions:
                continue
            result = batches.get_batch(batch_parameters={"dataframe": df}).validate(gx_suite, result_format="COMPLETE")
            for r in result.results:
                merged[r.expectation_config.meta["position"]].add(r, df)
    except duckdb.CatalogException as exc:  # the guarded table does not exist (yet)
        failure = Failure("table_exists", None, "error", f"{suite.table} must exist before it is validated",
                          None, None, error=str(exc).splitlines()[0][:300])  # fmt: skip
        return ValidationOutcome(suite, start, end, 0, 1, [failure], run_id,
                                 datetime.now(UTC).replace(tzinfo=None), time.perf_counter() - t0)  # fmt: skip
    finally:
        ctx.data_sources.delete(source.name)
    failures = []
    for i, e in enumerate(suite.expectations):
        if i in wide:
            found = _compound_unique(con, sql, e, columns, rows, ignored[i], frame_where)
        else:
            found = merged[i].failure(frame_where)
        if found is not None:
            failures.append(found)
    return ValidationOutcome(
        suite, start, end, rows, len(suite.expectations), failures, run_id,
        datetime.now(UTC).replace(tzinfo=None), time.perf_counter() - t0,
    )  # fmt: skip
