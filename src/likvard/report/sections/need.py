"""Need index per school with its interval."""

from __future__ import annotations

from likvard.analyses.overview import Overview
from likvard.report.glossary import explain
from likvard.report.model import Figure, Section
from likvard.views.charts import dot_chart
from likvard.views.common import format_number, school_year_label
from likvard.views.need import need_table


def build(ov: Overview) -> Section | None:
    res = ov.need
    if res is None or res.table.empty:
        return None
    t = need_table(res, ov.dataset, ov.settings)
    d = t.data
    p = ov.settings.percent
    fig = dot_chart(d["name"].tolist(), d["need_index"].tolist(), d["n_students"].tolist(),
                    low=d["need_index_low"].tolist(), high=d["need_index_high"].tolist(),
                    title=f"Behovsindex per skola {school_year_label(res.last_year)} (100 = genomsnittet, {p} intervall)",
                    x_title="Behovsindex", decimals=0, reference=100.0, reference_name="genomsnitt")
    visible = d[d["need_index"].astype(str) != ".."]
    intro = [explain("need_index") + f" Genomsnittet avser {res.reference}."]
    if len(visible):
        top = visible.iloc[0]
        intro.append(f"Störst behov har {top['name']} (index {format_number(top['need_index'], 0)}, intervall "
                     f"{format_number(top['need_index_low'], 0)}–{format_number(top['need_index_high'], 0)}). "
                     "För små skolor är intervallen breda.")
    return Section("need", "Behovsindex", intro, [Figure(fig, per_school=True)], excel_tables=[t], terms=["need_index"])
