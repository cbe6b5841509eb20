"""School effects over several years with uncertainty, from an authority's own student records."""

from __future__ import annotations

from likvard.analyses.overview import Overview
from likvard.report.glossary import explain
from likvard.report.model import Figure, Section
from likvard.views.charts import dot_chart
from likvard.views.common import format_number
from likvard.views.expected import effect_tables, variance_table


def build(ov: Overview) -> Section | None:
    res = ov.school_effects
    if res is None:
        return None
    tables = effect_tables(res, ov.dataset, ov.settings)
    shown = tables[0].data
    p = ov.settings.percent
    fig = dot_chart(shown["name"].tolist(), shown["effect"].tolist(), shown["n_students"].tolist(),
                    low=shown["low"].tolist(), high=shown["high"].tolist(),
                    title=f"Skoleffekt på meritvärdet, alla läsår sammanvägda ({p} intervall)", x_title="Meritpoäng",
                    reference=0.0, reference_name="som förväntat",
                    highlight=[v not in ("inom förväntan", "..") for v in shown["verdict"]])
    v = variance_table(res.variance).set_index("model")["icc"]
    ce = res.composition.get("school_share_post_secondary", {})
    names = ov.dataset.names()
    intro = [
        explain("school_effect"),
        f"Av {len(res.effects)} skolor med årskurs 9 ligger {res.n_above} tydligt över och {res.n_below} tydligt under "
        f"förväntan (hela {p}-intervallet på samma sida om noll); övriga går inte att skilja från genomsnittet.",
        f"Skillnaderna mellan skolor står för {format_number(100 * v.iloc[0])} % av variationen i meritvärde; "
        f"givet elevernas egen bakgrund {format_number(100 * v.iloc[1])} %. " + explain("icc"),
    ]
    if ce:
        intro.append(f"Skolans sammansättning betyder något utöver den egna bakgrunden: en skola där alla har "
                     f"eftergymnasialt utbildade föräldrar ger {format_number(ce['estimate'], 0)} ± "
                     f"{format_number(1.645 * ce['se'], 0)} meritpoäng mer än en där ingen har det, för samma elev."
                     + (" Med så här få skolor är den skattningen osäker." if res.composition.get("n_schools", 99) < 30
                        else ""))
    listed = [names.get(s, s) for s in res.succeeding["school_id"]]
    intro.append(("Skolor som lyckas trots utmaningar (behovsindex minst 110 och säkert positiv effekt över minst två "
                  "läsår): " + ", ".join(listed) + ".") if listed else
                 "Ingen skola har både högt behov (index minst 110) och en säkert positiv effekt över flera läsår.")
    return Section("school_effects", "Skoleffekter över flera år", intro, [Figure(fig, per_school=True)],
                   tables=[tables[1]], excel_tables=tables, terms=["school_effect", "icc"])
