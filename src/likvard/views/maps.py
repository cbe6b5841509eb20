"""Map of schools coloured by composition, in SWEREF99 TM (EPSG:3006) without any tile server.

Schools are points at their own (public) coordinates; area polygons (e.g. DeSO) are drawn as
outlines, filled by a value where one is given. Home locations are never drawn. A school whose
composition is hidden (fewer than 10 students, or hidden to protect another) is drawn grey and
labelled ``..``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from likvard.geo import to_sweref99tm
from likvard.privacy import SUPPRESSED
from likvard.views.charts import FONT
from likvard.views.common import format_number
from likvard.views.suppression import HIDDEN_LABEL, chart_values

__all__ = ["polygon_trace", "school_map", "simplify_rings", "to_sweref99tm"]


def polygon_trace(polygons: Sequence[np.ndarray], name: str = "DeSO-områden") -> go.Scatter:
    """All rings (arrays of shape (k, 2) in SWEREF99 TM) as one outline trace, separated by gaps."""
    xs: list = []
    ys: list = []
    for ring in polygons:
        ring = np.asarray(ring, dtype=float)
        xs.extend(ring[:, 0].round(0).tolist() + [None])
        ys.extend(ring[:, 1].round(0).tolist() + [None])
    return go.Scatter(
        x=xs, y=ys, mode="lines", fill="toself", fillcolor="rgba(200,200,200,0.15)",
        line={"color": "#9a9a9a", "width": 0.6}, name=name, hoverinfo="skip",
    )


def school_map(
    schools: pd.DataFrame,
    value_column: str,
    n_column: str = "n_students",
    title: str = "",
    colour_title: str = "",
    polygons: Sequence[np.ndarray] | None = None,
    decimals: int = 0,
) -> go.Figure:
    """Schools (columns ``name, x, y``, ``value_column``, ``n_column``) on SWEREF99 TM axes."""
    df = schools.dropna(subset=["x", "y"]).reset_index(drop=True)
    vals = chart_values(df[value_column].tolist(), df[n_column].tolist())
    shown = [v is not None for v in vals]
    fig = go.Figure()
    if polygons:
        fig.add_trace(polygon_trace(polygons))
    xs = df["x"].astype(float).tolist()
    ys = df["y"].astype(float).tolist()
    names = df["name"].astype(str).tolist()
    idx_shown = [i for i, s in enumerate(shown) if s]
    idx_hidden = [i for i, s in enumerate(shown) if not s]
    if idx_shown:
        fig.add_trace(
            go.Scatter(
                x=[xs[i] for i in idx_shown], y=[ys[i] for i in idx_shown], mode="markers",
                name="Skolor", customdata=[names[i] for i in idx_shown],
                text=[format_number(vals[i], decimals) for i in idx_shown],
                marker={
                    "size": 12, "color": [vals[i] for i in idx_shown], "colorscale": "RdYlBu",
                    "showscale": True, "colorbar": {"title": {"text": colour_title}},
                    "line": {"color": "#333", "width": 0.6},
                },
                hovertemplate="%{customdata}: %{text}<extra></extra>",
            )
        )
    if idx_hidden:
        fig.add_trace(
            go.Scatter(
                x=[xs[i] for i in idx_hidden], y=[ys[i] for i in idx_hidden], mode="markers+text",
                name=HIDDEN_LABEL, customdata=[names[i] for i in idx_hidden],
                text=[SUPPRESSED] * len(idx_hidden), textposition="top center",
                marker={"size": 10, "color": "#bbbbbb", "line": {"color": "#333", "width": 0.6}},
                hovertemplate="%{customdata}: ..<extra></extra>",
            )
        )
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"}, font={"family": FONT, "size": 13},
        height=560, plot_bgcolor="white", margin={"l": 20, "r": 20, "t": 60, "b": 20},
        legend={"orientation": "h", "y": -0.02}, separators=", ",
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    return fig


def simplify_rings(
    rings: Sequence[np.ndarray],
    clip_to: tuple[float, float, float, float] | None = None,
    tolerance: float = 40.0,
) -> list[np.ndarray]:
    """Rings (arrays (k, 2), SWEREF99 TM) simplified to ``tolerance`` metres (shapely) to keep the
    page small; ``clip_to`` = (xmin, ymin, xmax, ymax) keeps only rings whose bounding box meets it."""
    from shapely.geometry import Polygon

    out: list[np.ndarray] = []
    for ring in rings:
        ring = np.asarray(ring, dtype=float)
        if len(ring) < 4:
            continue
        if clip_to is not None:
            x0, y0 = ring.min(axis=0)
            x1, y1 = ring.max(axis=0)
            if x1 < clip_to[0] or x0 > clip_to[2] or y1 < clip_to[1] or y0 > clip_to[3]:
                continue
        poly = Polygon(ring).simplify(tolerance, preserve_topology=True)
        if not poly.is_empty:
            out.append(np.asarray(poly.exterior.coords))
    return out
