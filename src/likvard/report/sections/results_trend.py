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
    shown = d[d["merit_value"].astype(str) != ".."]
    size = shown.groupby("name")["n_students"].apply(lambda s: pd.to_numeric(s, errors="coerce").mean()).fillna(0)
    names = size.sort_values(ascending=False).index[:MAX_PANELS]
    labels = [school_year_label(y) for y in years]

    groups = dict(tuple(d.groupby("name", sort=False)))
    per_school = {name: groups[name].set_index("school_year").reindex(years) for name in sorted(names)}

    def panels_of(column: str) -> dict:
        return {str(name): (labels, [v if not isinstance(v, str) else None for v in g[column]])
                for name, g in per_school.items()}

    def mean_of(column: str) -> pd.Series:
        v = pd.to_numeric(trend[column], errors="coerce") * (100.0 if column == "share_eligible" else 1.0)
        g = trend.assign(v=v, w=n.fillna(1.0)).dropna(subset=["v"])
        return (g["v"] * g["w"]).groupby(g["school_year"]).sum() / g["w"].groupby(g["school_year"]).sum()

    figures = []
    for column, title in (("merit_value", "Meritvärde i årskurs 9 per skola och läsår"),
                          ("share_eligible", "Andel behöriga till yrkesprogram (%) per skola och läsår")):
        if pd.to_numeric(d[column], errors="coerce").notna().sum() == 0:
            continue
        m = mean_of(column)
        figures.append(Figure(small_multiples(panels_of(column), reference=([school_year_label(y) for y in m.index],
                                                                              m.tolist()),
                                              reference_name="Alla skolor", title=title, columns=6)))
    intro = [
        explain("merit_value") + " " + explain("eligible"),
        "Varje liten ruta är en skola; den grå linjen är kommunens skolor tillsammans (vägt med antalet elever). "
        "Ett enskilt år kan skilja sig av slumpen i vilka elever som går ut; se hellre riktningen över flera år. "
        "Ett år med färre än 10 elever i årskurs 9 saknas i rutan."
        + (f" Rutorna visar de {MAX_PANELS} största skolorna; alla finns i Excelfilen." if len(size) > MAX_PANELS else ""),
    ]
    return Section("results_trend", "Meritvärde och behörighet per skola över tid", intro, figures,
                   excel_tables=[t], terms=["merit_value", "eligible"])
