"""The overview page: every account x marketplace ranked by risk, each linking to its page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go

from orchestration.report import charts
from orchestration.report.account_page import band_badge, page_name, status_badge
from orchestration.report.data import ReportData
from orchestration.report.labels import day, integer, is_missing, metric_label, percent, target_text
from orchestration.report.layout import Section, esc, page, render_sections, table
from orchestration.report.sections.alerts import open_alerts

#: Amazon's account statuses from the most to the least at risk (accountStatuses[].status). A status
#: Amazon adds later ranks between AT_RISK and NORMAL: unknown is worth a look, not an alarm.
STATUS_RISK = {"DEACTIVATED": 0, "SUSPENDED": 0, "AT_RISK": 1, "NORMAL": 3}
UNKNOWN_STATUS_RISK = 2


@dataclass(frozen=True)
class RankedPair:
    """One row of the ranking: the summary row plus what the ranking adds."""

    row: pd.Series
    targets_missed: int
    open_alerts: int | None
    """None when the warehouse has no alerts mart."""
    days_to_band_change: int | None
    """None when no projection of the rating exists (or it projects no change)."""
    is_change_for_the_worse: bool = True
    """False when the projection says the band improves (then the change does not raise the risk)."""

    @property
    def account_id(self) -> str:
        return self.row["account_id"]

    @property
    def marketplace_id(self) -> str:
        return self.row["marketplace_id"]


def rank(data: ReportData) -> list[RankedPair]:
    """Account x marketplaces from the most to the least at risk.

    Order: Amazon's account status (deactivated or suspended first), then the worse of our band and
    Amazon's reported band (seeds.rating_bands' order), then the fewest days to a projected band change
    for the worse (a change counts as one unless the projection names a better band), the most open
    alerts, the most metrics missing their target, the lowest estimated rating.
    """
    band_order = {b.name: b.band_order for b in data.bands}
    missed = _targets_missed(data.metrics)
    alerts = open_alerts(data.alerts)
    change_column = data.optional.get("next_band_change_date")
    next_band_column = data.optional.get("next_band")
    ranked = []
    for _, row in data.summary.iterrows():
        pair = (row["account_id"], row["marketplace_id"])
        alerts_count = None
        if alerts is not None:
            mine = alerts[
                (alerts["account_id"] == pair[0])
                & ((alerts["marketplace_id"] == pair[1]) | alerts["marketplace_id"].isna())
            ]
            alerts_count = len(mine)
        days = None
        if change_column and not is_missing(row[change_column]):
            days = (pd.Timestamp(row[change_column]) - pd.Timestamp(row["rating_date"])).days
        worse = True
        if next_band_column and not is_missing(row[next_band_column]):
            worse = band_order.get(row[next_band_column], 0) < band_order.get(row["band"], 0)
        ranked.append(RankedPair(row, missed.get(pair, 0), alerts_count, days, worse))

    def key(p: RankedPair) -> tuple:
        status = p.row["account_status"]
        status_risk = 3 if is_missing(status) else STATUS_RISK.get(str(status), UNKNOWN_STATUS_RISK)
        bands = [band_order.get(b, 99) for b in (p.row["band"], p.row["reported_band"]) if not is_missing(b)]
        return (
            status_risk,
            min(bands, default=99),
            p.days_to_band_change if p.days_to_band_change is not None and p.is_change_for_the_worse else 10**6,
            -(p.open_alerts or 0),
            -p.targets_missed,
            int(p.row["estimated_ahr"]),
            p.account_id,
            p.marketplace_id,
        )

    return sorted(ranked, key=key)


def _targets_missed(metrics: pd.DataFrame) -> dict[tuple[str, str], int]:
    """Reported metrics missing their target on each pair's latest snapshot day."""
    reported = metrics[metrics["source"] == "reported"]
    if reported.empty:
        return {}
    latest = reported["metric_date"] == reported.groupby(["account_id", "marketplace_id"])["metric_date"].transform(
        "max"
    )
    missed = reported[latest & reported["is_target_missed"].fillna(False).astype(bool)]
    return {k: int(v) for k, v in missed.groupby(["account_id", "marketplace_id"]).size().items()}


def _band_change_cell(p: RankedPair, next_band_column: str | None) -> str:
    """Days to the projected band change, and the band it changes to when the projection names it."""
    if p.days_to_band_change is None:
        return "-"
    cell = f"<span class='num'>{p.days_to_band_change}</span>"
    if next_band_column and not is_missing(p.row[next_band_column]):
        cell += f"<span class='nowrap'>to {band_badge(p.row[next_band_column])}</span>"
    return cell


