"""Plotly helpers the report's sections share: one look, band shading, percent axes, HTML fragments.

Figures are turned into ``<div>`` fragments without Plotly's JavaScript (the pages load
``plotly.min.js`` written once beside them) and without MathJax, so opening a page makes no request
outside the report's folder. Rates arrive as fractions (0.01 = 1%) and are shown on percent axes:
Plotly's ``%`` tick format multiplies by 100, so the data stay fractions and the axis says percent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from orchestration.report.data import Band
from orchestration.report.labels import day

#: System fonts only: a web font would be a request leaving the machine.
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

#: Band colours (fills at low opacity behind the data; text in the darker shade).
BAND_COLORS = {"Healthy": "#2e7d32", "At Risk": "#ef6c00", "Critical": "#c62828"}
NEUTRAL = "#607d8b"
ESTIMATE_COLOR = "#1f5fbf"
REPORTED_COLOR = "#111111"
TARGET_COLOR = "#c62828"
#: A qualitative palette with enough contrast on white for up to ten series.
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)

#: Date axes spanning at most this many days get one tick per day (see day_ticks).
SHORT_RANGE_DAYS = 14
DAY_MS = 86_400_000
#: Bars of daily data are one day wide (less a gap): Plotly would widen them to the smallest gap
#: between dates, so two roll-off days two weeks apart would each look two weeks long.
DAY_BAR_WIDTH = DAY_MS * 0.8

#: Room above the plot for the title (top line) and a one-line legend (second line), in pixels.
TOP_MARGIN = 100
TITLE_FROM_TOP = 10
LEGEND_FROM_TOP = 40

#: A small template of our own: Plotly's built-in ones would be copied into every chart (~8 kB each).
TEMPLATE = go.layout.Template(
    layout=go.Layout(
        font={"family": FONT_FAMILY, "size": 13, "color": "#222"},
        title={"font": {"size": 15}, "x": 0, "xanchor": "left"},
        paper_bgcolor="white",
        plot_bgcolor="white",
        colorway=list(PALETTE),
        margin={"l": 70, "r": 30, "t": TOP_MARGIN, "b": 60},
        hoverlabel={"font": {"family": FONT_FAMILY}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "xanchor": "left"},
        xaxis={"gridcolor": "#e6e6e6", "linecolor": "#999", "zeroline": False, "automargin": True},
        yaxis={"gridcolor": "#e6e6e6", "linecolor": "#999", "zeroline": False, "automargin": True},
    )
)

#: Plotly's toolbar without its logo and lasso tools; PNG downloads are rendered in the browser.
CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}

#: Axis titles with their units, in one place so every chart says the same thing.
PERCENT_AXIS = "Rate (%)"
RATING_AXIS = "Account Health Rating (points, 0-1000)"
SNAPSHOT_AXIS = "Snapshot date (UTC)"


def figure(title: str, height: int) -> go.Figure:
    """An empty figure with the report's template, a title and a fixed height in pixels."""
    fig = go.Figure()
    fig.update_layout(template=TEMPLATE, title={"text": title}, height=height)
    return fig


def place_title_and_legend(fig: go.Figure) -> None:
    """Title on the first line of the top margin, a horizontal legend on the second, both in pixels from
    the top of the figure: in paper coordinates a tall grid of charts would put them over each other."""
    height = fig.layout.height or 450
    fig.update_layout(title={"yref": "container", "y": 1 - TITLE_FROM_TOP / height, "yanchor": "top"})
    entries = [t for t in fig.data if t.showlegend is not False]
    has_legend = fig.layout.showlegend is not False and (len(entries) > 1 or fig.layout.showlegend is True)
    if not has_legend:
        fig.update_layout(margin={"t": TOP_MARGIN - (LEGEND_FROM_TOP - TITLE_FROM_TOP)})
    elif fig.layout.legend.orientation in (None, "h"):
        fig.update_layout(legend={"yref": "container", "y": 1 - LEGEND_FROM_TOP / height, "yanchor": "top"})


