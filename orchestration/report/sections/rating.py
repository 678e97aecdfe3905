"""The rating over time: our estimate and Amazon's reported rating, on the shaded bands."""

from __future__ import annotations

import plotly.graph_objects as go

from orchestration.report import charts
from orchestration.report.data import ReportData
from orchestration.report.labels import day
from orchestration.report.layout import Section, esc


def render(data: ReportData) -> Section:
    rating = data.rating
    fig = charts.figure("Account Health Rating per day: estimated and reported", height=420)
    values = list(rating["estimated_ahr"]) + list(rating["reported_ahr"].dropna())
    projected = data.rating_projections
    if projected is not None and not projected.empty:
        values += list(projected["projected_ahr"].dropna())
    y_max = charts.rating_axis_max(values, data.bands)
    charts.shade_bands_y(fig, data.bands, y_max)
    fig.add_trace(
        go.Scatter(
            x=charts.dates(rating["rating_date"]),
            y=list(rating["estimated_ahr"]),
            name="Estimated (this warehouse)",
            mode="lines+markers",
            line={"color": charts.ESTIMATE_COLOR, "width": 2.5},
            marker={"size": 5},
            customdata=list(rating["band"]),
            hovertemplate="%{x}<br>estimated %{y} points (%{customdata})<extra></extra>",
        )
    )
    reported = rating[rating["reported_ahr"].notna()]
    if not reported.empty:
        fig.add_trace(
            go.Scatter(
                x=charts.dates(reported["rating_date"]),
                y=[int(v) for v in reported["reported_ahr"]],
                name="Reported by Amazon (ahrScore)",
                mode="lines+markers",
                line={"color": charts.REPORTED_COLOR, "width": 1.5, "dash": "dot"},
                marker={"size": 6, "symbol": "diamond"},
                customdata=list(reported["reported_band"]),
                hovertemplate="%{x}<br>reported %{y} points (%{customdata})<extra></extra>",
            )
        )
    if projected is not None and not projected.empty:
        fig.add_trace(
            go.Scatter(
                x=charts.dates(projected["projection_date"]),
                y=list(projected["projected_ahr"]),
                name="Projected (if nothing new happens)",
                mode="lines",
                line={"color": charts.ESTIMATE_COLOR, "width": 2, "dash": "dash"},
                hovertemplate="%{x}<br>projected %{y} points<extra></extra>",
            )
        )
    fig.update_yaxes(title_text=charts.RATING_AXIS, range=[0, y_max])
    fig.update_layout(showlegend=True)  # also with the estimate alone: the legend says what the line is
    fig.update_xaxes(title_text=charts.SNAPSHOT_AXIS)
    first, last = (
        (day(rating["rating_date"].min()), day(rating["rating_date"].max())) if not rating.empty else ("-", "-")
    )
    lead = (
        f"Daily snapshots from {esc(first)} to {esc(last)}. The estimate is computed by this warehouse from policy "
        "violations and order volume (Amazon does not publish its formula); the reported rating is Amazon's own "
        "number, present only on days its seller performance report carries it. Shaded: Amazon's bands."
    )
    if reported.empty:
        lead += " Amazon did not report a rating for this marketplace in these snapshots."
    return Section("rating", "Rating over time", lead, charts.to_div(fig, "chart-rating"))
