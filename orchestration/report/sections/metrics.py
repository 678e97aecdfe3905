"""Each performance metric against its target over time: Amazon's value, our recomputation, the target."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from orchestration.report import charts
from orchestration.report.data import ReportData
from orchestration.report.labels import is_missing, metric_label, percent, target_text
from orchestration.report.layout import Section, esc, table

SERIES_KEYS = ["metric_name", "fulfillment_channel", "window_days"]
COLUMNS = 2
ROW_HEIGHT = 250


def render(data: ReportData) -> Section:
    metrics = data.metrics
    reported = metrics[metrics["source"] == "reported"]
    series = reported[SERIES_KEYS].drop_duplicates().sort_values(SERIES_KEYS).itertuples(index=False)
    series = [tuple(s) for s in series]
    if not series:
        body = "<p class='empty'>No reported metric with a target in these snapshots.</p>"
        return Section("metrics", "Metrics against their targets", "", body)

    titles = []
    for key in series:
        last = _select(reported, key).iloc[-1]
        titles.append(f"{metric_label(*key)}: target {target_text(last.target_condition, last.target_value)}")
    fig, _ = charts.subplot_grid(titles, COLUMNS, ROW_HEIGHT, "Performance metrics per snapshot day")
    grid = charts.GridTraces(COLUMNS)
    latest_rows = []
    for i, (metric_name, channel, window) in enumerate(series):
        selected = _select(metrics, (metric_name, channel, window))
        amazon = selected[selected["source"] == "reported"]
        ours = selected[selected["source"] == "recomputed"]
        x = charts.dates(amazon["metric_date"])
        grid.add(
            i,
            go.Scatter(
                x=x,
                y=list(amazon["value"]),
                name="Reported by Amazon",
                mode="lines+markers",
                marker={"size": 4},
                line={"color": charts.ESTIMATE_COLOR, "width": 2},
                hovertemplate="Amazon: %{y:.2%}<extra></extra>",
            ),
        )
        if not ours.empty:
            grid.add(
                i,
                go.Scatter(
                    x=charts.dates(ours["metric_date"]),
                    y=list(ours["value"]),
                    name="Recomputed from loaded orders",
                    mode="lines",
                    line={"color": "#8e8e8e", "width": 1.5, "dash": "dot"},
                    hovertemplate="recomputed: %{y:.2%}<extra></extra>",
                ),
            )
        grid.add(
            i,
            go.Scatter(
                x=x,
                y=list(amazon["target_value"]),
                name="Target",
                mode="lines",
                line={"color": charts.TARGET_COLOR, "width": 1.5, "dash": "dash"},
                hovertemplate="target: %{y:.2%}<extra></extra>",
            ),
        )
        missed = amazon[amazon["is_target_missed"].fillna(False).astype(bool)]
        if not missed.empty:
            grid.add(
                i,
                go.Scatter(
                    x=charts.dates(missed["metric_date"]),
                    y=list(missed["value"]),
                    name="Target missed",
                    mode="markers",
                    marker={"color": charts.TARGET_COLOR, "size": 8, "symbol": "x"},
                    hoverinfo="skip",
                ),
            )
        last = amazon.iloc[-1]
        shown = [*amazon["value"], *ours["value"]]
        grid.y_axis(
            i,
            charts.PERCENT_AXIS,
            tickformat=".2~%",
            range=charts.rate_range(shown, last.target_value, last.target_condition),
        )
        if is_missing(last.is_target_missed):
            status = "-"
        elif bool(last.is_target_missed):
            status = "<span class='miss'>missed</span>"
        else:
            status = "<span class='ok'>met</span>"
        latest_rows.append(
            [
                esc(metric_label(metric_name, channel, window)),
                f"<span class='num'>{percent(last.value)}</span>",
                esc(target_text(last.target_condition, last.target_value)),
                status,
                esc("-" if is_missing(last.amazon_status) else last.amazon_status),
            ]
        )
    grid.apply(fig)
    charts.label_bottom_x_axes(fig, len(series), COLUMNS, charts.SNAPSHOT_AXIS)
    body = charts.to_div(fig, "chart-metrics") + table(
        ["Metric (latest snapshot)", "Value", "Target", "Our check", "Amazon's status"], latest_rows
    )
    lead = (
        "Each metric Amazon reports with a target, over the snapshot days, in percent. Solid: Amazon's value for its "
        "window (window length in each title); dotted: the same rate recomputed by the warehouse from the orders, "
        "feedback and returns it loaded (short when fewer days are loaded than the window needs); dashed red: the "
        "target; red crosses: days the target was missed."
    )
    return Section("metrics", "Metrics against their targets", lead, body)


def _select(frame: pd.DataFrame, key: tuple) -> pd.DataFrame:
    """Rows of one series (metric, channel, window)."""
    metric_name, channel, window = key
    return frame[
        (frame["metric_name"] == metric_name)
        & (frame["fulfillment_channel"] == channel)
        & (frame["window_days"] == window)
    ]
