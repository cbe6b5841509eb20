"""Residential versus school-choice segregation (the counterfactual of Östh, Andersson and
Malmberg 2013, cited by Skolverket), from ``likvard.segregation.residential_vs_choice``:
segregation if every student attended the nearest school offering their grade, against actual
segregation; the choice part is actual minus residential.
"""

from __future__ import annotations

import pandas as pd

from likvard.report.context import ReportContext
from likvard.report.engines import engine_function
from likvard.report.model import ReportTable, Section
from likvard.views.charts import bar_chart
from likvard.views.common import format_number, school_year_label

INDICES = (("h", "Theils H"), ("d", "Skillnadsindex D"), ("m", "Ömsesidig information M"))


def split_table(ctx: ReportContext) -> pd.DataFrame | None:
    """Engine result per year (unsuppressed; rests on all students of the year), or None."""
    split = engine_function("likvard.segregation", "residential_vs_choice", "counterfactual")
    if split is None or not ctx.has_students:
        return None
    st = ctx.data.students
    if "home_x" not in st or st["home_x"].isna().all():
        return None
    st = st[st["school_year"].isin(ctx.years) & st["parent_education"].isin(ctx.group_columns)]
    if "protected_identity" in st:  # never use the homes of students with protected identity
        st = st[~st["protected_identity"].fillna(False).astype(bool)]
    schools = ctx.data.schools
    if not {"grade_min", "grade_max"} <= set(schools.columns):
        return None
    try:
        res = split(st, schools, group="parent_education")
    except ValueError:
        return None
    return res if not res.empty else None


def build(ctx: ReportContext) -> Section | None:
    res = split_table(ctx)
    if res is None:
        return None
    rows = []
    for _, r in res.iterrows():
        for key, lab in INDICES:
            a, h = r.get(f"{key}_actual"), r.get(f"{key}_residential")
            if a is None or h is None or pd.isna(a):
                continue
            rows.append({"school_year": int(r["school_year"]), "index": lab, "actual": a, "residential": h,
                         "choice": a - h, "choice_share": 100.0 * (a - h) / a if a > 0 else float("nan"),
                         "n_students": r["n_students"]})
    t = pd.DataFrame(rows)
    h = t[t["index"] == "Theils H"]
    last = h.iloc[-1]
    fig = bar_chart(
        ["Faktisk segregation", "Boendet (närmaste skola)", "Tillägg genom skolval"],
        [last["actual"], last["residential"], last["choice"]],
        title=f"Boendesegregation och skolval, Theils H {school_year_label(int(last['school_year']))}",
        y_title="H", decimals=3,
    )
    intro = [
        "Här jämförs den faktiska segregationen med den som skulle uppstå om varje elev gick i den närmaste "
        "skolan med elevens årskurs (fågelvägen). Skillnaden visar hur mycket skolvalet lägger till (eller tar "
        f"bort) utöver boendet. Läsåret {school_year_label(int(last['school_year']))} var H "
        f"{format_number(last['actual'], 3)} i verkligheten och {format_number(last['residential'], 3)} med "
        f"närmaste skola; skolvalet står alltså för {format_number(last['choice_share'])} % av segregationen.",
        "Beräkningen använder elevernas hemadresser men visar dem aldrig (och aldrig för elever med skyddad "
        "identitet). Närmaste skola är räknad fågelvägen och utan hänsyn till skolornas kapacitet, så "
        "boendedelen är en uppskattning.",
    ]
    table = ReportTable("boende_och_skolval", "Boendesegregation och skolval per läsår", t,
                        decimals={"actual": 3, "residential": 3, "choice": 3},
                        labels={"actual": "Faktisk", "residential": "Om alla gick i närmaste skola",
                                "choice": "Tillägg genom skolval", "choice_share": "Skolvalets andel (%)"})
    return Section("residential_choice", "Boendesegregation och skolval", intro, [fig], [table],
                   results={"engine": res, "table": t})
