"""DuckDB side of schema ``raw``: the DDL derived from :mod:`orchestration.raw_schema` and the
idempotent ``ensure_raw_schema`` every writer calls before it loads."""

from __future__ import annotations

import duckdb

from orchestration.raw_schema import (
    PRIMARY_KEYS,
    RAW_TABLES,
    SCHEMA,
    Column,
    parsed_arrow_schema,
    parsed_columns,
    raw_columns,
)

__all__ = [
    "RAW_TABLES",
    "SCHEMA",
    "Column",
    "add_missing_columns_sql",
    "create_table_sql",
    "ddl",
    "ensure_raw_schema",
    "parsed_arrow_schema",
    "parsed_columns",
    "raw_columns",
]


def create_table_sql(table: str, *, schema: str = SCHEMA, name: str | None = None) -> str:
    """``CREATE TABLE IF NOT EXISTS`` of ``raw.<table>`` (or a same-shaped table elsewhere)."""
    cols = [f"{c.name} {c.ddl_type}" for c in raw_columns(table)]
    if schema == SCHEMA and table in PRIMARY_KEYS:
        cols.append(f"PRIMARY KEY ({', '.join(PRIMARY_KEYS[table])})")
    return f"CREATE TABLE IF NOT EXISTS {schema}.{name or table} (\n  " + ",\n  ".join(cols) + "\n)"


def ddl() -> list[str]:
    """All statements that create schema raw (idempotent)."""
    return [f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"] + [create_table_sql(t) for t in RAW_TABLES]


def add_missing_columns_sql(table: str) -> list[str]:
    """``ALTER TABLE ... ADD COLUMN IF NOT EXISTS`` for every column of ``raw.<table>`` (idempotent)."""
    return [f"ALTER TABLE {SCHEMA}.{table} ADD COLUMN IF NOT EXISTS {c.name} {c.ddl_type}" for c in raw_columns(table)]


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema raw and its tables when missing, and add columns a newer version defines; safe on every run.

    A DuckDB file created by an older version keeps its rows: columns added since (e.g. the orders
    report's ``is_iba``, ``is_buyer_requested_cancellation``, ``buyer_requested_cancel_reason``, the
    load log's document facts) are appended with ``ADD COLUMN IF NOT EXISTS`` and read NULL on old
    rows. Columns are never dropped or retyped; the loader inserts by column name, so the physical
    order of an upgraded table does not matter.
    """
    existing: dict[str, set[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = ?", [SCHEMA]
    ).fetchall():
        existing.setdefault(table, set()).add(column)
    if not existing:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    for table in RAW_TABLES:
        if table not in existing:
            con.execute(create_table_sql(table))
            continue
        # only what an older version lacks: a statement per column costs ~0.2 ms on every load
        for column, statement in zip(raw_columns(table), add_missing_columns_sql(table), strict=True):
            if column.name not in existing[table]:
                con.execute(statement)
