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
        coalesce(account_status, '-') as status,
        coalesce(reported_ahr::varchar, '-') as reported,
        coalesce(reported_band, '-') as amazon_band,
        estimated_ahr::integer as estimated,
        band as our_band,
        coalesce(band_cause, '-') as cause,
        orders_180d::bigint as orders_180d,
        mcf_orders_180d::bigint as mcf_180d,
        coalesce(worst_metric_name, '-') as worst_metric,
        case when worst_metric_value is null then '-'
            else printf('%.2f%% vs %s %.2f%%', 100 * worst_metric_value,
                        case worst_metric_target_condition when 'LESS_THAN' then '<' when 'GREATER_THAN' then '>'
                            else '=' end,
                        100 * worst_metric_target_value)
        end as value_vs_target,
        case when next_rolloff_date is null then '-'
            else printf('%s %s %s (%d)', next_rolloff_date, next_rolloff_metric_name,
                        next_rolloff_fulfillment_channel, next_rolloff_defects_count)
        end as next_rolloff
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
            {", ".join(f"cast(sum(n) filter (where raw_table = '{rt.raw_table}') as bigint) as {rt.raw_table}" for rt in REPORT_TYPES.values())},
            cast(max(days) as bigint) as partition_days
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
    print_alerts(duckdb_path)


def print_alerts(duckdb_path: Path, *, include_resolved: bool = False, limit: int = 40) -> None:
    """Open alerts (and with ``include_resolved`` the resolved ones), most severe first, and counts by kind."""
    from orchestration.notifications.alerts import ALERTS_TABLE, acknowledgements, counts, describe, read_alerts

    if not Path(duckdb_path).exists():
        click.echo(f"{duckdb_path} does not exist yet: run `make demo` or `ahw run` first")
        return
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        if not _exists(con, ALERTS_TABLE):
            return
        alerts = read_alerts(con, status=None if include_resolved else "open")
        acked = acknowledgements(con)
    summary = counts(alerts)
    by_kind = ", ".join(f"{kind} {n}" for kind, n in summary["by_kind"].items()) or "none"
    click.echo(f"\nOpen alerts: {sum(summary['by_kind'].values())} ({by_kind}); all columns: {ALERTS_TABLE}")
    for alert in alerts[:limit]:
        flags = " [acknowledged]" if alert.alert_id in acked else ""
        since = f"{alert.first_seen_at:%Y-%m-%d}" if alert.first_seen_at else "?"
        state = "open" if alert.is_open else f"resolved {alert.resolved_at:%Y-%m-%d}"
        click.echo(f"  {alert.alert_id}  {alert.severity:<8} {alert.kind:<24} {alert.where:<32} since {since} "
                   f"({state}){flags}")  # fmt: skip
        click.echo(f"      {describe(alert)}")
    if len(alerts) > limit:
        click.echo(f"  ... {len(alerts) - limit} more (`ahw alerts --all`, or query {ALERTS_TABLE})")
