"""Why the estimate is what it is today: its components (start, volume credit, deductions) as a waterfall."""

from __future__ import annotations

import plotly.graph_objects as go

from orchestration.report import charts
from orchestration.report.data import ReportData
from orchestration.report.labels import day, integer, words
from orchestration.report.layout import Section, esc, table

#: Component types of fct_rating_components, as the chart names them.
_TYPE_NAMES = {
    "start": "Start rating",
    "volume_credit": "Volume credit",
    "critical_override": "Critical violation override",
    "clamp": "Kept within 0-1000",
}


def render(data: ReportData) -> Section | None:
    parts = data.components
    if parts.empty:
        return None
    # Zero-point rows (categories without open defects, an unused clamp) say nothing on a waterfall.
    shown = parts[(parts["points"] != 0) | parts["component_type"].isin(["start", "volume_credit"])]
    names = [
        _TYPE_NAMES.get(t, words(n)) + (f" ({s})" if t == "deduction" and isinstance(s, str) else "")
        for t, n, s in zip(shown["component_type"], shown["component_name"], shown["severity"], strict=True)
    ]
    estimate = int(parts["points"].sum())
    points = [int(p) for p in shown["points"]]
    running = [sum(points[: i + 1]) for i in range(len(points))]
    extent = max([abs(v) for v in [*running, *points, estimate]] + [1])
    fig = charts.figure(
        f"Today's estimate, {estimate} points, and what makes it up", height=150 + 36 * (len(names) + 1)
    )
    fig.add_trace(
        go.Waterfall(
            orientation="h",
            y=[*names, "Estimated rating"],
            x=[*points, estimate],
            measure=["absolute" if t == "start" else "relative" for t in shown["component_type"]] + ["total"],
            text=[f"{p:+d}" if t != "start" else str(p) for p, t in zip(points, shown["component_type"], strict=True)]
            + [str(estimate)],
            # Long bars carry their number inside: outside, a bar ending at 0 would put it over the labels.
            textposition=["inside" if abs(v) > 0.15 * extent else "outside" for v in [*points, estimate]],
            insidetextfont={"color": "white"},
            cliponaxis=False,
            connector={"line": {"color": "#b0bec5"}},
            increasing={"marker": {"color": charts.BAND_COLORS["Healthy"]}},
            decreasing={"marker": {"color": charts.BAND_COLORS["Critical"]}},
            totals={"marker": {"color": charts.ESTIMATE_COLOR}},
            hovertemplate="%{y}: %{x} points<extra></extra>",
            name="Points",
            showlegend=False,
        )
    )
    fig.update_xaxes(title_text="Rating points", rangemode="tozero")
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_layout(margin={"l": 10, "r": 50})
    deductions = parts[parts["component_type"] == "deduction"]
    deductions = deductions[deductions["basis_count"].fillna(0) > 0]
    rows = [
        [
            esc(words(r.component_name)),
            esc(r.severity),
            f"<span class='num'>{integer(r.basis_count)}</span>",
            f"<span class='num'>{integer(r.points)}</span>",
            f"<span class='num'>{integer(getattr(r, 'estimated_ahr_if_resolved', None))}</span>",
        ]
        for r in deductions.itertuples()
    ]
    body = charts.to_div(fig, "chart-components")
    if rows:
        body += table(["Policy category", "Severity", "Open defects", "Points", "Estimate if resolved"], rows)
    lead = (
        f"Components of the estimate on {esc(day(parts['rating_date'].max()))}: the start rating, the credit for "
        "orders in the last 180 days, and the points each open policy-violation category costs (severity and "
        "points per violation are the warehouse's model settings, editable by your data team)."
    )
    return Section("components", "What makes up today's estimate", lead, body)
