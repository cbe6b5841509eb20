"""Each school's contribution to segregation (Elbers 2023: local scores weighted by size add up to M)."""

from __future__ import annotations

from likvard.analyses.overview import Overview
from likvard.report.glossary import explain
from likvard.report.model import Figure, Section
from likvard.views.charts import dot_chart
from likvard.views.common import school_year_label
from likvard.views.segregation import contributions_table


def build(ov: Overview) -> Section | None:
    res = ov.segregation
    if res is None or res.contributions is None:
        return None
    t = contributions_table(res, ov.dataset, ov.settings)
    if t is None:
        return None
    d = t.data
    fig = dot_chart(d["name"].tolist(), d["contribution"].tolist(), d["n_students"].tolist(),
                    title=f"Varje skolas andel av segregationen (M) {school_year_label(res.year)}",
                    x_title="Procent av M", decimals=1, colour="#8e44ad")
    top = d[d["contribution"].astype(str) != ".."].head(3)
    intro = [
        explain("local_score"),
        "Stora skolor med avvikande sammansättning bidrar mest, oavsett om avvikelsen är åt det gynnade eller det "
        "utsatta hållet." + (f" Störst bidrag har {', '.join(top['name'].astype(str))}." if len(top) else ""),
    ]
    return Section("contributions", "Varje skolas bidrag till segregationen", intro, [Figure(fig, per_school=True)],
                   excel_tables=[t], terms=["local_score"])
