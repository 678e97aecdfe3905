"""The policy-violation timeline: open violations per category and snapshot day, with their severity."""

from __future__ import annotations

import plotly.graph_objects as go

from orchestration.report import charts
from orchestration.report.data import ReportData
from orchestration.report.labels import day, integer, words
from orchestration.report.layout import Section, esc, table

#: Most severe first, in the legend and the stack (the seeds' severities; anything else after them).
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def render(data: ReportData) -> Section:
    violations = data.violations
    title = "Policy violations by category"
    if violations.empty:
        return Section("violations", title, "", "<p class='empty'>No policy-violation data in these snapshots.</p>")
    first, last = day(violations["metric_date"].min()), day(violations["metric_date"].max())
    totals = violations.groupby("category")["defects_count"].sum()
    active = sorted(
        totals[totals > 0].index,
        key=lambda c: (SEVERITY_ORDER.get(_severity(violations, c), 9), c),
    )
    if not active:
        lead = f"Snapshots from {esc(first)} to {esc(last)}."
        body = "<p class='empty'>No open policy violation in any category on any snapshot day.</p>"
        return Section("violations", title, lead, body)
    fig = charts.figure("Open policy violations per snapshot day, by category", height=420)
    for i, category in enumerate(active):
        one = violations[violations["category"] == category]
        severity = _severity(violations, category)
        fig.add_trace(
            go.Bar(
                x=charts.dates(one["metric_date"]),
                y=[int(v) for v in one["defects_count"]],
                name=f"{words(category)} ({severity})",
                width=charts.DAY_BAR_WIDTH,
                marker={"color": charts.PALETTE[i % len(charts.PALETTE)], "line": {"color": "white", "width": 0.5}},
                customdata=[int(v) for v in one["points_deducted"]],
                hovertemplate="%{y} open, %{customdata} points<extra>" + words(category) + "</extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        bargap=0.1,
        showlegend=True,
        legend={
            "orientation": "v",
            "x": 1.02,
            "xanchor": "left",
            "y": 1,
            "yanchor": "top",
            "title": {"text": "Category (severity)"},
            "traceorder": "normal",
        },
    )
    daily = violations[violations["category"].isin(active)].groupby("metric_date")["defects_count"].sum()
    charts.count_axis(fig, float(daily.max()), "Open violations (count)")
    fig.update_xaxes(title_text=charts.SNAPSHOT_AXIS)
    latest = violations[violations["metric_date"] == violations["metric_date"].max()]
    rows = [
        [
            esc(words(r.category)),
            esc(r.severity),
            f"<span class='num'>{integer(r.defects_count)}</span>",
            f"<span class='num'>{integer(r.points_deducted)}</span>",
        ]
        for r in latest[latest["category"].isin(active)].sort_values("points_deducted", ascending=False).itertuples()
    ]
    lead = (
        f"Open violations Amazon reports per category (its 180-day window) on each snapshot day from {esc(first)} "
        f"to {esc(last)}; only categories with a violation in the period are shown. Severity and points come from the "
        "warehouse's rating model; an open critical violation takes the estimate to 0."
    )
    body = charts.to_div(fig, "chart-violations") + table(
        [f"Category on {last}", "Severity", "Open violations", "Points deducted"], rows
    )
    return Section("violations", title, lead, body)


def _severity(violations, category: str) -> str:
    values = violations.loc[violations["category"] == category, "severity"].dropna()
    return str(values.iloc[-1]) if not values.empty else "unknown"
