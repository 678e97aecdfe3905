"""The projection: each windowed metric over the coming days if nothing new happens, and the day a
missed target is met again (defects leave the window as their orders age out of it)."""

from __future__ import annotations

import plotly.graph_objects as go

from orchestration.report import charts
from orchestration.report.data import ReportData
from orchestration.report.labels import day, is_missing, metric_label, percent, target_text
from orchestration.report.layout import Section, esc, table

SERIES_KEYS = ["metric_name", "fulfillment_channel"]
COLUMNS = 2
ROW_HEIGHT = 300


def render(data: ReportData) -> Section:
    projections = data.projections
    series = [
        tuple(s) for s in projections[SERIES_KEYS].drop_duplicates().sort_values(SERIES_KEYS).itertuples(index=False)
    ]
    if not series:
        return Section("projection", "Projection", "", "<p class='empty'>No projection for this marketplace.</p>")
    fig, _ = charts.subplot_grid(
        [metric_label(*s) for s in series], COLUMNS, ROW_HEIGHT, "Projected rates per day if no new defects arrive"
    )
    horizon_end = projections["projection_date"].max()
    horizon_start = projections["projection_date"].min()
    grid = charts.GridTraces(COLUMNS)
    table_rows = []
    for i, (metric_name, channel) in enumerate(series):
        one = projections[(projections["metric_name"] == metric_name) & (projections["fulfillment_channel"] == channel)]
        x = charts.dates(one["projection_date"])
        grid.add(
            i,
            go.Scatter(
                x=x,
                y=list(one["projected_value"]),
                name="Projected rate",
                mode="lines",
                line={"color": charts.ESTIMATE_COLOR, "width": 2},
                hovertemplate="projected: %{y:.2%}<extra></extra>",
            ),
        )
        grid.add(
            i,
            go.Scatter(
                x=x,
                y=list(one["target_value"]),
                name="Target",
                mode="lines",
                line={"color": charts.TARGET_COLOR, "width": 1.5, "dash": "dash"},
                hovertemplate="target: %{y:.2%}<extra></extra>",
            ),
        )
        last = one.iloc[-1]
        met_on = last.first_target_met_date
        missed_now = not is_missing(last.is_reported_target_missed_as_of) and bool(last.is_reported_target_missed_as_of)
        if not is_missing(met_on):
            at = one[one["projection_date"] == met_on]
            y = float(at["projected_value"].iloc[0]) if not at.empty else float(last.target_value)
            grid.add(
                i,
                go.Scatter(
                    x=[day(met_on)],
                    y=[y],
                    name="Target met again",
                    mode="markers+text",
                    text=[f"met again {day(met_on)}"],
                    textposition=_label_side(met_on, horizon_start, horizon_end),
                    marker={"color": charts.BAND_COLORS["Healthy"], "size": 12, "symbol": "star"},
                    hovertemplate="target met again on %{x}<extra></extra>",
                ),
            )
        grid.y_axis(
            i,
            charts.PERCENT_AXIS,
            tickformat=".2~%",
            range=charts.rate_range(one["projected_value"], last.target_value, last.target_condition),
        )
        if missed_now:
            outcome = (
                f"<span class='ok'>{esc(day(met_on))}</span>"
                if not is_missing(met_on)
                else f"<span class='miss'>not within {len(one)} days</span>"
            )
        else:
            outcome = "already met"
        table_rows.append(
            [
                esc(metric_label(metric_name, channel)),
                f"<span class='num'>{percent(last.reported_value_as_of)}</span>",
                esc(target_text(last.target_condition, last.target_value)),
                "<span class='miss'>missed</span>" if missed_now else "<span class='ok'>met</span>",
                outcome,
            ]
        )
    as_of = day(projections["as_of_date"].max())
    lead = (
        f"From the latest snapshot ({esc(as_of)}), each rate as its window moves forward day by day with only the "
        "orders and defects already known: defective orders leave the window as they age, so a rate that misses its "
        "target today falls back under it on the day marked. New defects would push that day later."
    )
    grid.apply(fig)
    charts.label_bottom_x_axes(fig, len(series), COLUMNS, "Projected date (UTC)")
    body = charts.to_div(fig, "chart-projection") + table(
        ["Metric", f"Amazon's value on {as_of}", "Target", "Today", "First day met again"], table_rows
    )
    return Section("projection", "Projection: when missed targets are met again", lead, body)


def _label_side(at, start, end) -> str:
    """Put the label on the side of the marker with room: left of it in the last third of the axis."""
    span = (end - start).days or 1
    return "top left" if (at - start).days / span > 0.66 else "top right"
