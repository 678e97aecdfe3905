"""Marts are built apart, audited, then published together (write-audit-publish for the marts).

dbt builds the mart models into the **build area**, schema ``marts_build`` (its ``generate_schema_name``
macro sends the models configured ``+schema: marts`` there), where incremental marts accumulate their
history. dbt's tests and the mart gates (Great Expectations) validate the build area. Only then does
:func:`publish_marts` copy every table of the build area into schema ``marts``, the one BI tools, the
exports, the HTML report, the alerts and the CLI read, in ONE transaction: readers see every mart of
the previous publication or every mart of the new one, never a mix, and a crash at any moment
(during dbt, during the gates, during the copy) leaves them on the last published version. Each table
keeps its DDL (types, NOT NULL and other constraints of the enforced contracts) and its comments.

A build that was not published (a gate failed, the process died) leaves the build area ahead of the
published marts. :func:`prepare_build_area` runs before every dbt build: it then resets the build area
to the published marts, so an incremental mart never carries a rejected day into a later publication.
A warehouse made before the build area existed gets its build area seeded from its marts the same way.
Every build, reset and publication is a row of ``ops.marts_build_log``.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb

MARTS_SCHEMA = "marts"
#: Where dbt builds the marts (dbt_project.yml's var ``marts_build_schema``, passed by Dagster).
BUILD_SCHEMA = "marts_build"
LOG_TABLE = "ops.marts_build_log"
_LOG_DDL = (
    "CREATE SCHEMA IF NOT EXISTS ops",
    f"""CREATE TABLE IF NOT EXISTS {LOG_TABLE} (
        event VARCHAR, run_id VARCHAR, logged_at TIMESTAMP, first_day DATE, last_day DATE, tables_count INTEGER,
        rows_count BIGINT, seconds DOUBLE, detail JSON
    )""",
)


@dataclass
class Publication:
    """What one copy between the build area and the published marts did."""

    event: str
    """``publish`` (build area -> marts) or ``reset`` (marts -> build area)."""
    rows_per_table: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.rows_per_table.values())


def build_relations(con: duckdb.DuckDBPyConnection | None = None, tables: list[str] | None = None) -> dict[str, str]:
    """``marts.<table>`` -> ``marts_build.<table>`` for the quality frames: the gates read the build area."""
    names = tables if tables is not None else (_tables(con, BUILD_SCHEMA) if con is not None else [])
    return {f"{MARTS_SCHEMA}.{t}": f"{BUILD_SCHEMA}.{t}" for t in names}


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = ? AND NOT temporary ORDER BY 1", [schema]
    ).fetchall()
    return [r[0] for r in rows]


def _ensure_log(con: duckdb.DuckDBPyConnection) -> None:
    for statement in _LOG_DDL:
        con.execute(statement)


def _log(con, event: str, run_id: str | None, first: date | None, last: date | None, copy: Publication | None,
         detail: dict | None = None) -> None:  # fmt: skip
    con.execute(
        f"INSERT INTO {LOG_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [event, run_id, datetime.now(UTC).replace(tzinfo=None), first, last,
         len(copy.rows_per_table) if copy else None, copy.rows if copy else None,
         round(copy.seconds, 3) if copy else None, json.dumps(detail or {})],
    )  # fmt: skip


def last_event(con: duckdb.DuckDBPyConnection) -> str | None:
    """The latest event of ``ops.marts_build_log`` (``build``, ``publish``, ``reset``), None when empty."""
    _ensure_log(con)
    row = con.execute(f"SELECT event FROM {LOG_TABLE} ORDER BY logged_at DESC, rowid DESC LIMIT 1").fetchone()
    return row[0] if row else None


def _copy_sql(con: duckdb.DuckDBPyConnection, source: str, target: str, table: str) -> list[str]:
    """Statements that replace ``target.table`` by ``source.table``: its DDL (constraints), rows, comments."""
    ddl, comment = con.execute(
        "SELECT sql, comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?", [source, table]
    ).fetchone()
    prefix = re.compile(rf"^CREATE TABLE {re.escape(source)}\.", re.IGNORECASE)
    if not prefix.match(ddl):
        raise RuntimeError(f"unexpected DDL of {source}.{table}: {ddl[:80]}")
    quoted = f'"{table}"'
    statements = [
        f"DROP TABLE IF EXISTS {target}.{quoted}",
        prefix.sub(f"CREATE TABLE {target}.", ddl, count=1),
        f"INSERT INTO {target}.{quoted} SELECT * FROM {source}.{quoted}",
    ]
    if comment:
        statements.append(f"COMMENT ON TABLE {target}.{quoted} IS {_string(comment)}")
    for column, text in con.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
        "AND comment IS NOT NULL",
        [source, table],
    ).fetchall():
        statements.append(f'COMMENT ON COLUMN {target}.{quoted}."{column}" IS {_string(text)}')
    return statements


def _string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _copy(con: duckdb.DuckDBPyConnection, source: str, target: str, tables: list[str], event: str,
          run_id: str | None, first: date | None = None, last: date | None = None) -> Publication:  # fmt: skip
    """Replace ``tables`` of ``target`` by those of ``source`` and log it, all in ONE transaction."""
    started = time.perf_counter()
    copy = Publication(event)
    _ensure_log(con)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {target}")
        for table in tables:
            for statement in _copy_sql(con, source, target, table):
                con.execute(statement)
            (copy.rows_per_table[table],) = con.execute(f'SELECT count(*) FROM {target}."{table}"').fetchone()
        copy.seconds = time.perf_counter() - started
        _log(con, event, run_id, first, last, copy, {"tables": copy.rows_per_table})
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    copy.seconds = time.perf_counter() - started
    return copy


def prepare_build_area(
    con: duckdb.DuckDBPyConnection, *, run_id: str | None, first_day: date | None = None, last_day: date | None = None
) -> Publication | None:
    """Before a dbt build: reset the build area to the published marts when it is ahead of them, log the build.

    The build area is ahead when the last logged event is a build (it was not published: a gate failed
    or the process died), or when a published mart is missing from it (a warehouse from before the
    build area, or a build area dropped by hand). Returns the reset's figures, or None when none was needed.
    """
    _ensure_log(con)
    published = _tables(con, MARTS_SCHEMA)
    reset = None
    if published:
        built = set(_tables(con, BUILD_SCHEMA))
        if last_event(con) == "build" or not set(published) <= built:
            reset = _copy(con, MARTS_SCHEMA, BUILD_SCHEMA, published, "reset", run_id, first_day, last_day)
    _log(con, "build", run_id, first_day, last_day, None)
    return reset


def publish_marts(
    con: duckdb.DuckDBPyConnection, *, run_id: str | None, first_day: date | None = None, last_day: date | None = None
) -> Publication:
    """Publish every table of the build area to schema ``marts`` in one transaction (call after the gates).

    Raises RuntimeError when the build area has no table (nothing was built).
    """
    tables = _tables(con, BUILD_SCHEMA)
    if not tables:
        raise RuntimeError(f"schema {BUILD_SCHEMA} has no table to publish: run dbt build first")
    return _copy(con, BUILD_SCHEMA, MARTS_SCHEMA, tables, "publish", run_id, first_day, last_day)
