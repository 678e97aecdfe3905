"""The serving copy: a read-only DuckDB file of the published marts for BI tools and the CLI.

The working file (``AHW_DUCKDB_PATH``) belongs to the pipeline: DuckDB lets one process write a file,
and any other process that holds it open, even read-only, makes that writer fail. So readers get
their own file, ``$AHW_DATA_DIR/serving/warehouse.duckdb``, published after every successful, gated run:

- written beside the current one under a temporary name, then moved over it with ``os.replace``
  (atomic on one file system): a reader sees the previous copy or the new one, never half of one, and a
  reader that holds the old copy open keeps reading it (its open file stays valid) while the pipeline
  goes on; readers never block the pipeline and the pipeline never blocks readers;
- in DuckDB's storage format of version :data:`STORAGE_VERSION`, which every DuckDB 1.x reader opens
  (DuckDB 1.1 and later write a newer format only when asked; many BI tools embed DuckDB 1.x, and a
  file in DuckDB 2's own format is refused by them with "version number" errors);
- holding every table of schema ``marts`` (facts and dimensions, with the descriptions dbt wrote),
  the ``seeds`` (the rating model's parameters, bands, targets) and three small tables of schema
  ``ops`` about the data's state: ``load_status`` (per report type x account x marketplace, the days
  loaded), ``quality_status`` (the latest result of every quality suite) and ``published`` (one row:
  when, by which run, for which days). Nothing from ``raw``: buyer identifiers never reach it.

``ahw summary`` and ``ahw status`` read it (:func:`reader`), so they never wait for, or fail on, a run.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from orchestration.config import Settings

#: Storage format of the serving copy: DuckDB 1.0's, which DuckDB 1.0 to 1.4 (and 2.x) readers open.
#: Measured: DuckDB 1.1.3 opens files of v0.10.0, v1.0.0 and v1.1.0 and refuses v1.2.0.
STORAGE_VERSION = "v1.0.0"
SERVING_FILE = "warehouse.duckdb"
#: Schemas copied whole (tables and views, as tables).
COPIED_SCHEMAS = ("marts", "seeds")

LOAD_STATUS_SQL = """
    with latest as (
        select report_type, account_id, marketplace_id, partition_date, rows_loaded, loaded_at
        from raw.load_log
        qualify row_number() over (
            partition by report_type, account_id, marketplace_id, partition_date order by loaded_at desc
        ) = 1
    )
    select
        report_type,
        account_id,
        marketplace_id,
        min(partition_date) as first_partition_date,
        max(partition_date) as last_partition_date,
        count(*)::integer as partition_days,
        sum(rows_loaded)::bigint as rows_loaded,
        max(loaded_at) as last_loaded_at
    from latest
    group by all
"""

QUALITY_STATUS_SQL = """
    select suite_name, table_name, asset_key, partition_start, partition_end, success, message, run_id,
        validated_at
    from quality.validation_results
    qualify row_number() over (partition by suite_name order by validated_at desc) = 1
