"""The chart of an evaluation: treated schools against their comparison over time, the start of
the intervention marked and the placebo band shaded.

Every figure passes the suppression rules: a treated school year resting on fewer than 10
students is not drawn (the engine has already left it out of the estimate) and reads ``..``.
"""

from __future__ import annotations

import plotly.graph_objects as go

from likvard.evaluation.result import EvaluationResult
from likvard.views.charts import COLOURS, _layout, _mark_suppressed, _texts
from likvard.views.common import school_year_label
from likvard.views.suppression import chart_values

DESIGN_NAMES = {
    "sc": "syntetisk kontroll",
    "sdid": "syntetisk differens-i-differenser",
    "did": "differens-i-differenser (olika startår)",
    "cits": "jämförande avbrutna tidsserier",
    "before_after": "före och efter (beskrivande)",
}


def evaluation_chart(result: EvaluationResult, title: str | None = None, y_title: str = "") -> go.Figure:
    """Treated mean and counterfactual per school year (or year relative to the start), with the
    placebo band around the counterfactual and a line at the start."""
    path = result.path
    by_event = bool(path) and path[0].get("school_year") is None
    xs = [f"{row['event_time']:+d}" if by_event else school_year_label(row["school_year"]) for row in path]
    n = [row.get("n_students") for row in path]
    n_known = any(v is not None for v in n)
    treated = chart_values([row["treated"] for row in path], n if n_known else None)
    counter = chart_values([row["counterfactual"] for row in path])
    low = chart_values([row.get("band_low") for row in path])
    high = chart_values([row.get("band_high") for row in path])
    fig = go.Figure()
    if any(v is not None for v in low):
        fig.add_trace(go.Scatter(x=xs, y=high, mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=xs, y=low, mode="lines", line={"width": 0}, fill="tonexty",
                                 fillcolor="rgba(127,140,141,0.25)", name="Placebointervall", hoverinfo="skip"))
    cf_name = "Syntetisk jämförelse" if result.design in ("sc", "sdid") else "Jämförelse"
    if result.design == "before_after":
        cf_name = "Nivå före start"
    fig.add_trace(go.Scatter(x=xs, y=counter, mode="lines+markers", name=cf_name, text=_texts(counter, 1),
                             line={"color": COLOURS[1], "dash": "dash"}, hovertemplate="%{x}: %{text}<extra></extra>"))
    fig.add_trace(go.Scatter(x=xs, y=treated, mode="lines+markers", name="Skolor med insatsen", text=_texts(treated, 1),
                             line={"color": COLOURS[0]}, hovertemplate="%{x}: %{text}<extra></extra>"))
    _mark_suppressed(fig, xs, treated)
    start = "+0" if by_event else school_year_label(min(result.treated.values()))
    if start in xs:
        fig.add_vline(x=xs.index(start) - 0.5, line_dash="dot", line_color="#444")
        fig.add_annotation(x=start, yref="paper", y=1.02, text="Insatsen startar", showarrow=False)
    heading = title or f"Utvärdering: {DESIGN_NAMES.get(result.design, result.design)} – {result.verdict}"
    return _layout(fig, heading, "Läsår relativt start" if by_event else "Läsår", y_title)
