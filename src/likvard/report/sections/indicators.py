"""Skolenkäten and teacher certification against need, and schools with several weak indicators."""

from __future__ import annotations


from likvard.analyses.overview import Overview
from likvard.report.glossary import explain
from likvard.report.model import Figure, Section
from likvard.views.charts import scatter_chart
from likvard.views.common import format_number, school_year_label
from likvard.views.indicators import NEED_LABELS, certification_by_need, indicator_table


def build(ov: Overview) -> Section | None:
    res = ov.indicators
    if res is None:
        return None
    t = indicator_table(res, ov.dataset, ov.settings)
    d = t.data
    figures = []
    several = [isinstance(n, float) and n >= 2 for n in d["n_weak"]]
    for c, title in (("share_certified", "Andel legitimerade lärare (%)"), ("trygghet", "Trygghet (elever, 0–10)")):
        if c in d:
            fig = scatter_chart(d["need"].tolist(), d[c].tolist(), d["name"].tolist(), d["n_students"].tolist(),
                                title=f"{title} mot behov {school_year_label(res.year)}",
                                x_title=NEED_LABELS[res.need_measure], y_title=title, highlight=several)
            fig.update_layout(height=400, margin={"b": 110})
            figures.append(Figure(fig))
    names = ", ".join(d.loc[several, "name"].astype(str)) or "inga skolor"
    intro = [
        "Skolinspektionen har visat att problem ofta förstärker varandra: skolor med stora behov har oftare lägre "
        "andel legitimerade lärare och sämre trygghet och studiero. Röda punkter är skolor där minst två svaga "
        "indikatorer sammanfaller. " + explain("weak"),
        f"Läsåret {school_year_label(res.year)} gäller det minst två indikatorer för: {names}. Enkätvärden med "
        "färre än 10 svarande visas som ..",
    ]
    means = certification_by_need(d)  # from the shown table: nothing of a hidden school
    if means is not None:
        intro.append(f"Andelen legitimerade lärare är i genomsnitt {format_number(means[0])} % i fjärdedelen skolor "
                     f"med störst behov och {format_number(means[1])} % i fjärdedelen med minst behov.")
    return Section("indicators", "Trygghet, studiero, stöd och lärare mot behov", intro, figures, excel_tables=[t],
                   terms=["weak"])
