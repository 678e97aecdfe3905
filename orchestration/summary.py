"""The tables ``ahw summary`` prints (and ``ahw demo`` / ``ahw run`` end with): what the warehouse holds
per account x marketplace, its health, and the open alerts.

Read from the serving copy (orchestration/serving.py), so a running pipeline never makes it wait or
fail; before the first publish, from the working file when it is free. Numbers are plain integers and
percentages; ratings are points (0-1000), rates are shown in percent (the marts keep fractions).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from orchestration.config import Settings
from orchestration.serving import Reader, ServingUnavailable, reader
from orchestration.spapi.report_types import REPORT_TYPES
from orchestration.terminal import make_console

RATING_SUMMARY = "marts.fct_account_health_summary"
LOAD_STATUS = "ops.load_status"
#: Short column titles per raw table.
REPORT_TITLES = {
    "orders": "orders",
    "seller_feedback": "feedback",
    "returns": "returns",
    "seller_performance": "perf V2",
    "seller_performance_v1": "perf V1",
}


@dataclass(frozen=True)
class HealthRow:
    """One account x marketplace of ``marts.fct_account_health_summary``, as people read it."""

    account_id: str
    country: str
    marketplace_id: str
    rating_date: str
    account_status: str
    reported: str
    """Amazon's rating and band, e.g. ``161 At Risk``; ``-`` when Amazon sends no score."""
    estimated: str
    """Ours, e.g. ``78 Critical``."""
    band_cause: str
    orders_180d: str
    worst_metric: str
    next_rolloff: str


def _columns(r: Reader, qualified: str) -> set[str]:
    schema, table = qualified.split(".")
    return {
        c
        for (c,) in r.con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    }


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def _int(value) -> str:
    return "-" if value is None else f"{int(value):,}"


def health_rows(r: Reader) -> list[HealthRow]:
    """Every account x marketplace of the summary mart (latest day), sorted by account and country."""
    if not r.exists(RATING_SUMMARY):
        return []
    have = _columns(r, RATING_SUMMARY)

    def col(name: str) -> str:
        return name if name in have else f"null as {name}"

    rows = r.con.execute(
        f"""
        select s.account_id, coalesce(d.country_code, s.marketplace_id), s.marketplace_id, s.rating_date,
            {col("account_status")}, {col("reported_ahr")}, {col("reported_band")}, s.estimated_ahr, s.band,
            {col("band_cause")}, {col("orders_180d")}, {col("worst_metric_name")},
            {col("worst_metric_fulfillment_channel")}, {col("worst_metric_value")},
            {col("worst_metric_target_condition")}, {col("worst_metric_target_value")},
            {col("next_rolloff_date")}, {col("next_rolloff_metric_name")}
        from {RATING_SUMMARY} as s
        left join marts.dim_marketplaces as d using (marketplace_id)
        order by 1, 2
        """
    ).fetchall()
    out = []
    for (account, country, marketplace_id, day, status, reported, reported_band, estimated, band, cause, orders,
         metric, channel, value, condition, target, rolloff, rolloff_metric) in rows:  # fmt: skip
        sign = {"LESS_THAN": "<", "GREATER_THAN": ">"}.get(condition or "", "=")
        worst = (
            "-"
            if not metric
            else f"{metric}{f' ({channel})' if channel else ''} {_pct(value)} vs {sign} {_pct(target)}"
        )
        out.append(
            HealthRow(
                account_id=account,
                country=country,
                marketplace_id=marketplace_id,
                rating_date=str(day),
                account_status=status or "-",
                reported="-" if reported is None else f"{int(reported)} {reported_band or ''}".strip(),
                estimated="-" if estimated is None else f"{int(estimated)} {band or ''}".strip(),
                band_cause=cause or "-",
                orders_180d=_int(orders),
                worst_metric=worst,
                next_rolloff="-" if rolloff is None else f"{rolloff}{f' {rolloff_metric}' if rolloff_metric else ''}",
            )
        )
    return out


def load_rows(r: Reader) -> list[dict]:
    """Per account x marketplace: rows loaded and last day loaded per raw table (from ``ops.load_status``,
    or from raw.load_log when reading the working file before the first publish)."""
    if r.exists(LOAD_STATUS):
        source = LOAD_STATUS
    elif r.exists("raw.load_log"):
        from orchestration.serving import LOAD_STATUS_SQL

        source = f"({LOAD_STATUS_SQL})"
    else:
        return []
    tables = {rt.name: rt.raw_table for rt in REPORT_TYPES.values()}
    result: dict[tuple[str, str], dict] = {}
    for report_type, account, marketplace_id, last_day, days, rows in r.con.execute(
        f"select report_type, account_id, marketplace_id, last_partition_date, partition_days, rows_loaded "
        f"from {source} order by 2, 3"
    ).fetchall():
        entry = result.setdefault((account, marketplace_id), {"account_id": account, "marketplace_id": marketplace_id})
        table = tables.get(report_type, report_type)
        entry[table] = {"rows": int(rows or 0), "days": int(days or 0), "last_day": last_day}
    return list(result.values())


