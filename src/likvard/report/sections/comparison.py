"""The municipality beside the nation and similar municipalities: segregation over time and
Kolada's key figures with rank."""

from __future__ import annotations

import pandas as pd

from likvard.analyses.overview import Overview
from likvard.report.glossary import explain
from likvard.report.model import Figure, Section
from likvard.views.charts import line_chart
from likvard.views.common import format_number, school_year_label
from likvard.views.comparison import comparison_tables


def build(ov: Overview) -> Section | None:
    res = ov.comparison
    if res is None or res.segregation.empty:
        return None
    h = res.segregation[res.segregation["key"] == "theil_h"].sort_values("school_year")
    years = [school_year_label(y) for y in h["school_year"]]
    fig = line_chart({"Kommunen": (years, h["value"].tolist(), None),
                      "Liknande kommuner (median)": (years, h["similar_median"].tolist(), None),
                      "Riket (alla skolor)": (years, h["national"].tolist(), None),
                      "Alla kommuner (median)": (years, h["all_median"].tolist(), None)},
                     title="Theils H (eftergymnasialt utbildade föräldrar) jämfört med andra", y_title="H", decimals=3)
    fig.update_layout(height=340)
    tables = comparison_tables(res)
    last = h.iloc[-1]
    names = ", ".join(res.similar["municipality"].astype(str)) if len(res.similar) else ""
    intro = [
        f"Läsåret {school_year_label(int(last['school_year']))} var Theils H för andelen elever med eftergymnasialt "
        f"utbildade föräldrar {format_number(last['value'], 3)} i kommunen, {format_number(last['national'], 3)} i "
        f"riket som helhet och {format_number(last['similar_median'], 3)} i mediankommunen bland de liknande. "
        + (f"Kommunen hade rang {int(last['rank'])} av {int(last['n_municipalities'])} kommuner med minst tre "
           "skolenheter (1 = mest segregerad)." if pd.notna(last["rank"]) else
           "Kommunen rangordnas inte: den har färre än tre skolenheter med uppgifter."),
        explain("similar") + (f" Här: {names}." if names else ""),
        "Kommuner med få skolor får lätt låga värden och storstäder höga; jämför därför främst med liknande kommuner. "
        "Nyckeltalen kommer från Kolada (Källa: Kolada/RKA).",
    ]
    shown = [t for t in tables if t.key != "jamforelse_segregation"]
    return Section("comparison", "Jämfört med riket och liknande kommuner", intro, [Figure(fig)], tables=shown,
                   excel_tables=tables, terms=["similar"])
