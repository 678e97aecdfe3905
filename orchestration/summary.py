"""The table `make demo` ends with: per account x marketplace, what the warehouse now holds."""

from __future__ import annotations

from pathlib import Path

import click
import duckdb

from orchestration.spapi.report_types import REPORT_TYPES

RATING_SUMMARY = "marts.fct_account_health_summary"

#: The demo's closing table: the columns a person reads first, formatted to fit a terminal.
HEALTH_SUMMARY_SQL = f"""
    select
        account_id as account,
        d.country_code as mkt,
        rating_date as day,
        coalesce(reported_ahr::varchar, '-') as reported,
        estimated_ahr as estimated,
        band,
        orders_180d,
        mcf_orders_180d as mcf_180d,
        coalesce(worst_metric_name, '-') as worst_metric,
        case when worst_metric_value is null then '-'
            else printf('%.2f%% vs %s %.2f%%', 100 * worst_metric_value,
                        case worst_metric_target_condition when 'LESS_THAN' then '<' when 'GREATER_THAN' then '>'
                            else '=' end,
                        100 * worst_metric_target_value)
        end as value_vs_target,
        coalesce(next_rolloff_date::varchar, '-') as next_rolloff
    from {RATING_SUMMARY} as s
    left join marts.dim_marketplaces as d using (marketplace_id)
    order by account, mkt
"""


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
            con.sql(raw_counts_sql()).show(max_width=220)
        if _exists(con, RATING_SUMMARY):
            click.echo(f"Account health per account x marketplace (latest day; all columns: {RATING_SUMMARY}):")
            con.sql(HEALTH_SUMMARY_SQL).show(max_width=220)