def health_table(rows: list[HealthRow]) -> Table:
    days = sorted({h.rating_date for h in rows})
    day = days[-1] if len(days) == 1 else f"{days[0]}..{days[-1]}"
    table = Table(title=f"Account health per account x marketplace on {day} (all columns: {RATING_SUMMARY})",
                  title_justify="left")  # fmt: skip
    for name, justify in (("account", "left"), ("mkt", "left"), ("status", "left"), ("Amazon's rating", "right"),
                          ("our estimate", "right"), ("cause", "left"), ("orders 180d", "right"),
                          ("worst metric vs target", "left"), ("next roll-off", "left")):  # fmt: skip
        table.add_column(name, justify=justify)
    for h in rows:
        table.add_row(h.account_id, h.country, h.account_status, h.reported, h.estimated, h.band_cause,
                      h.orders_180d, h.worst_metric, h.next_rolloff)  # fmt: skip
    return table


def loads_table(rows: list[dict]) -> Table:
    table = Table(title="Rows in raw per account x marketplace (days loaded)", title_justify="left")
    table.add_column("account")
    table.add_column("marketplace")
    for title in REPORT_TITLES.values():
        table.add_column(title, justify="right")
    for row in rows:
        cells = []
        for raw_table in REPORT_TITLES:
            got = row.get(raw_table)
            cells.append("-" if got is None else f"{got['rows']:,} ({got['days']}d)")
        table.add_row(row["account_id"], row["marketplace_id"], *cells)
    return table


def print_summary(settings: Settings, console: Console | None = None, *, alerts_limit: int = 10) -> None:
    """The summary tables and the most severe open alerts; one line when nothing can be read yet."""
    console = console or make_console()
    try:
        with reader(settings) as r:
            loads = load_rows(r)
            health = health_rows(r)
            source = r.source
    except ServingUnavailable as exc:
        console.print(str(exc), markup=False)
        return
    if loads:
        console.print(loads_table(loads))
    if health:
        console.print(health_table(health))
    console.print(f"(read from the {source})", markup=False, style="dim")
    print_alerts(settings, console, limit=alerts_limit, prefer_serving_copy=True, compact=True)


def print_alerts(
    settings: Settings,
    console: Console | None = None,
    *,
    include_resolved: bool = False,
    limit: int = 40,
    prefer_serving_copy: bool = False,
    compact: bool = False,
) -> None:
    """Open alerts (and with ``include_resolved`` the resolved ones), most severe first, and counts by kind;
    ``compact``: one line each (severity, where, what), as the summary shows them.

    Reads the working file when it is free (acknowledgements made since the last run show), else the
    serving copy.
    """
    from orchestration.notifications.alerts import ALERTS_TABLE, acknowledgements, counts, describe, read_alerts

    console = console or make_console()
    try:
        with reader(settings, prefer_serving_copy=prefer_serving_copy) as r:
            if not r.exists(ALERTS_TABLE):
                return
            alerts = read_alerts(r.con, status=None if include_resolved else "open")
            acked = acknowledgements(r.con)
    except ServingUnavailable as exc:
        console.print(str(exc), markup=False)
        return
    summary = counts(alerts)
    by_kind = ", ".join(f"{kind} {n}" for kind, n in summary["by_kind"].items()) or "none"
    console.print(f"\nOpen alerts: {sum(summary['by_kind'].values())} ({by_kind}); all columns: {ALERTS_TABLE}",
                  markup=False)  # fmt: skip
    for alert in alerts[:limit]:
        flags = " [acknowledged]" if alert.alert_id in acked else ""
        since = f"{alert.first_seen_at:%Y-%m-%d}" if alert.first_seen_at else "?"
        state = "" if alert.is_open else f", resolved {alert.resolved_at:%Y-%m-%d}"
        if compact:
            console.print(f"  {alert.severity:<8} {alert.where:<30} {describe(alert)}{flags}", markup=False)
            continue
        console.print(f"  {alert.alert_id}  {alert.severity:<8} {alert.kind:<24} {alert.where:<32} since {since}"
                      f"{state}{flags}", markup=False)  # fmt: skip
        console.print(f"      {describe(alert)}", markup=False)
    if len(alerts) > limit:
        console.print(f"  ... {len(alerts) - limit} more (`ahw alerts{' --all' if include_resolved else ''}`, "
                      f"or query {ALERTS_TABLE})", markup=False)  # fmt: skip
