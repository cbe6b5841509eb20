"""Plotly figures for the report and web pages, with suppression built in.

Every point carries its display text; a suppressed value (``..`` or resting on fewer than 10
students) is not plotted (its y is None) and is labelled ``..`` instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from likvard.privacy import SUPPRESSED
from likvard.views.common import format_number
from likvard.views.suppression import chart_values

FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
COLOURS = ["#1f5f8b", "#d9822b", "#3a8d5c", "#8e44ad", "#c0392b", "#7f8c8d", "#b8860b", "#2c3e50"]


def _texts(values: Sequence, decimals: int) -> list[str]:
    return [SUPPRESSED if v is None else format_number(v, decimals) for v in values]


def _layout(fig: go.Figure, title: str, x_title: str = "", y_title: str = "", height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"},
        font={"family": FONT, "size": 13},
        xaxis_title=x_title,
        yaxis_title=y_title,
        height=height,
        margin={"l": 60, "r": 20, "t": 60, "b": 80},
        plot_bgcolor="white",
        separators=", ",  # decimal comma, space between thousands
        legend={"orientation": "h", "y": -0.25},
    )
    fig.update_xaxes(gridcolor="#e5e5e5")
    fig.update_yaxes(gridcolor="#e5e5e5", zerolinecolor="#999")
    return fig


def _mark_suppressed(fig: go.Figure, xs: Sequence, ys: Sequence) -> None:
    for x, y in zip(xs, ys):
        if y is None:
            fig.add_annotation(x=x, y=0, text=SUPPRESSED, showarrow=False, yanchor="bottom", font={"size": 14})


def bar_chart(
    labels: Sequence[str],
    values: Sequence,
    n: Sequence | None = None,
    title: str = "",
    y_title: str = "",
    decimals: int = 1,
    colour: str = COLOURS[0],
) -> go.Figure:
    """One bar per label; suppressed bars are left out and labelled ``..``."""
    ys = chart_values(values, n)
    labels = [str(v) for v in labels]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=ys,
            text=_texts(ys, decimals),
            textposition="outside",
            marker_color=colour,
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    _mark_suppressed(fig, labels, ys)
    return _layout(fig, title, "", y_title)


def interval_chart(
    labels: Sequence[str],
    values: Sequence,
    low: Sequence,
    high: Sequence,
    n: Sequence | None = None,
    title: str = "",
    y_title: str = "",
    decimals: int = 1,
    reference: float | None = None,
    baseline: Sequence | None = None,
    baseline_name: str = "Slumpnivå",
) -> go.Figure:
    """Estimates with 90 % intervals (error bars); optional horizontal reference line and baseline."""
    labels = [str(v) for v in labels]
    ys = chart_values(values, n)
    lo = chart_values(low, n)
    hi = chart_values(high, n)
    plus = [None if (y is None or h is None) else h - y for y, h in zip(ys, hi)]
    minus = [None if (y is None or lo_ is None) else y - lo_ for y, lo_ in zip(ys, lo)]
    fig = go.Figure(
        go.Scatter(
            x=labels,
            y=ys,
            mode="markers",
            name="Skattning",
            text=_texts(ys, decimals),
            marker={"size": 9, "color": COLOURS[0]},
            error_y={"type": "data", "symmetric": False, "array": plus, "arrayminus": minus, "color": COLOURS[0]},
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    if baseline is not None:
        bs = chart_values(baseline)
        fig.add_trace(
            go.Scatter(
                x=labels, y=bs, mode="lines+markers", name=baseline_name, text=_texts(bs, decimals + 2),
                line={"dash": "dot", "color": COLOURS[1]}, hovertemplate="%{x}: %{text}<extra></extra>",
            )
        )
    if reference is not None:
        fig.add_hline(y=reference, line_dash="dash", line_color="#666")
    _mark_suppressed(fig, labels, ys)
    return _layout(fig, title, "", y_title)


def line_chart(
    series: Mapping[str, tuple[Sequence, Sequence, Sequence | None]],
    title: str = "",
    x_title: str = "",
    y_title: str = "",
    decimals: int = 1,
) -> go.Figure:
    """One line per name: ``series[name] = (x, values, n)``; suppressed points are gaps labelled ``..``."""
    fig = go.Figure()
    for i, (name, (xs, values, n)) in enumerate(series.items()):
        ys = chart_values(values, n)
        fig.add_trace(
            go.Scatter(
                x=[str(x) for x in xs],
                y=ys,
                mode="lines+markers",
                name=str(name),
                text=_texts(ys, decimals),
                line={"color": COLOURS[i % len(COLOURS)]},
                hovertemplate=f"{name} %{{x}}: %{{text}}<extra></extra>",
            )
        )
    return _layout(fig, title, x_title, y_title, height=460)


def scatter_chart(
    x: Sequence,
    y: Sequence,
    labels: Sequence[str],
    n: Sequence | None = None,
    title: str = "",
    x_title: str = "",
    y_title: str = "",
    decimals: int = 1,
    highlight: Sequence[bool] | None = None,
) -> go.Figure:
    """One point per school; a school whose x or y is suppressed is not plotted and reads ``..``."""
    xs = chart_values(x, n)
    ys = chart_values(y, n)
    ys = [None if a is None else b for a, b in zip(xs, ys)]
    xs = [None if b is None else a for a, b in zip(xs, ys)]
    texts = [SUPPRESSED if b is None else f"{lab}: {format_number(b, decimals)}" for lab, b in zip(labels, ys)]
    colours = [COLOURS[4] if (highlight is not None and h) else COLOURS[0] for h in (highlight or [False] * len(xs))]
    fig = go.Figure(
        go.Scatter(
            x=xs, y=ys, mode="markers", text=texts, customdata=[str(v) for v in labels],
            marker={"size": 10, "color": colours, "opacity": 0.8},
            hovertemplate="%{text}<extra></extra>",
        )
    )
    hidden = [str(lab) for lab, b in zip(labels, ys) if b is None]
    if hidden:
        fig.add_annotation(
            xref="paper", yref="paper", x=0, y=-0.22, showarrow=False, align="left",
            text="Visas inte (färre än 10 elever eller kompletterande skydd): " + ", ".join(f"{h} {SUPPRESSED}" for h in hidden),
        )
    return _layout(fig, title, x_title, y_title)


def figure_html(fig: go.Figure, div_id: str) -> str:
    """The figure as an HTML fragment; plotly.js is embedded once by the page, not here."""
    return fig.to_html(
        full_html=False, include_plotlyjs=False, div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )
