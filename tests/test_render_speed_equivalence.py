"""The report's fast figures and workbook are the same as before (issue 18).

``likvard.views.charts`` writes plotly JSON without validation and ``likvard.export.write_xlsx``
uses XlsxWriter. Here every chart is compared, whole (traces, layout, template), with the same
chart built as it was before through plotly's validated API (``go.Figure``, ``add_trace``,
``make_subplots``, ``add_vline``, ``update_layout`` …), and the workbook, read back with openpyxl,
with the one the openpyxl writer made before: sheets, cell values and types, number formats,
bold headers, column widths and frozen panes.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from likvard.export import _xlsx_cell, safe_text, sheet_name, write_xlsx
from likvard.privacy import SUPPRESSED
from likvard.views import charts
from likvard.views.charts import COLOURS, FONT, ROW_PX, WIDTH
from likvard.views.common import format_number
from likvard.views.suppression import chart_values, publish
from likvard.views.table import Table

# ---------------------------------------------------------------------------------------------
# The charts as they were built before, through plotly's validated API (the reference).


def _texts(values, decimals):
    return [SUPPRESSED if v is None else format_number(v, decimals) for v in values]


def _layout(fig, title, x_title="", y_title="", height=420):
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"}, font={"family": FONT, "size": 13},
        xaxis_title=x_title, yaxis_title=y_title, height=height, width=WIDTH, autosize=False,
        margin={"l": 60, "r": 20, "t": 60, "b": 80}, plot_bgcolor="white", separators=", ",
        legend={"orientation": "h", "y": -0.25},
    )
    fig.update_xaxes(gridcolor="#e5e5e5")
    fig.update_yaxes(gridcolor="#e5e5e5", zerolinecolor="#999")
    return fig


def _mark_suppressed(fig, xs, ys):
    for x, y in zip(xs, ys):
        if y is None:
            fig.add_annotation(x=x, y=0, text=SUPPRESSED, showarrow=False, yanchor="bottom", font={"size": 14})


def ref_bar_chart(labels, values, n=None, title="", y_title="", decimals=1, colour=COLOURS[0], horizontal=False):
    ys = chart_values(values, n)
    labels = [str(v) for v in labels]
    if horizontal:
        shown = [f"{lab} ({t})" for lab, t in zip(labels, _texts(ys, decimals))]
        fig = go.Figure(go.Bar(y=shown, x=ys, orientation="h", marker_color=colour,
                               hovertemplate="%{y}<extra></extra>"))
        _layout(fig, title, y_title, "", height=max(220, 34 * len(labels) + 90))
        fig.update_yaxes(autorange="reversed", automargin=True)
        fig.update_layout(margin={"l": 10, "r": 60, "t": 50, "b": 40})
        return fig
    fig = go.Figure(go.Bar(x=labels, y=ys, text=_texts(ys, decimals), textposition="outside", marker_color=colour,
                           hovertemplate="%{x}: %{text}<extra></extra>"))
    _mark_suppressed(fig, labels, ys)
    return _layout(fig, title, "", y_title)


def ref_interval_chart(labels, values, low, high, n=None, title="", y_title="", decimals=1, reference=None,
                       baseline=None, baseline_name="Slumpnivå"):
    labels = [str(v) for v in labels]
    ys = chart_values(values, n)
    lo = chart_values(low, n)
    hi = chart_values(high, n)
    plus = [None if (y is None or h is None) else h - y for y, h in zip(ys, hi)]
    minus = [None if (y is None or lo_ is None) else y - lo_ for y, lo_ in zip(ys, lo)]
    fig = go.Figure(go.Scatter(
        x=labels, y=ys, mode="markers", name="Skattning", text=_texts(ys, decimals),
        marker={"size": 9, "color": COLOURS[0]},
        error_y={"type": "data", "symmetric": False, "array": plus, "arrayminus": minus, "color": COLOURS[0]},
        hovertemplate="%{x}: %{text}<extra></extra>"))
    if baseline is not None:
        bs = chart_values(baseline)
        fig.add_trace(go.Scatter(x=labels, y=bs, mode="lines+markers", name=baseline_name,
                                 text=_texts(bs, decimals + 2), line={"dash": "dot", "color": COLOURS[1]},
                                 hovertemplate="%{x}: %{text}<extra></extra>"))
    if reference is not None:
        fig.add_hline(y=reference, line_dash="dash", line_color="#666")
    _mark_suppressed(fig, labels, ys)
    return _layout(fig, title, "", y_title)


def ref_line_chart(series, title="", x_title="", y_title="", decimals=1):
    fig = go.Figure()
    for i, (name, (xs, values, n)) in enumerate(series.items()):
        ys = chart_values(values, n)
        fig.add_trace(go.Scatter(x=[str(x) for x in xs], y=ys, mode="lines+markers", name=str(name),
                                 text=_texts(ys, decimals), line={"color": COLOURS[i % len(COLOURS)]},
                                 hovertemplate=f"{name} %{{x}}: %{{text}}<extra></extra>"))
    return _layout(fig, title, x_title, y_title, height=460)


def ref_scatter_chart(x, y, labels, n=None, title="", x_title="", y_title="", decimals=1, highlight=None):
    xs = chart_values(x, n)
    ys = chart_values(y, n)
    ys = [None if a is None else b for a, b in zip(xs, ys)]
    xs = [None if b is None else a for a, b in zip(xs, ys)]
    texts = [SUPPRESSED if b is None else f"{lab}: {format_number(b, decimals)}" for lab, b in zip(labels, ys)]
    colours = [COLOURS[4] if (highlight is not None and h) else COLOURS[0] for h in (highlight or [False] * len(xs))]
    fig = go.Figure(go.Scatter(x=xs, y=ys, mode="markers", text=texts, customdata=[str(v) for v in labels],
                               marker={"size": 10, "color": colours, "opacity": 0.8},
                               hovertemplate="%{text}<extra></extra>"))
    hidden = [str(lab) for lab, b in zip(labels, ys) if b is None]
    if hidden:
        fig.add_annotation(xref="paper", yref="paper", x=0, y=-0.32, showarrow=False, align="left",
                           text="Visas inte (färre än 10 elever eller kompletterande skydd): "
                                + ", ".join(f"{h} {SUPPRESSED}" for h in hidden))
    return _layout(fig, title, x_title, y_title)


def ref_dot_chart(labels, values, n=None, low=None, high=None, title="", x_title="", decimals=1, reference=None,
                  reference_name="", highlight=None, colour=COLOURS[0]):
    ys = chart_values(values, n)
    lo = chart_values(low, n) if low is not None else [None] * len(ys)
    hi = chart_values(high, n) if high is not None else [None] * len(ys)
    marks = list(highlight) if highlight is not None else [False] * len(ys)
    rows = sorted(range(len(ys)), key=lambda i: (ys[i] is None, -(ys[i] if ys[i] is not None else 0.0)))
    shown = [i for i in rows if ys[i] is not None]
    hidden = sorted((i for i in rows if ys[i] is None), key=lambda i: str(labels[i]).casefold())
    names = [str(labels[i]) for i in shown] + [f"{labels[i]} {SUPPRESSED}" for i in hidden]
    x = [ys[i] for i in shown]
    base = 0.0 if reference is None else float(reference)
    fig = go.Figure()
    if low is None:
        sx, sy = [], []
        for name, v in zip(names, x):
            sx += [base, v, None]
            sy += [name, name, None]
        fig.add_trace(go.Scatter(x=sx, y=sy, mode="lines", line={"color": "#b5c4d1", "width": 1.5},
                                 hoverinfo="skip", showlegend=False))
    err = None
    if low is not None and high is not None:
        err = {"type": "data", "symmetric": False, "color": "#8aa4bb", "thickness": 1.2, "width": 0,
               "array": [None if hi[i] is None else hi[i] - ys[i] for i in shown],
               "arrayminus": [None if lo[i] is None else ys[i] - lo[i] for i in shown]}
    fig.add_trace(go.Scatter(
        x=x, y=names[: len(shown)], mode="markers", name="Skattning", error_x=err,
        marker={"size": 7, "color": [COLOURS[4] if marks[i] else colour for i in shown]},
        text=[format_number(v, decimals) for v in x], hovertemplate="%{y}: %{text}<extra></extra>", showlegend=False))
    if hidden:
        fig.add_trace(go.Scatter(x=[None] * len(hidden), y=names[len(shown):], mode="markers", hoverinfo="skip",
                                 showlegend=False))
    if reference is not None:
        fig.add_vline(x=reference, line_dash="dash", line_color="#666", annotation_text=reference_name,
                      annotation_position="top")
    _layout(fig, title, x_title, "", height=max(260, ROW_PX * len(names) + 110))
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=names, tickfont={"size": 10},
                     automargin=True, gridcolor="#f0f0f0")
    fig.update_layout(margin={"l": 10, "r": 20, "t": 50, "b": 40})
    return fig


def ref_small_multiples(panels, reference=None, reference_name="", title="", y_title="", columns=4, decimals=1):
    from plotly.subplots import make_subplots

    names = list(panels)
    rows = max(1, -(-len(names) // columns))
    fig = make_subplots(rows=rows, cols=columns, shared_xaxes=True, shared_yaxes=True,
                        subplot_titles=[n[:28] for n in names], vertical_spacing=0.5 / rows if rows > 1 else 0.1,
                        horizontal_spacing=0.03)
    for k, name in enumerate(names):
        r, c = k // columns + 1, k % columns + 1
        xs, vals = panels[name]
        if reference is not None:
            fig.add_trace(go.Scatter(x=[str(v) for v in reference[0]], y=list(reference[1]), mode="lines",
                                     line={"color": "#bbbbbb", "width": 1.5}, name=reference_name,
                                     showlegend=k == 0, hoverinfo="skip"), row=r, col=c)
        fig.add_trace(go.Scatter(x=[str(v) for v in xs], y=chart_values(vals), mode="lines+markers",
                                 line={"color": COLOURS[0], "width": 2}, marker={"size": 4}, name="Skolan",
                                 showlegend=k == 0, text=_texts(chart_values(vals), decimals),
                                 hovertemplate=f"{name} %{{x}}: %{{text}}<extra></extra>"), row=r, col=c)
    _layout(fig, title, "", "", height=120 + 125 * rows)
    fig.update_annotations(font={"size": 10})
    fig.update_xaxes(tickfont={"size": 8}, tickangle=0, nticks=3)
    fig.update_yaxes(tickfont={"size": 8})
    fig.update_layout(legend={"orientation": "h", "y": 1.02 + 0.1 / rows, "x": 1, "xanchor": "right"},
                      margin={"l": 40, "r": 10, "t": 80, "b": 30}, yaxis_title=y_title)
    return fig


# ---------------------------------------------------------------------------------------------
# Figures: the fast charts against the reference, whole.


def _json(fig: go.Figure) -> str:
    """The figure as plotly.js gets it; sorted keys, so only content counts (and 1 ≠ 1.0 ≠ true)."""
    return json.dumps(json.loads(pio.to_json(fig, validate=False, engine="json")), sort_keys=True)


rng = np.random.default_rng(18)
SCHOOLS = [f"Skola {chr(65 + i)}" for i in range(12)] + ["Åsa skola", "Ekbackens skola med ett mycket långt namn"]
VALUES = [float(v) for v in rng.normal(60, 15, len(SCHOOLS))]
N = [int(v) for v in rng.integers(5, 300, len(SCHOOLS))]  # some below 10: suppressed
VALUES[3] = SUPPRESSED
YEARS = [2019, 2020, 2021, 2022, 2023, 2024]

CASES = {
    "bar": lambda m: m.bar_chart(SCHOOLS[:6], VALUES[:6], N[:6], title="Staplar", y_title="Procent"),
    "bar_no_n": lambda m: m.bar_chart(["a", "b", "c"], [0.1, -0.2, 0.3], title="T", decimals=3, colour="#3a8d5c"),
    "bar_horizontal": lambda m: m.bar_chart(["Sammansättning", "Storlek", "Nya", "Nedlagda"],
                                            [0.0127, -0.0002, SUPPRESSED, 0.004], title="Varför",
                                            y_title="Förändring av M", decimals=4, horizontal=True),
    "interval": lambda m: m.interval_chart(YEARS, [0.06, 0.065, 0.07, SUPPRESSED, 0.071, 0.08],
                                           [0.05, 0.06, 0.06, 0.06, 0.06, 0.07], [0.07, 0.07, 0.08, 0.08, 0.08, 0.09],
                                           n=[100, 100, 8, 100, 100, 100], title="H", y_title="H", decimals=3,
                                           reference=0.05, baseline=[0.002] * 6),
    "interval_plain": lambda m: m.interval_chart(["x", "y"], [0.2, 0.5], [0.1, 0.45], [0.3, 0.6]),
    "line": lambda m: m.line_chart({"Kommunen": (YEARS, [0.1, 0.11, SUPPRESSED, 0.12, 0.13, 0.12], None),
                                    "Riket": (YEARS, [0.2] * 6, [5, 50, 50, 50, 50, 50]),
                                    "Liknande": (YEARS, [0.15, 0.14, 0.13, 0.16, 0.17, 0.18], None)},
                                   title="Linjer", x_title="Läsår", y_title="H", decimals=3),
    "scatter": lambda m: m.scatter_chart(VALUES, VALUES[::-1], SCHOOLS, N, title="Punkter", x_title="Behov",
                                         y_title="Andel", highlight=[i % 3 == 0 for i in range(len(SCHOOLS))]),
    "scatter_all_shown": lambda m: m.scatter_chart([1.0, 2.0], [3.0, 4.0], ["A", "B"]),
    "dot_lollipop": lambda m: m.dot_chart(SCHOOLS, VALUES, N, title="Andel", x_title="Procent", decimals=0,
                                          reference=58.9, reference_name="alla skolor",
                                          highlight=[i % 4 == 0 for i in range(len(SCHOOLS))]),
    "dot_intervals": lambda m: m.dot_chart(SCHOOLS, VALUES, N, low=[v - 5 if isinstance(v, float) else v
                                                                     for v in VALUES],
                                           high=[v + 7 if isinstance(v, float) else v for v in VALUES],
                                           title="Effekt", x_title="Meritpoäng", reference=0.0,
                                           reference_name="som förväntat", colour="#d9822b"),
    "dot_no_reference": lambda m: m.dot_chart(SCHOOLS[:5], VALUES[:5], title="Bidrag", colour="#8e44ad"),
    "dot_all_hidden": lambda m: m.dot_chart(["A", "B"], [SUPPRESSED, 3.0], [100, 4], reference=1.0),
    "small_multiples": lambda m: m.small_multiples(
        {name: (YEARS, [VALUES[k] if isinstance(VALUES[k], float) else None, None, 200.0 + k, 201.5, 199.0, 210.0])
         for k, name in enumerate(SCHOOLS[:9])},
        reference=(YEARS, [205.0, 206.0, 204.5, 207.0, 208.0, 209.0]), reference_name="Alla skolor",
        title="Meritvärde", columns=4),
    "small_multiples_40": lambda m: m.small_multiples(
        {f"Skola {k:02d} med ett långt namn som kortas": (YEARS, [float(k + i) for i in range(6)]) for k in range(40)},
        reference=(YEARS, [20.0] * 6), reference_name="Alla skolor", title="Behöriga", y_title="%", columns=6),
    "small_multiples_one_row": lambda m: m.small_multiples({"A": (YEARS, [1.0] * 6), "": (YEARS, [2.0] * 6),
                                                            "C": (YEARS, [3.0] * 6)}, columns=3, decimals=0),
    "small_multiples_single": lambda m: m.small_multiples({"Ensam": ([2024], [5.0])}),
}


class _Reference:
    bar_chart = staticmethod(ref_bar_chart)
    interval_chart = staticmethod(ref_interval_chart)
    line_chart = staticmethod(ref_line_chart)
    scatter_chart = staticmethod(ref_scatter_chart)
    dot_chart = staticmethod(ref_dot_chart)
    small_multiples = staticmethod(ref_small_multiples)


@pytest.mark.parametrize("case", sorted(CASES))
def test_chart_is_the_chart_plotly_builds_with_validation(case):
    fast, reference = CASES[case](charts), CASES[case](_Reference)
    assert isinstance(fast, go.Figure)
    assert _json(fast) == _json(reference)
    assert len(fast.data) == len(reference.data) > 0


@pytest.mark.parametrize("case", sorted(CASES))
def test_figure_html_is_plotlys_fragment(case):
    """figure_html writes the fragment Figure.to_html writes, also after later changes."""
    fig = CASES[case](charts)

    def plotly_fragment() -> str:
        return fig.to_html(full_html=False, include_plotlyjs=False, div_id="d", config=charts.HTML_CONFIG)

    assert charts.figure_html(fig, "d") == plotly_fragment()
    fig.update_layout(width=None, autosize=True, height=300, title={"text": "Ändrad"})
    fig.update_traces(opacity=0.8)
    assert charts.figure_html(fig, "d") == plotly_fragment()
    assert charts.figure_html(fig, "d", "bred") == f'<div class="figure bred">{plotly_fragment()}</div>'


def test_small_multiples_axes_follow_make_subplots():
    """Shared axes: every x axis of a column matches the bottom one, every y axis of a row the first."""
    fig = CASES["small_multiples"](charts)
    layout = fig.layout
    assert layout.xaxis.matches == "x9" and layout.xaxis9.matches is None and layout.xaxis12.matches is None
    assert layout.yaxis2.matches == "y" and layout.yaxis6.matches == "y5" and layout.yaxis5.matches is None
    assert layout.xaxis.showticklabels is False and layout.yaxis4.showticklabels is False
    assert [a.text for a in layout.annotations][:2] == ["Skola A", "Skola B"]
    assert fig.data[2].xaxis == "x2" and fig.data[2].yaxis == "y2"


def test_fast_figure_validates_later_changes_as_before():
    """Sections, the web app and the national report change figures after they are built."""
    fast, reference = CASES["dot_intervals"](charts), CASES["dot_intervals"](_Reference)
    for fig in (fast, reference):
        fig.update_layout(width=None, autosize=True, height=300, margin={"b": 50})
        fig.update_yaxes(tickfont={"size": 9})
    assert "width" not in json.loads(_json(fast))["layout"]
    assert _json(fast) == _json(reference)
    with pytest.raises(ValueError):
        fast.update_layout(no_such_property=1)
    with pytest.raises(ValueError):
        fast.data[0].update(marker={"size": "large"})
    assert fast.layout.title.text == "Effekt" and fast.data[0].name == "Skattning"


# ---------------------------------------------------------------------------------------------
# The workbook: XlsxWriter against the openpyxl writer it replaced.


def _reference_xlsx(tables, path, title=""):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    def text_cells(row):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"

    wb = Workbook()
    index = wb.active
    index.title = "Innehåll"
    index.append([title or "Likvärd"])
    index["A1"].font = Font(bold=True, size=14)
    index.append([])
    index.append(["Flik", "Tabell", "Not"])
    for c in index[3]:
        c.font = Font(bold=True)
    used = {"innehåll"}
    for table in tables:
        name = sheet_name(table.key, used)
        index.append([name, safe_text(table.title), safe_text(table.note)])
        ws = wb.create_sheet(name)
        columns = list(table.data.columns)
        ws.append([safe_text(table.header(c)) for c in columns])
        for c in ws[1]:
            c.font = Font(bold=True)
        for row in table.data.itertuples(index=False):
            ws.append([_xlsx_cell(v, c) for v, c in zip(row, columns)])
        for row in ws.iter_rows():
            text_cells(row)
        for j, col in enumerate(columns, start=1):
            d = table.decimals_of(col)
            fmt = "0" if d == 0 else "0." + "0" * d
            letter = get_column_letter(j)
            for cell in ws[letter][1:]:
                if isinstance(cell.value, float):
                    cell.number_format = fmt
            ws.column_dimensions[letter].width = min(45, max(10, len(table.header(col)) + 2))
        ws.freeze_panes = "A2"
    index.append([])
    index.append([f"Uppgifter som bygger på färre än 10 elever, eller som skulle kunna räknas fram ur andra "
                  f"uppgifter, visas som {SUPPRESSED} (se docs/sekretess.md)."])
    index["A1"].value = safe_text(str(index["A1"].value))
    for row in index.iter_rows():
        text_cells(row)
    wb.save(path)


def _read_back(path) -> dict:
    """What a user of the workbook sees, as openpyxl reads it."""
    wb = load_workbook(path)
    out: dict = {"sheets": wb.sheetnames}
    for ws in wb.worksheets:
        cells = [(c.coordinate, c.value, type(c.value).__name__, c.data_type, c.number_format, bool(c.font.b),
                  c.font.sz or 11.0)  # no size given is the default font's 11
                 for row in ws.iter_rows() for c in row if c.value is not None or c.font.b]
        widths = {}
        for dim in ws.column_dimensions.values():  # a range of columns of the same width counts per column
            if dim.width:
                for i in range(dim.min, dim.max + 1):
                    widths[get_column_letter(i)] = dim.width
        out[ws.title] = {"cells": cells, "widths": widths, "freeze": ws.freeze_panes, "size": ws.dimensions}
    return out


def _line_breaks(book: dict) -> dict:
    """The one intended difference: a carriage return in a text is written as a line break (LF),
    as an XML reader reads a bare one (XlsxWriter would write Excel's ``_x000D_``, which openpyxl
    and pandas do not decode)."""
    for sheet in book["sheets"]:
        book[sheet]["cells"] = [(c[0], c[1].replace("\r\n", "\n").replace("\r", "\n"), *c[2:])
                                if isinstance(c[1], str) else c for c in book[sheet]["cells"]]
    return book


def _tables() -> list[Table]:
    people = pd.DataFrame({
        "school_id": ["00012345", "10000002", "10000003", "10000004", "10000005"],
        "name": ["=HYPERLINK(\"x\")", "#N/A", "", "rad\r\nbrytning", "Åkerby skola"],
        "school_year": [2024, 2024, 2023, 2022, 2009],
        "n_students": [312, SUPPRESSED, 41, 12, 1000],
        "share_post_secondary": [54.26, SUPPRESSED, -0.04, 100.0, 2.0],
        "theil_h": [0.123456, 0.5, float("nan"), 1.0, -0.25],
        "whole": [1.4, 2.6, float("nan"), 3.0, 7.0],
        "eligible": [True, False, True, False, True],
        "a_column_whose_swedish_header_is_very_long_indeed": [1, 2, 3, 4, 5],
    })
    labels = {"theil_h": "Theils H", "whole": "Hela", "a_column_whose_swedish_header_is_very_long_indeed":
              "En kolumn vars rubrik är mycket lång, längre än fyrtiofem tecken"}
    long_key = "en_tabell_med_en_mycket_lang_nyckel_over_31_tecken"
    return [
        publish(Table("prov", "=Provtabell", people, decimals={"theil_h": 3, "whole": 0}, labels=labels,
                      note="@not")),
        publish(Table(long_key, "Lång", pd.DataFrame({"value": [0.5, 1.25]}), decimals={"value": 2})),
        publish(Table(long_key + "_2", "Lång igen", pd.DataFrame({"value": [3.0]}))),
        publish(Table("tom", "Tom tabell", pd.DataFrame({"school_year": pd.Series([], dtype=int), "name": []}))),
        publish(Table("'citat'", "Citat", pd.DataFrame({"name": ["a"]}))),
    ]


def test_workbook_reads_back_as_the_openpyxl_workbook(tmp_path):
    tables = _tables()
    fast = write_xlsx(tables, tmp_path / "ny.xlsx", title="=Titel")
    _reference_xlsx(tables, tmp_path / "tidigare.xlsx", title="=Titel")
    new, old = _read_back(fast), _read_back(tmp_path / "tidigare.xlsx")
    assert new != old  # the carriage return
    assert new == _line_breaks(old)
    # and what it holds, checked directly
    assert new["sheets"] == ["Innehåll", "prov", "en_tabell_med_en_mycket_lang_ny", "en_tabell_med_en_mycket_lang__2",
                             "tom", "citat"]  # Excel allows no ' first or last
    cells = {c[0]: c for c in new["prov"]["cells"]}
    assert cells["B2"][1:4] == ("'=HYPERLINK(\"x\")", "str", "s") and cells["B3"][1:4] == ("#N/A", "str", "s")
    assert cells["A2"][1] == "00012345" and cells["C2"][1] == "2024/25"
    assert cells["E2"][1:5] == (54.3, "float", "n", "0.0") and cells["D3"][1] == SUPPRESSED
    assert cells["F2"][1:5] == (0.123, "float", "n", "0.000") and "F4" not in cells  # NaN: empty
    assert cells["H2"][1:4] == (True, "bool", "b") and cells["D2"][1:5] == (312, "int", "n", "General")
    assert "B4" not in cells and cells["A1"][5] is True  # empty text: empty cell; bold header
    assert cells["B5"][1] == "rad\nbrytning"
    assert new["prov"]["widths"]["I"] == 45 and new["prov"]["widths"]["A"] == 15
    assert new["prov"]["freeze"] == "A2" and new["tom"]["freeze"] == "A2"
    assert not any(c[3] == "f" for sheet in new["sheets"] for c in new[sheet]["cells"])
    index = {c[0]: c for c in new["Innehåll"]["cells"]}
    assert index["A1"][1] == "'=Titel" and index["A1"][5:] == (True, 14.0) and index["C4"][1] == "'@not"


def test_numbers_keep_their_precision_in_the_workbook(tmp_path):
    """Both writers store 16 significant digits: what openpyxl reads back is the same float."""
    values = [math.pi * 10 ** k for k in range(-6, 7)] + [0.1 + 0.2, 1e-300, -2.5e15]
    t = publish(Table("tal", "Tal", pd.DataFrame({"share": values}), decimals={"share": 20}))
    write_xlsx([t], tmp_path / "ny.xlsx")
    _reference_xlsx([t], tmp_path / "tidigare.xlsx")
    assert _read_back(tmp_path / "ny.xlsx") == _read_back(tmp_path / "tidigare.xlsx")