def _chart(data: ReportData, ranked: list[RankedPair]) -> str:
    labels = [f"{p.account_id} / {data.marketplace_name(p.marketplace_id)}" for p in ranked]
    estimated = [int(p.row["estimated_ahr"]) for p in ranked]
    reported = [None if is_missing(p.row["reported_ahr"]) else int(p.row["reported_ahr"]) for p in ranked]
    x_max = charts.rating_axis_max(estimated + [r for r in reported if r is not None], data.bands)
    fig = charts.figure("Latest rating per account x marketplace (most at risk on top)", height=150 + 44 * len(ranked))
    charts.shade_bands_x(fig, data.bands, x_max)
    for band in data.bands:
        mine = [i for i, p in enumerate(ranked) if p.row["band"] == band.name]
        if not mine:
            continue
        fig.add_trace(
            go.Bar(
                y=[labels[i] for i in mine],
                x=[estimated[i] for i in mine],
                orientation="h",
                name=f"Estimated: {band.name}",
                marker={"color": charts.BAND_COLORS.get(band.name, charts.NEUTRAL)},
                hovertemplate="%{y}: estimated %{x} points<extra></extra>",
            )
        )
    if any(r is not None for r in reported):
        fig.add_trace(
            go.Scatter(
                y=labels,
                x=reported,
                mode="markers",
                name="Reported by Amazon (ahrScore)",
                cliponaxis=False,
                marker={
                    "symbol": "diamond",
                    "size": 12,
                    "color": charts.REPORTED_COLOR,
                    "line": {"color": "white", "width": 1},
                },
                hovertemplate="%{y}: reported %{x} points<extra></extra>",
            )
        )
    fig.update_xaxes(title_text=charts.RATING_AXIS, range=[0, x_max])
    fig.update_yaxes(autorange="reversed", title_text="", categoryorder="array", categoryarray=labels, ticksuffix="  ")
    fig.update_layout(bargap=0.35, barmode="overlay", margin={"l": 10, "r": 50})
    return charts.to_div(fig, "chart-overview")


def render(data: ReportData, generated_at: datetime) -> tuple[str, list[RankedPair]]:
    """The overview page's HTML and the ranking it shows."""
    ranked = rank(data)
    with_alerts = data.alerts is not None
    with_change = "next_band_change_date" in data.optional
    headers = [
        "Rank",
        "Account / marketplace",
        "Account status",
        "Estimated rating",
        "Reported by Amazon",
        "Targets missed",
        "Worst metric against its target",
        "Next defect roll-off",
    ]
    if with_change:
        headers.append("Days to band change")
    if with_alerts:
        headers.append("Open alerts")
    rows = []
    for i, p in enumerate(ranked, start=1):
        r = p.row
        link = page_name(p.account_id, p.marketplace_id)
        worst = "-"
        if not is_missing(r["worst_metric_name"]):
            target = target_text(r["worst_metric_target_condition"], r["worst_metric_target_value"])
            label = metric_label(r["worst_metric_name"], r["worst_metric_fulfillment_channel"])
            worst = esc(f"{label}: {percent(r['worst_metric_value'])} vs {target}")
        reported = (
            "-" if is_missing(r["reported_ahr"]) else f"{integer(r['reported_ahr'])} {band_badge(r['reported_band'])}"
        )
        cells = [
            f"<span class='num'>{i}</span>",
            f"<a class='nowrap' href='{esc(link)}'>{esc(p.account_id)}</a><br>"
            f"<span class='nowrap'>{esc(data.marketplace_name(p.marketplace_id))}</span>",
            status_badge(r["account_status"]),
            f"<span class='nowrap'>{integer(r['estimated_ahr'])} {band_badge(r['band'])}</span>",
            f"<span class='nowrap'>{reported}</span>",
            f"<span class='num {'miss' if p.targets_missed else ''}'>{p.targets_missed}</span>",
            worst,
            f"<span class='nowrap'>{esc(day(r['next_rolloff_date']))}</span>",
        ]
        if with_change:
            cells.append(_band_change_cell(p, data.optional.get("next_band")))
        if with_alerts:
            cells.append(f"<span class='num'>{p.open_alerts}</span>")
        rows.append(cells)
    counts = {b.name: int((data.summary["band"] == b.name).sum()) for b in data.bands}
    cards = "".join(
        f"<div class='card'><div class='label'>{esc(name)} (estimated band)</div><div class='value'>{n}</div></div>"
        for name, n in counts.items()
    )
    as_of = day(data.as_of)
    ranking = Section(
        "ranking",
        "Accounts x marketplaces by risk",
        "Most at risk first: Amazon's account status, then the worse of the estimated and the reported band, then "
        + ("days to the next projected band change, " if with_change else "")
        + ("open alerts, " if with_alerts else "")
        + "metrics missing their target on the latest snapshot, then the lowest estimated rating. Open a row for "
        "the account's charts.",
        table(headers, rows),
    )
    chart = Section(
        "ratings",
        "Ratings at a glance",
        "Bars: the warehouse's estimate, coloured by its band; diamonds: Amazon's reported rating where its report "
        "carries one. Shaded: Amazon's bands.",
        _chart(data, ranked),
    )
    body = (
        f"<p class='subtitle'>{len(ranked)} account x marketplace pair(s); latest snapshot {esc(as_of)}.</p>"
        f"<div class='cards'>{cards}</div>" + render_sections([ranking, chart])
    )
    return page("Account health: all accounts", "Account health: all accounts", body, generated_at), ranked
