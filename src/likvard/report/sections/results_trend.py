"""Per-school trends of merit value and eligibility (small multiples, the municipality in grey)."""

from __future__ import annotations

import pandas as pd

from likvard.analyses.overview import Overview
from likvard.report.glossary import explain
from likvard.report.model import Figure, Section
from likvard.views.charts import small_multiples
from likvard.views.common import school_year_label
from likvard.views.expected import trend_table

MAX_PANELS = 40
"""More schools than this: the panels show the largest schools; every school is in the Excel file."""


def build(ov: Overview) -> Section | None:
    trend = ov.trend
    if trend is None or trend.empty:
        return None
    t = trend_table(trend, ov.dataset, ov.settings)
    d = t.data
    years = sorted(int(y) for y in d["school_year"].unique())
    if len(years) < 2:
        return None
    n = pd.to_numeric(trend["n_students"], errors="coerce")
    w = trend.assign(w=n.fillna(1.0))
    mean = w.groupby("school_year").apply(lambda g: (g["merit_value"] * g["w"]).sum() / g.loc[g["merit_value"].notna(), "w"].sum(),
                                          include_groups=False)
    shown = d[d["merit_value"].astype(str) != ".."]
    size = shown.groupby("name")["n_students"].apply(lambda s: pd.to_numeric(s, errors="coerce").mean()).fillna(0)
    names = size.sort_values(ascending=False).index[:MAX_PANELS]
    panels = {}
    for name in sorted(names):
        g = d[d["name"] == name].set_index("school_year").reindex(years)
        panels[str(name)] = ([school_year_label(y) for y in years], [v if not isinstance(v, str) else None
                                                                    for v in g["merit_value"]])
    fig = small_multiples(panels, reference=([school_year_label(y) for y in mean.index], mean.tolist()),
                          reference_name="Alla skolor", title="Meritvärde i årskurs 9 per skola och läsår",
                          columns=5)
    intro = [
        explain("merit_value") + " " + explain("eligible"),
        "Varje liten ruta är en skola; den grå linjen är kommunens skolor tillsammans. Ett enskilt år kan skilja "
        "sig av slumpen i vilka elever som går ut; se hellre riktningen över flera år. Andel behöriga per skola och "
        "läsår finns i Excelfilen." + (f" Rutorna visar de {MAX_PANELS} största skolorna." if len(size) > MAX_PANELS else ""),
    ]
    return Section("results_trend", "Meritvärde och behörighet per skola över tid", intro, [Figure(fig)],
                   excel_tables=[t], terms=["merit_value", "eligible"])
