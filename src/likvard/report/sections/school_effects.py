"""School effects over several years, with uncertainty, from an authority's own student records.

Engines: ``expected.shrinkage`` (student-level model with random school intercepts, pooled over
years, empirical-Bayes shrinkage with 90 % intervals), ``expected.student_level`` (share of the
variation between schools, composition effect) and ``expected.succeed`` (schools that succeed
despite challenges). A school with fewer than 10 grade-9 students pooled over the years reads
``..``; single years are not shown here.
"""

from __future__ import annotations

from likvard.report.context import ReportContext
from likvard.report.model import ReportTable, Section
from likvard.views.charts import interval_chart
from likvard.views.common import format_number
from likvard.views.expected import (
    EFFECT_VALUES,
    EXPECTED_LABELS,
    effects_shown,
    variance_table,
    verdict,
)
from likvard.views.suppression import suppress_units


def build(ctx: ReportContext) -> Section | None:
    if not ctx.has_students:
        return None
    from likvard.expected import need_index
    from likvard.expected import student_level as sl
    from likvard.expected.shrinkage import pooled_school_effects, student_residuals
    from likvard.expected.succeed import schools_succeeding

    st = ctx.data.students
    st = st[st["school_year"].isin(ctx.years)]
    try:
        effects = pooled_school_effects(student_residuals(st))
        variance = sl.variance_between_schools(st)
        composition = sl.composition_effect(st)
        need = need_index(st)
    except ValueError:
        return None
    names = ctx.names()
    effects["school_id"] = effects["school_id"].astype(str)
    effects["name"] = effects["school_id"].map(names).fillna(effects["school_id"])
    effects = effects.sort_values("effect", ascending=False).reset_index(drop=True)
    effects["verdict"] = [verdict(lo, hi) for lo, hi in zip(effects["low"], effects["high"])]
    shown = effects_shown(effects[["school_id", "name", "n_students", "n_years", *EFFECT_VALUES, "verdict"]])
    shown = suppress_units(shown, "school_id", ctx.hidden(ctx.last_year), ["n_students", "n_years", *EFFECT_VALUES])
    shown.loc[shown["effect"].astype(str) == "..", "verdict"] = ".."
    fig = interval_chart(shown["name"].tolist(), shown["effect"].tolist(), shown["low"].tolist(),
                         shown["high"].tolist(), shown["n_students"].tolist(),
                         title="Skoleffekt på meritvärdet, alla läsår sammanvägda (90 % intervall)",
                         y_title="Meritpoäng", reference=0.0)
    listed = schools_succeeding(effects, need)
    listed = listed.assign(name=listed["school_id"].map(names))
    v = variance_table(variance).set_index("model")["icc"]
    ce = composition.get("school_share_post_secondary", {})
    above = int((effects["low"] > 0).sum())
    below = int((effects["high"] < 0).sum())
    intro = [
        "En skolas effekt är hur mycket högre eller lägre meritvärde dess elever får än vad deras egen bakgrund "
        "(föräldrarnas utbildning, migrationsbakgrund, kön, nyanländ) och skolans elevsammansättning ger anledning "
        "att vänta, sammanvägt över alla läsår. Små skolor dras mot genomsnittet och får breda intervall i stället "
        "för att uteslutas.",
        f"Av {len(effects)} skolor med årskurs 9 ligger {above} tydligt över och {below} tydligt under förväntan "
        "(hela 90-procentsintervallet på samma sida om noll); övriga går inte att skilja från genomsnittet.",
        f"Skillnaderna mellan skolor står för {format_number(100 * v.iloc[0])} % av variationen i meritvärde; "
        f"givet elevernas egen bakgrund {format_number(100 * v.iloc[1])} %. "
        + (f"Skolans sammansättning betyder något utöver den egna bakgrunden: en skola där alla har "
           f"eftergymnasialt utbildade föräldrar ger {format_number(ce['estimate'], 0)} ± "
           f"{format_number(1.645 * ce['se'], 0)} meritpoäng mer än en där ingen har det, för samma elev."
           + (" Med så här få skolor är den skattningen osäker och kan blandas ihop med skolornas egna effekter, "
              "om skolor med gynnsam sammansättning också råkar vara bra skolor." if composition["n_schools"] < 30 else "")
           if ce else ""),
    ]
    if len(listed):
        intro.append("Skolor som lyckas trots utmaningar (behovsindex minst 110 och säkert positiv effekt över minst "
                     "två läsår): " + ", ".join(listed["name"].astype(str)) + ".")
    else:
        intro.append("Ingen skola har både högt behov (index minst 110) och en säkert positiv effekt över flera läsår.")
    tables = [
        ReportTable("skoleffekter", "Skoleffekter med osäkerhet", shown,
                    decimals={"effect": 1, "low": 1, "high": 1, "raw_effect": 1, "prob_above": 2},
                    labels={**EXPECTED_LABELS, "verdict": "Bedömning"}),
        ReportTable("variation_mellan_skolor", "Variation mellan skolor", variance_table(variance),
                    decimals={"tau2": 0, "sigma2": 0, "icc": 3, "explained_between": 2}, labels=EXPECTED_LABELS),
    ]
    if len(listed):
        tables.append(ReportTable("lyckas", "Skolor som lyckas trots utmaningar", listed,
                                  decimals={"need_index": 0, "effect": 1, "low": 1, "high": 1, "prob_above": 2},
                                  labels=EXPECTED_LABELS))
    return Section("school_effects", "Skoleffekter över flera år", intro, [fig], tables,
                   results={"effects": effects, "variance": variance, "composition": composition,
                            "succeeding": listed})
