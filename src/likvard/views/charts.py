"""Plotly figures for the report and web pages, with suppression built in.

Every point carries its display text; a suppressed value (``..`` or resting on fewer than 10
students) is not plotted (its y is None) and is labelled ``..`` instead.

The figures are written as plain plotly JSON (traces and layout as dicts) and wrapped in a
``go.Figure`` once, without plotly's property validation (``_validate=False``), which made up most
of the report's time; the figure that comes back validates later changes as usual
(``update_layout`` etc.). ``tests/test_render_speed_equivalence.py`` checks every chart against
the same chart built with plotly's validated API (``make_subplots``, ``add_vline`` …).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from likvard.privacy import SUPPRESSED
from likvard.views.common import format_number
from likvard.views.suppression import chart_values

FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
WIDTH = 680
"""Figure width in px: the printable width of A4 with 15 mm margins at 96 dpi (180 mm)."""
ROW_PX = 13
"""Vertical space per school in per-school charts (markers at least 8 px apart)."""
COLOURS = ["#1f5f8b", "#d9822b", "#3a8d5c", "#8e44ad", "#c0392b", "#7f8c8d", "#b8860b", "#2c3e50"]


def _texts(values: Sequence, decimals: int) -> list[str]:
    return [SUPPRESSED if v is None else format_number(v, decimals) for v in values]


def _figure(data: list[dict], layout: dict) -> go.Figure:
    """``go.Figure`` of ready plotly JSON, built without validation; changes made to it afterwards
    (``update_layout`` by a section or the web app) are validated as with any figure."""
    fig = go.Figure(data=data, layout=layout, _validate=False)
    fig._validate = True
    fig._layout_obj._validate = True
    for trace in fig.data:
        trace._validate = True
    return fig


def _layout_dict(title: str, x_title: str = "", y_title: str = "", height: int = 420) -> dict:
    """The layout ``_layout`` gives a figure with one pair of axes, as a dict."""
    return {
        "title": {"text": title, "x": 0.0, "xanchor": "left"},
        "font": {"family": FONT, "size": 13},
        "xaxis": {"title": {"text": x_title}, "gridcolor": "#e5e5e5"},
        "yaxis": {"title": {"text": y_title}, "gridcolor": "#e5e5e5", "zerolinecolor": "#999"},
        "height": height,
        "width": WIDTH,
        "autosize": False,
        "margin": {"l": 60, "r": 20, "t": 60, "b": 80},
        "plot_bgcolor": "white",
        "separators": ", ",  # decimal comma, space between thousands
        "legend": {"orientation": "h", "y": -0.25},
    }


def _layout(fig: go.Figure, title: str, x_title: str = "", y_title: str = "", height: int = 420) -> go.Figure:
    """Apply the common layout to a figure built elsewhere (``views.evaluation``)."""
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"},
        font={"family": FONT, "size": 13},
        xaxis_title=x_title,
        yaxis_title=y_title,
        height=height,
        width=WIDTH,
        autosize=False,
        margin={"l": 60, "r": 20, "t": 60, "b": 80},
        plot_bgcolor="white",
        separators=", ",  # decimal comma, space between thousands
        legend={"orientation": "h", "y": -0.25},
    )
    fig.update_xaxes(gridcolor="#e5e5e5")
    fig.update_yaxes(gridcolor="#e5e5e5", zerolinecolor="#999")
    return fig


def _suppressed_annotations(xs: Sequence, ys: Sequence) -> list[dict]:
    return [{"x": x, "y": 0, "text": SUPPRESSED, "showarrow": False, "yanchor": "bottom", "font": {"size": 14}}
            for x, y in zip(xs, ys) if y is None]


def _mark_suppressed(fig: go.Figure, xs: Sequence, ys: Sequence) -> None:
    for annotation in _suppressed_annotations(xs, ys):
        fig.add_annotation(**annotation)


def _hline(y: float) -> dict:
    """The dashed reference line ``add_hline(y, line_dash="dash", line_color="#666")`` draws."""
    return {"type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": y, "y1": y, "yref": "y",
            "line": {"dash": "dash", "color": "#666"}}


def _vline(x: float) -> dict:
    return {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
            "line": {"dash": "dash", "color": "#666"}}


def bar_chart(
    labels: Sequence[str],
    values: Sequence,
    n: Sequence | None = None,
    title: str = "",
    y_title: str = "",
    decimals: int = 1,
    colour: str = COLOURS[0],
    horizontal: bool = False,
) -> go.Figure:
    """One bar per label; suppressed bars are left out and labelled ``..``. ``horizontal`` puts
    the (long) labels on the left, one bar per row."""
    ys = chart_values(values, n)
    labels = [str(v) for v in labels]
    if horizontal:  # the value goes into the label: text beside a negative bar would cover the label
        shown = [f"{lab} ({t})" for lab, t in zip(labels, _texts(ys, decimals))]
        layout = _layout_dict(title, y_title, "", height=max(220, 34 * len(labels) + 90))
        layout["yaxis"].update(autorange="reversed", automargin=True)
        layout["margin"] = {"l": 10, "r": 60, "t": 50, "b": 40}
        return _figure([{"type": "bar", "y": shown, "x": ys, "orientation": "h", "marker": {"color": colour},
                         "hovertemplate": "%{y}<extra></extra>"}], layout)
    layout = _layout_dict(title, "", y_title)
    notes = _suppressed_annotations(labels, ys)
    if notes:
        layout["annotations"] = notes
    return _figure([{"type": "bar", "x": labels, "y": ys, "text": _texts(ys, decimals), "textposition": "outside",
                     "marker": {"color": colour}, "hovertemplate": "%{x}: %{text}<extra></extra>"}], layout)


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
    data = [{
        "type": "scatter", "x": labels, "y": ys, "mode": "markers", "name": "Skattning", "text": _texts(ys, decimals),
        "marker": {"size": 9, "color": COLOURS[0]},
        "error_y": {"type": "data", "symmetric": False, "array": plus, "arrayminus": minus, "color": COLOURS[0]},
        "hovertemplate": "%{x}: %{text}<extra></extra>",
    }]
    if baseline is not None:
        bs = chart_values(baseline)
        data.append({"type": "scatter", "x": labels, "y": bs, "mode": "lines+markers", "name": baseline_name,
                     "text": _texts(bs, decimals + 2), "line": {"dash": "dot", "color": COLOURS[1]},
                     "hovertemplate": "%{x}: %{text}<extra></extra>"})
    layout = _layout_dict(title, "", y_title)
    if reference is not None:
        layout["shapes"] = [_hline(reference)]
    notes = _suppressed_annotations(labels, ys)
    if notes:
        layout["annotations"] = notes
    return _figure(data, layout)


def line_chart(
    series: Mapping[str, tuple[Sequence, Sequence, Sequence | None]],
    title: str = "",
    x_title: str = "",
    y_title: str = "",
    decimals: int = 1,
) -> go.Figure:
    """One line per name: ``series[name] = (x, values, n)``; suppressed points are gaps labelled ``..``."""
    data = []
    for i, (name, (xs, values, n)) in enumerate(series.items()):
        ys = chart_values(values, n)
        data.append({"type": "scatter", "x": [str(x) for x in xs], "y": ys, "mode": "lines+markers",
                     "name": str(name), "text": _texts(ys, decimals), "line": {"color": COLOURS[i % len(COLOURS)]},
                     "hovertemplate": f"{name} %{{x}}: %{{text}}<extra></extra>"})
    return _figure(data, _layout_dict(title, x_title, y_title, height=460))


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
    layout = _layout_dict(title, x_title, y_title)
    hidden = [str(lab) for lab, b in zip(labels, ys) if b is None]
    if hidden:
        layout["annotations"] = [{
            "xref": "paper", "yref": "paper", "x": 0, "y": -0.32, "showarrow": False, "align": "left",
            "text": "Visas inte (färre än 10 elever eller kompletterande skydd): "
                    + ", ".join(f"{h} {SUPPRESSED}" for h in hidden),
        }]
    return _figure([{"type": "scatter", "x": xs, "y": ys, "mode": "markers", "text": texts,
                     "customdata": [str(v) for v in labels], "marker": {"size": 10, "color": colours, "opacity": 0.8},
                     "hovertemplate": "%{text}<extra></extra>"}], layout)


def dot_chart(
    labels: Sequence[str],
    values: Sequence,
    n: Sequence | None = None,
    low: Sequence | None = None,
    high: Sequence | None = None,
    title: str = "",
    x_title: str = "",
    decimals: int = 1,
    reference: float | None = None,
    reference_name: str = "",
    highlight: Sequence[bool] | None = None,
    colour: str = COLOURS[0],
) -> go.Figure:
    """One row per school, sorted by value (largest at the top), readable for 200 schools: a dot
    (with its interval when ``low``/``high`` are given, else a lollipop stem from ``reference`` or
    0). Suppressed schools are listed at the bottom with ``..``, by name (so their place says
    nothing of their value); ``highlight`` marks schools in red.
    Rows are ``ROW_PX`` apart, so markers never overlap."""
    ys = chart_values(values, n)
    lo = chart_values(low, n) if low is not None else [None] * len(ys)
    hi = chart_values(high, n) if high is not None else [None] * len(ys)
    marks = list(highlight) if highlight is not None else [False] * len(ys)
    rows = sorted(range(len(ys)), key=lambda i: (ys[i] is None, -(ys[i] if ys[i] is not None else 0.0)))
    shown = [i for i in rows if ys[i] is not None]
    hidden = sorted((i for i in rows if ys[i] is None), key=lambda i: str(labels[i]).casefold())  # by name
    names = [str(labels[i]) for i in shown] + [f"{labels[i]} {SUPPRESSED}" for i in hidden]
    x = [ys[i] for i in shown]
    base = 0.0 if reference is None else float(reference)
    data: list[dict] = []
    if low is None:  # lollipop stems
        sx: list = []
        sy: list = []
        for name, v in zip(names, x):
            sx += [base, v, None]
            sy += [name, name, None]
        data.append({"type": "scatter", "x": sx, "y": sy, "mode": "lines", "line": {"color": "#b5c4d1", "width": 1.5},
                     "hoverinfo": "skip", "showlegend": False})
    dots = {"type": "scatter", "x": x, "y": names[: len(shown)], "mode": "markers", "name": "Skattning",
            "marker": {"size": 7, "color": [COLOURS[4] if marks[i] else colour for i in shown]},
            "text": [format_number(v, decimals) for v in x], "hovertemplate": "%{y}: %{text}<extra></extra>",
            "showlegend": False}
    if low is not None and high is not None:
        dots["error_x"] = {"type": "data", "symmetric": False, "color": "#8aa4bb", "thickness": 1.2, "width": 0,
                           "array": [None if hi[i] is None else hi[i] - ys[i] for i in shown],
                           "arrayminus": [None if lo[i] is None else ys[i] - lo[i] for i in shown]}
    data.append(dots)
    if hidden:  # keep the hidden schools' rows, with no value
        data.append({"type": "scatter", "x": [None] * len(hidden), "y": names[len(shown):], "mode": "markers",
                     "hoverinfo": "skip", "showlegend": False})
    layout = _layout_dict(title, x_title, "", height=max(260, ROW_PX * len(names) + 110))
    if reference is not None:
        layout["shapes"] = [_vline(reference)]
        layout["annotations"] = [{"text": reference_name, "showarrow": False, "x": reference, "xanchor": "center",
                                  "xref": "x", "y": 1, "yanchor": "bottom", "yref": "y domain"}]
    layout["yaxis"].update(autorange="reversed", categoryorder="array", categoryarray=names, tickfont={"size": 10},
                           automargin=True, gridcolor="#f0f0f0")
    layout["margin"] = {"l": 10, "r": 20, "t": 50, "b": 40}
    return _figure(data, layout)


def _subplot_grid(rows: int, cols: int, horizontal_spacing: float, vertical_spacing: float) -> list[tuple]:
    """(x domain, y domain) of every cell of a ``rows`` × ``cols`` grid, row by row from the top
    left, computed as ``plotly.subplots.make_subplots`` computes them (the same floats)."""
    widths = [(1.0 - horizontal_spacing * (cols - 1)) / cols] * cols
    heights = [(1.0 - vertical_spacing * (rows - 1)) / rows] * rows
    row_seq = range(rows)[::-1]  # start_cell="top-left": the first row is the top one
    grid = [[(sum(widths[:c]) + c * horizontal_spacing, sum(heights[:r]) + r * vertical_spacing)
             for c in range(cols)] for r in row_seq]

    def clamp(v: float) -> float:
        return 0.0 if -0.01 < v < 0.0 else 1.0 if 1.0 < v < 1.01 else v

    return [([grid[r][c][0], grid[r][c][0] + widths[c]], [clamp(grid[r][c][1]), clamp(grid[r][c][1] + heights[-1 - r])])
            for r in range(rows) for c in range(cols)]


def small_multiples(
    panels: Mapping[str, tuple[Sequence, Sequence]],
    reference: tuple[Sequence, Sequence] | None = None,
    reference_name: str = "",
    title: str = "",
    y_title: str = "",
    columns: int = 4,
    decimals: int = 1,
) -> go.Figure:
    """One small line chart per school (``panels[name] = (x, values)``, None where suppressed), on
    shared axes, each with the reference series (e.g. all schools) in grey.

    The layout is that of ``make_subplots(rows, columns, shared_xaxes=True, shared_yaxes=True,
    subplot_titles=…)``: cell k has axes ``x{k}``/``y{k}``, the x axes of a column match the bottom
    one and the y axes of a row the leftmost one, whose tick labels alone are shown."""
    names = list(panels)
    rows = max(1, -(-len(names) // columns))
    cells = _subplot_grid(rows, columns, 0.03, 0.5 / rows if rows > 1 else 0.1)
    layout = _layout_dict(title, "", y_title, height=120 + 125 * rows)
    x_axis = {"gridcolor": "#e5e5e5", "tickfont": {"size": 8}, "tickangle": 0, "nticks": 3}
    y_axis = {"gridcolor": "#e5e5e5", "zerolinecolor": "#999", "tickfont": {"size": 8}}
    for k, (x_domain, y_domain) in enumerate(cells, start=1):
        r, c = (k - 1) // columns, (k - 1) % columns
        suffix = str(k) if k > 1 else ""
        xa = {**layout.get(f"xaxis{suffix}", {}), "domain": x_domain, "anchor": f"y{suffix}", **x_axis}
        ya = {**layout.get(f"yaxis{suffix}", {}), "domain": y_domain, "anchor": f"x{suffix}", **y_axis}
        if r < rows - 1:  # shared x: match the bottom cell of the column
            xa.update(matches=f"x{(rows - 1) * columns + c + 1}", showticklabels=False)
        if c > 0:  # shared y: match the first cell of the row
            first = r * columns + 1
            ya.update(matches=f"y{first if first > 1 else ''}", showticklabels=False)
        layout[f"xaxis{suffix}"] = xa
        layout[f"yaxis{suffix}"] = ya
    titles = [n[:28] for n in names]
    layout["annotations"] = [
        {"y": y_domain[1], "xref": "paper", "x": sum(x_domain) / 2.0, "yref": "paper", "text": t, "showarrow": False,
         "font": {"size": 10}, "xanchor": "center", "yanchor": "bottom"}
        for t, (x_domain, y_domain) in zip(titles, cells) if t
    ]
    layout["legend"] = {"orientation": "h", "y": 1.02 + 0.1 / rows, "x": 1, "xanchor": "right"}
    layout["margin"] = {"l": 40, "r": 10, "t": 80, "b": 30}
    data = []
    ref = None if reference is None else ([str(v) for v in reference[0]], list(reference[1]))
    for k, name in enumerate(names):
        axes = {"xaxis": f"x{k + 1 if k else ''}", "yaxis": f"y{k + 1 if k else ''}"}
        xs, vals = panels[name]
        if ref is not None:
            data.append({"type": "scatter", "x": list(ref[0]), "y": list(ref[1]), "mode": "lines",
                         "line": {"color": "#bbbbbb", "width": 1.5}, "name": reference_name,
                         "showlegend": k == 0, "hoverinfo": "skip", **axes})
        ys = chart_values(vals)
        data.append({"type": "scatter", "x": [str(v) for v in xs], "y": ys, "mode": "lines+markers",
                     "line": {"color": COLOURS[0], "width": 2}, "marker": {"size": 4}, "name": "Skolan",
                     "showlegend": k == 0, "text": _texts(ys, decimals),
                     "hovertemplate": f"{name} %{{x}}: %{{text}}<extra></extra>", **axes})
    return _figure(data, layout)


HTML_CONFIG = {"displaylogo": False, "responsive": False, "staticPlot": False}


def figure_html(fig: go.Figure, div_id: str, css_class: str = "") -> str:
    """The figure as an HTML fragment; plotly.js is embedded once by the page, not here.

    The fragment ``Figure.to_html`` gives, written by ``plotly.io.to_html`` from the figure's own
    (already validated) data and layout: ``Figure.to_html`` first deep-copies both, which was
    most of its time. A figure with frames goes through ``Figure.to_html`` itself.
    """
    import plotly.io as pio

    if fig.frames:
        html = fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=HTML_CONFIG)
    else:
        html = pio.to_html({"data": fig._data, "layout": fig._layout}, validate=False, full_html=False,
                           include_plotlyjs=False, div_id=div_id, config=HTML_CONFIG)
    return f'<div class="figure {css_class}">{html}</div>' if css_class else html
