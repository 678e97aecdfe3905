"""The table `make demo` ends with: per account x marketplace, what the warehouse now holds."""

from __future__ import annotations

from pathlib import Path

import click
import duckdb

from orchestration.spapi.report_types import REPORT_TYPES

RATING_SUMMARY = "marts.fct_account_health_summary"


def _exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, table = qualified.split(".")
    rows = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchall()
    return rows[0][0] > 0


def raw_counts_sql() -> str:
    """Rows and partition days per raw table, pivoted per account x marketplace."""
    parts = [
        f"select '{rt.raw_table}' as raw_table, account_id, marketplace_id, count(*) as n, "
        f"count(distinct partition_date) as days from raw.{rt.raw_table} group by all"
        for rt in REPORT_TYPES.values()
    ]
    return f"""
        with counts as ({" union all ".join(parts)})
        select account_id, marketplace_id,
            {", ".join(f"sum(n) filter (where raw_table = '{rt.raw_table}') as {rt.raw_table}" for rt in REPORT_TYPES.values())},
            max(days) as partition_days
        from counts group by all order by all
    """


def print_summary(duckdb_path: Path) -> None:
    if not Path(duckdb_path).exists():
        click.echo(f"{duckdb_path} does not exist yet: run `make demo` or `ahw run` first")
        return
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        if _exists(con, "raw.orders"):
            click.echo("\nRaw rows per account x marketplace:")
            click.echo(str(con.sql(raw_counts_sql())))
        if _exists(con, RATING_SUMMARY):
            click.echo("Account health per account x marketplace (latest day):")
            click.echo(str(con.sql(f"select * from {RATING_SUMMARY} order by all")))
