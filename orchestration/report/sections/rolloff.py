"""The defect roll-off calendar: on which days the defective orders now counted leave their metric's window."""

from __future__ import annotations

import plotly.graph_objects as go

from orchestration.report import charts
from orchestration.report.data import ReportData
from orchestration.report.labels import day, integer, metric_label
from orchestration.report.layout import Section, esc


def render(data: ReportData) -> Section:
    calendar = data.rolloff
    title = "Defect roll-off calendar"
    if calendar.empty:
        body = "<p class='empty'>No defective order is counted in a current metric window.</p>"
        return Section("rolloff", title, "", body)
    fig = charts.figure("Defective orders leaving each metric's window, per day", height=380)
    series = (
        calendar[["metric_name", "fulfillment_channel"]]
        .drop_duplicates()
        .sort_values(["metric_name", "fulfillment_channel"])
    )
    for metric_name, channel in series.itertuples(index=False):
        one = calendar[(calendar["metric_name"] == metric_name) & (calendar["fulfillment_channel"] == channel)]
        fig.add_trace(
            go.Bar(
                x=charts.dates(one["rolloff_date"]),
                y=[int(v) for v in one["orders_count"]],
                name=metric_label(metric_name, channel),
                width=charts.DAY_BAR_WIDTH,
                hovertemplate="%{x}: %{y} order(s) leave the window<extra>"
                + metric_label(metric_name, channel)
                + "</extra>",
            )
        )
    fig.update_layout(barmode="stack", bargap=0.15, showlegend=True)
    daily = calendar.groupby("rolloff_date")["orders_count"].sum()
    charts.count_axis(fig, float(daily.max()), "Defective orders (count)")
    fig.update_xaxes(title_text="Roll-off date (UTC)")
    total = int(calendar["orders_count"].sum())
    first = calendar.sort_values("rolloff_date").iloc[0]
    lead = (
        f"{integer(total)} defective order(s) now count in a metric window; the first leave on "
        f"{esc(day(first.rolloff_date))}. Each bar counts the orders whose defect stops counting that day, when the "
        "order's date falls out of the metric's window (Amazon's window length and lag from the latest snapshot)."
    )
    return Section("rolloff", title, lead, charts.to_div(fig, "chart-rolloff"))
