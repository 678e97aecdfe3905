"""The largest contributors to defects: which SKUs, ASINs and fulfillment channels the defects come from."""

from __future__ import annotations

import plotly.graph_objects as go

from orchestration.report import charts
from orchestration.report.data import TOP_CONTRIBUTORS, ReportData
from orchestration.report.labels import channel_label, day, integer, words
from orchestration.report.layout import Section, esc

#: Defect types of fct_defect_attribution, in a fixed colour each across the three charts.
DEFECT_TYPE_COLORS = {
    "negative_feedback": "#d62728",
    "a_to_z_claim": "#9467bd",
    "cancellation": "#ff7f0e",
    "return": "#7f7f7f",
}
#: (dimension in the data, axis title, chart title)
DIMENSIONS = (
    ("SKU", "Seller SKU", f"Defects by seller SKU (top {TOP_CONTRIBUTORS})"),
    ("ASIN", "ASIN", f"Defects by ASIN (top {TOP_CONTRIBUTORS})"),
    ("Fulfillment channel", "Fulfillment channel", "Defects by fulfillment channel"),
)


def render(data: ReportData) -> Section:
    title = "Largest contributors to defects"
    contributors = data.contributors
    if contributors.empty:
        return Section(
            "contributors", title, "", "<p class='empty'>No defect linked to an order in the loaded data.</p>"
        )
    types = [t for t in DEFECT_TYPE_COLORS if t in set(contributors["defect_type"])]
    types += sorted(set(contributors["defect_type"]) - set(types))
    divs = []
    for dimension, axis, heading in DIMENSIONS:
        one = contributors[contributors["dimension"] == dimension]
        if one.empty:
            continue
        order = one.drop_duplicates("item").sort_values("item_rank")["item"].tolist()
        labels = (
            {i: channel_label(None if i == "(unknown)" else i) for i in order}
            if dimension == "Fulfillment channel"
            else {i: i for i in order}
        )
        fig = charts.figure(heading, height=max(260, 34 * len(order) + 150))
        for defect_type in types:
            part = one[one["defect_type"] == defect_type]
            if part.empty:
                continue
            fig.add_trace(
                go.Bar(
                    y=[labels[i] for i in part["item"]],
                    x=[int(v) for v in part["defects_count"]],
                    orientation="h",
                    name=words(defect_type),
                    legendgroup=defect_type,
                    showlegend=dimension == DIMENSIONS[0][0],
                    marker={"color": DEFECT_TYPE_COLORS.get(defect_type, charts.NEUTRAL)},
                    hovertemplate="%{y}: %{x} " + words(defect_type).lower() + "<extra></extra>",
                )
            )
        fig.update_layout(barmode="stack", bargap=0.25, margin={"l": 10}, showlegend=dimension == DIMENSIONS[0][0])
        fig.update_yaxes(
            title_text=axis, categoryorder="array", categoryarray=[labels[i] for i in order], autorange="reversed"
        )
        charts.count_axis(fig, float(one.groupby("item")["defects_count"].sum().max()), "Defects (count)", axis="x")
        divs.append(charts.to_div(fig, "chart-contributors-" + dimension.split()[0].lower()))
    dates = data.defect_dates
    span = ""
    if not dates.empty:
        d = dates.iloc[0]
        span = (
            f"{integer(d.defects_count)} defects dated {esc(day(d.first_defect_date))} to "
            f"{esc(day(d.last_defect_date))} (all loaded data)"
        )
        if d.defects_without_sku_count:
            span += (
                f"; {integer(d.defects_without_sku_count)} of them belong to orders that are not loaded (older than "
                "the loaded days), so they have no SKU or ASIN and appear only as an unknown channel"
            )
        span += ". "
    lead = (
        span + "Each defect (cancellation, 1-2 star feedback, A-to-z claim, return) is linked to its order's items; "
        "a defect of an order with several items counts for each SKU and ASIN it touches. Returns do not count in the "
        "order defect rate but point at the same products."
    )
    return Section("contributors", title, lead, "<div class='charts'>" + "".join(divs) + "</div>")