"""


class ServingUnavailable(RuntimeError):
    """Neither the serving copy nor the working file can be read now; the message says why and what to do."""


@dataclass(frozen=True)
class PublishResult:
    path: Path
    tables: dict[str, int]
    """``schema.table`` -> rows."""
    bytes: int
    published_at: datetime


def serving_path(settings: Settings) -> Path:
    return settings.serving_dir / SERVING_FILE


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_catalog = current_database() "
            "and table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()[0][0]
    )


def publish(
    con: duckdb.DuckDBPyConnection,
    directory: Path,
    *,
    run_id: str | None = None,
    partition_start: date | None = None,
    partition_end: date | None = None,
) -> PublishResult:
    """Write a new serving copy from the working file open on ``con`` and move it into place.

    Raises duckdb errors as they come (the previous copy stays untouched; the temporary file is removed).
    """
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / SERVING_FILE
    # Copies a killed run left half-written (one publisher at a time: the duckdb_writer pool).
    for leftover in directory.glob(f".{SERVING_FILE}.*.tmp*"):
        leftover.unlink(missing_ok=True)
    temp = directory / f".{SERVING_FILE}.{uuid.uuid4().hex[:8]}.tmp"
    alias = f"serving_{uuid.uuid4().hex[:8]}"
    tables: dict[str, int] = {}
    published_at = datetime.now(UTC).replace(tzinfo=None)
    try:
        con.execute(f"attach {_sql_string(str(temp))} as {alias} (storage_version {_sql_string(STORAGE_VERSION)})")
        try:
            for schema in COPIED_SCHEMAS:
                rows = con.execute(
                    "select table_name, comment from duckdb_tables() where database_name = current_database() "
                    "and schema_name = ? union all select view_name, comment from duckdb_views() "
                    "where database_name = current_database() and schema_name = ? and not internal order by 1",
                    [schema, schema],
                ).fetchall()
                if not rows:
                    continue
                con.execute(f"create schema if not exists {alias}.{schema}")
                for table, comment in rows:
                    target = f"{alias}.{schema}.{_ident(table)}"
                    con.execute(f"create table {target} as select * from {schema}.{_ident(table)}")
                    _copy_comments(con, schema, table, target, comment)
                    tables[f"{schema}.{table}"] = _count(con, target)
            con.execute(f"create schema if not exists {alias}.ops")
            derived = {"load_status": (LOAD_STATUS_SQL, ("raw", "load_log")),
                       "quality_status": (QUALITY_STATUS_SQL, ("quality", "validation_results"))}  # fmt: skip
            for name, (sql, (schema, table)) in derived.items():
                if _exists(con, schema, table):
                    con.execute(f"create table {alias}.ops.{name} as {sql}")
                    tables[f"ops.{name}"] = _count(con, f"{alias}.ops.{name}")
            con.execute(
                f"create table {alias}.ops.published as select ?::timestamp as published_at, ?::varchar as run_id, "
                "?::date as partition_start, ?::date as partition_end, ?::varchar as storage_version",
                [published_at, run_id, partition_start, partition_end, STORAGE_VERSION],
            )
            con.execute(f"checkpoint {alias}")
        finally:
            con.execute(f"detach {alias}")
        size = temp.stat().st_size
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)
        Path(f"{temp}.wal").unlink(missing_ok=True)
    return PublishResult(final, tables, size, published_at)


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"select count(*) from {table}").fetchall()[0][0])


def _copy_comments(con: duckdb.DuckDBPyConnection, schema: str, table: str, target: str, comment: str | None) -> None:
    """dbt's descriptions (persisted as comments) travel with the tables, so a BI tool shows them."""
    if comment:
        con.execute(f"comment on table {target} is {_sql_string(comment)}")
    for column, text in con.execute(
        "select column_name, comment from duckdb_columns() where database_name = current_database() "
        "and schema_name = ? and table_name = ? and comment is not null",
        [schema, table],
    ).fetchall():
        con.execute(f"comment on column {target}.{_ident(column)} is {_sql_string(text)}")


# ---------------------------------------------------------------------------------------------- reading
_LOCK_HOLDER = re.compile(r"\(PID (\d+)\)")


def lock_holder(error: BaseException) -> int | None:
    """Process id of the holder named in DuckDB's "Could not set lock on file" error, if any."""
    match = _LOCK_HOLDER.search(str(error))
    return int(match[1]) if match else None


@dataclass(frozen=True)
class Reader:
    """A read-only connection and what it reads."""

    con: duckdb.DuckDBPyConnection
    path: Path
    is_serving_copy: bool

    @property
    def source(self) -> str:
        return f"serving copy {self.path}" if self.is_serving_copy else f"working file {self.path}"

    def exists(self, qualified: str) -> bool:
        schema, table = qualified.split(".")
        return _exists(self.con, schema, table)


@contextlib.contextmanager
def reader(settings: Settings, *, prefer_serving_copy: bool = True) -> Iterator[Reader]:
    """A read-only connection to the serving copy (or, before the first publish, to the working file).

    With ``prefer_serving_copy=False`` the working file is read when it is free (it holds what was
    written since the last publish, e.g. acknowledgements) and the serving copy when a run holds it.
    Raises :class:`ServingUnavailable` (one line) when neither can be read.
    """
    copy = serving_path(settings)
    working = settings.duckdb_path
    order = [(copy, True), (working, False)] if prefer_serving_copy else [(working, False), (copy, True)]
    problems = []
    for path, is_copy in order:
        if not path.exists():
            continue
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.IOException as exc:
            holder = lock_holder(exc)
            problems.append(f"{path} is being written by process {holder}" if holder else f"{path}: {exc}")
            continue
        try:
            yield Reader(con, path, is_copy)
        finally:
            con.close()
        return
    if problems:
        raise ServingUnavailable(
            f"{'; '.join(problems)}, and there is no serving copy yet (one is published after the first "
            "successful run): wait for the run to finish and try again"
        )
    raise ServingUnavailable(f"{working} does not exist yet: run `ahw demo` (sandbox) or `ahw run --start DAY` first")
