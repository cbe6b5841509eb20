"""Residential versus school-choice segregation (Östh, Andersson and Malmberg 2013)."""

from __future__ import annotations

from likvard.analyses.overview import Overview
from likvard.report.glossary import explain
from likvard.report.model import Figure, Section
from likvard.views.charts import bar_chart
from likvard.views.common import format_number, school_year_label
from likvard.views.segregation import residential_table


def build(ov: Overview) -> Section | None:
    res = ov.residential
    if res is None:
        return None
    t = residential_table(res)
    h = t.data[t.data["key"] == "theil_h"]
    last = h.iloc[-1]
    fig = bar_chart(["Faktisk segregation", "Boendet (närmaste skola)", "Tillägg genom skolval"],
                    [last["actual"], last["residential"], last["choice"]],
                    title=f"Boendesegregation och skolval, Theils H {school_year_label(int(last['school_year']))}",
                    y_title="H", decimals=3)
    fig.update_layout(height=320)
    intro = [
        explain("residential"),
        f"Läsåret {school_year_label(int(last['school_year']))} var H {format_number(last['actual'], 3)} i "
        f"verkligheten och {format_number(last['residential'], 3)} om alla gått i närmaste skola; skolvalet står "
        f"alltså för {format_number(last['choice_share'])} % av segregationen.",
        "Beräkningen använder elevernas hemadresser men visar dem aldrig, och aldrig adresser för elever med skyddad "
        f"identitet ({res.n_protected_left_out} elever lämnades utanför). Närmaste skola är räknad fågelvägen och utan "
        "hänsyn till skolornas kapacitet, så boendedelen är en uppskattning.",
    ]
    return Section("residential_choice", "Boendesegregation och skolval", intro, [Figure(fig)], tables=[t],
                   excel_tables=[t], terms=["residential"])