def subplot_grid(titles: Sequence[str], columns: int, row_height: int, title: str) -> tuple[go.Figure, int]:
    """A grid of small charts, one per title, ``columns`` wide; returns the figure and its row count.

    The gap between rows is fixed in pixels (room for tick labels, the axis title and the next
    chart's title), whatever the number of rows.
    """
    rows = max(1, -(-len(titles) // columns))
    height = row_height * rows + TOP_MARGIN + 70
    plot_height = height - TOP_MARGIN - 60
    gap = min(95 / plot_height, 0.9 / max(rows - 1, 1)) if rows > 1 else 0.0
    fig = make_subplots(
        rows=rows, cols=columns, subplot_titles=list(titles), vertical_spacing=gap, horizontal_spacing=0.09
    )
    fig.update_layout(template=TEMPLATE, height=height, title={"text": title}, hovermode="x unified")
    fig.update_annotations(font={"size": 13})
    return fig, rows


class GridTraces:
    """Traces and y-axis settings for a :func:`subplot_grid`, applied to the figure in one step.

    Adding traces one by one with ``row=``/``col=`` and updating each axis on its own makes Plotly
    re-validate the whole figure each time (most of the report's run time on the demo); here each
    legend entry is also shown once, on the first chart that has it.
    """

    def __init__(self, columns: int):
        self.columns = columns
        self.traces: list[go.BasePlotlyType] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.layout: dict[str, dict] = {}
        self._in_legend: set[str] = set()

    def add(self, index: int, trace: go.BasePlotlyType) -> None:
        """Add ``trace`` to chart number ``index`` (row by row), grouped in the legend by its name."""
        trace.legendgroup = trace.name
        trace.showlegend = trace.name not in self._in_legend
        self._in_legend.add(trace.name)
        self.traces.append(trace)
        self.rows.append(index // self.columns + 1)
        self.cols.append(index % self.columns + 1)

    def y_axis(self, index: int, title: str, **settings) -> None:
        """Title and settings of chart ``index``'s y axis (make_subplots numbers axes row by row from 1)."""
        name = "yaxis" if index == 0 else f"yaxis{index + 1}"
        self.layout[name] = {"title": {"text": title}, **settings}

    def apply(self, fig: go.Figure) -> None:
        fig.add_traces(self.traces, rows=self.rows, cols=self.cols)
        fig.update_layout(self.layout)


def label_bottom_x_axes(fig: go.Figure, count: int, columns: int, text: str) -> None:
    """The x-axis title under the lowest chart of each column only (the others share it)."""
    for col in range(1, columns + 1):
        in_column = [i for i in range(count) if i % columns == col - 1]
        if in_column:
            fig.update_xaxes(title_text=text, row=in_column[-1] // columns + 1, col=col)


def day_ticks(fig: go.Figure) -> None:
    """One tick per day on short date axes: Plotly would otherwise tick a few days at 00:00 and 12:00,
    though every point is a whole UTC day. Longer ranges keep Plotly's own (weekly, monthly) ticks."""
    days = sorted({x for t in fig.data for x in (getattr(t, "x", None) or ()) if _is_day(x)})
    if not days:
        return
    span = (date.fromisoformat(days[-1]) - date.fromisoformat(days[0])).days
    if span <= SHORT_RANGE_DAYS:
        fig.update_xaxes(dtick=DAY_MS, tickformat="%b %-d", tick0=days[0])


def _is_day(value: object) -> bool:
    return isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-"


def to_div(fig: go.Figure, div_id: str) -> str:
    """The figure as an HTML fragment: a ``div`` and the script that draws it (no library, no MathJax)."""
    place_title_and_legend(fig)
    day_ticks(fig)
    return pio.to_html(
        fig,
        config=CONFIG,
        include_plotlyjs=False,
        include_mathjax=False,
        full_html=False,
        div_id=div_id,
        default_height=f"{fig.layout.height}px" if fig.layout.height else "100%",
        validate=True,
    )


def dates(values: Iterable) -> list[str]:
    """UTC days as ISO strings (``2026-11-28``): smaller pages than timestamps, and no time zone shift."""
    return [day(v) for v in values]


def shade_bands_y(fig: go.Figure, bands: Sequence[Band], y_max: float, row=None, col=None) -> None:
    """Shade the rating bands horizontally (rating on the y axis), each labelled inside on the left."""
    for band in bands:
        top = min(band.max_rating + 1, y_max)
        if band.min_rating >= y_max:
            continue
        color = BAND_COLORS.get(band.name, NEUTRAL)
        fig.add_hrect(
            y0=band.min_rating,
            y1=top,
            fillcolor=color,
            opacity=0.10,
            line_width=0,
            layer="below",
            annotation={
                "text": f"{band.name} ({band.min_rating}-{band.max_rating})",
                "font": {"color": color, "size": 12},
            },
            annotation_position="top left",
            row=row,
            col=col,
        )


def shade_bands_x(fig: go.Figure, bands: Sequence[Band], x_max: float) -> None:
    """Shade the rating bands vertically (rating on the x axis), each named above the plot."""
    for band in bands:
        if band.min_rating >= x_max:
            continue
        color = BAND_COLORS.get(band.name, NEUTRAL)
        right = min(band.max_rating + 1, x_max)
        fig.add_vrect(x0=band.min_rating, x1=right, fillcolor=color, opacity=0.10, line_width=0, layer="below")
        # The name above the plot, centred on its band: inside, the bars would cover it.
        fig.add_annotation(
            x=(band.min_rating + right) / 2,
            xref="x",
            y=1,
            yref="paper",
            yanchor="bottom",
            showarrow=False,
            text=band.name,
            font={"color": color, "size": 12},
        )


def rating_axis_max(values: Iterable[float], bands: Sequence[Band]) -> float:
    """Upper end of a rating axis: room above the data and above the lowest healthy band, at most 1000.

    A full 0-1000 axis would squeeze accounts rated 150-260 (where the bands change) into a sliver.
    """
    top = max([float(v) for v in values if v == v] or [0.0])
    healthy_floor = max((b.min_rating for b in bands), default=200)
    scale_max = max((b.max_rating for b in bands), default=1000)
    return float(min(scale_max + 1, max(top * 1.15, healthy_floor * 1.5)))


def rate_range(values: Iterable[float], target: float | None, condition: str | None) -> list[float]:
    """A y range (fractions) that shows the values and the target with a margin, never above 100%.

    Rates that must stay under a target start at 0; rates that must stay above one (valid tracking,
    on-time delivery) are zoomed on the band between the lowest value and 100%, where they live.
    """
    points = [float(v) for v in values if v is not None and v == v]
    if target is not None and target == target:
        points.append(float(target))
    if not points:
        return [0.0, 1.0]
    low, high = min(points), max(points)
    pad = max((high - low) * 0.15, 0.002 if high < 0.1 else 0.01)
    if condition == "GREATER_THAN":
        return [max(0.0, low - pad), min(1.0, high + pad)]
    return [0.0, min(1.0, high + pad)]


def count_axis(fig: go.Figure, largest: float, title: str, axis: str = "y") -> None:
    """An axis of counts: whole numbers only (a tick at 0.2 orders means nothing), from zero."""
    options = {"title_text": title, "rangemode": "tozero", "tickformat": ",d"}
    if largest <= 6:
        options |= {"tick0": 0, "dtick": 1}
    (fig.update_yaxes if axis == "y" else fig.update_xaxes)(**options)


def band_badge(name: object) -> str:
    """CSS class of a band's badge (``band-healthy``, ``band-at-risk``, ``band-critical``, ``band-none``)."""
    if not isinstance(name, str) or not name:
        return "band-none"
    return "band-" + name.lower().replace(" ", "-")
