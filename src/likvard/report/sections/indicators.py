"""Skolenkäten (trygghet, studiero, stöd) and teacher certification set against need, and the
schools where several weak indicators coincide (Skolinspektionen: "problems reinforce each other").

An indicator is weak at a school when it lies in the least favourable quarter of the schools
(lowest 25 % for survey means and certified share; highest 25 % for need).
"""

from __future__ import annotations

import pandas as pd

from likvard.privacy import SUPPRESSED
from likvard.report.context import ReportContext
from likvard.report.engines import engine_function
from likvard.report.model import ReportTable, Section
from likvard.views.charts import scatter_chart
from likvard.views.common import school_year_label
from likvard.views.suppression import is_marked, suppress_table, suppress_units

AREAS = ("trygghet", "studiero", "stod")
AREA_NAMES = {"trygghet": "trygghet", "studiero": "studiero", "stod": "stöd", "share_certified": "legitimerade lärare",
              "need": "högt behov"}


def indicator_table(ctx: ReportContext, year: int) -> pd.DataFrame | None:
    """Per school: students, need (index or share without post-secondary parents), survey means, certified share."""
    comp = ctx.composition[ctx.composition["school_year"] == year].set_index("school_id")
    out = pd.DataFrame({"name": comp["name"], "n_students": comp["n_students"]})
    from likvard.report.sections.need import need_table

    need = need_table(ctx)
    if need is not None and not need.empty:
        nn = need[need["school_year"] == year].set_index("school_id")["need_index"]
        out["need"] = nn.reindex(out.index)
        need_label = "Behovsindex"
    else:
        out["need"] = 100.0 * (1.0 - comp["share_post_secondary"])
        need_label = "Andel elever utan eftergymnasialt utbildade föräldrar (%)"
    data = ctx.data
    have = False
    u = ctx.published.get("underlag")
    if u is not None and not u.empty:
        u = u[u["school_year"] == year].copy()
        u["school_id"] = u["school_id"].astype(str)
        u = u.drop_duplicates("school_id").set_index("school_id").reindex(out.index)
        for a in AREAS:  # pupils' answers: grade 8 where given, else grade 5 (Skolenkäten, published means)
            cols = [f"survey_{a}_grade8", f"survey_{a}_grade5"]
            if all(c in u for c in cols):
                vals = u[cols[0]].fillna(u[cols[1]])
                if vals.notna().any():
                    out[a] = vals
                    have = True
        if "share_certified_teachers" in u and u["share_certified_teachers"].notna().any():
            out["share_certified"] = 100.0 * u["share_certified_teachers"]
            have = True
    if data is not None and not data.survey.empty:
        sv = data.survey[(data.survey["school_year"] == year) & data.survey["area"].isin(AREAS)].copy()
        sv = sv[sv["respondent"].astype(str).str.startswith("student")] if (sv["respondent"].astype(str).str.startswith("student")).any() else sv
        sv["school_id"] = sv["school_id"].astype(str)
        sv["w"] = sv["value"].astype(float) * sv["n_respondents"].astype(float)
        g = sv.groupby(["school_id", "area"])[["w", "n_respondents"]].sum()
        means = (g["w"] / g["n_respondents"]).unstack()
        resp = g["n_respondents"].unstack()
        for a in AREAS:
            if a in means:
                vals = means[a].reindex(out.index).astype(object)
                small = resp[a].reindex(out.index).fillna(0).to_numpy() < 10
                vals[small & vals.notna().to_numpy()] = SUPPRESSED
                out[a] = vals
                have = True
    teacher_distribution = engine_function("likvard.allocation", "teacher_distribution", "teachers")
    if data is not None and not data.staff.empty and teacher_distribution is not None:
        td = teacher_distribution(data.staff[data.staff["school_year"] == year], data.students[data.students["school_year"] == year])
        td["school_id"] = td["school_id"].astype(str)
        td = td.set_index("school_id")
        out["share_certified"] = (100.0 * td["share_certified"]).reindex(out.index)
        if "lead_teachers_per_100" in td:
            out["lead_teachers_per_100"] = td["lead_teachers_per_100"].reindex(out.index)
        have = True
    if not have:
        return None
    out.attrs["need_label"] = need_label
    return out.reset_index()


def weak_flags(t: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Boolean per school and indicator: in the least favourable quarter (need: highest quarter)."""
    flags = pd.DataFrame(index=t.index)
    for c in columns:
        v = pd.to_numeric(t[c].where(~is_marked(t[c])), errors="coerce")
        if v.notna().sum() < 4:
            continue
        if c == "need":
            flags[c] = v >= v.quantile(0.75)
        else:
            flags[c] = v <= v.quantile(0.25)
    return flags.fillna(False)


def build(ctx: ReportContext) -> Section | None:
    year = ctx.last_year
    raw = indicator_table(ctx, year)
    if raw is None:
        return None
    need_label = raw.attrs["need_label"]
    cols = [c for c in ("need", *AREAS, "share_certified") if c in raw]
    flags = weak_flags(raw, cols)
    raw["n_weak"] = flags.sum(axis=1).astype(float)
    raw["weak_indicators"] = [", ".join(AREA_NAMES[c] for c in flags.columns if flags.loc[i, c]) for i in raw.index]
    extra = [c for c in ("lead_teachers_per_100",) if c in raw]
    t = suppress_table(raw, "n_students", [*cols, *extra, "n_weak"], totals_shown=False)
    t = suppress_units(t, "school_id", ctx.hidden(year), ["n_students", *cols, *extra, "n_weak"])
    t["weak_indicators"] = [SUPPRESSED if is_marked([n])[0] else w for n, w in zip(t["n_students"], t["weak_indicators"])]
    t = t.sort_values("n_weak", key=lambda s: pd.to_numeric(s, errors="coerce").fillna(-1), ascending=False).reset_index(drop=True)
    figures = []
    for c, title in (("share_certified", "Andel legitimerade lärare"), ("trygghet", "Trygghet (elever)"),
                     ("studiero", "Studiero (elever)"), ("stod", "Stöd (elever)")):
        if c in t:
            figures.append(scatter_chart(t["need"].tolist(), t[c].tolist(), t["name"].tolist(), t["n_students"].tolist(),
                                         title=f"{title} mot behov {school_year_label(year)}", x_title=need_label,
                                         y_title=title, highlight=[isinstance(n, float) and n >= 2 for n in t["n_weak"]]))
    several = t[[isinstance(n, float) and n >= 2 for n in t["n_weak"]]]
    names = ", ".join(several["name"].astype(str)) if len(several) else "inga skolor"
    intro = [
        "Skolinspektionen har visat att problem ofta förstärker varandra: skolor med stora behov har oftare "
        "lägre andel legitimerade lärare och sämre trygghet och studiero. Diagrammen visar varje skolas värde mot "
        "dess behov; röda punkter är skolor där minst två svaga indikatorer sammanfaller.",
        f"En indikator räknas som svag när skolan hör till den sämsta fjärdedelen av skolorna. Läsåret "
        f"{school_year_label(year)} gäller det minst två indikatorer för: {names}. Enkätvärden bygger på elevernas "
        "svar och är osäkra när få har svarat; värden med färre än 10 svarande visas som ..",
    ]
    labels = {"need": need_label, "share_certified": "Andel legitimerade lärare (%)",
              "lead_teachers_per_100": "Förstelärare per 100 elever"}
    table = ReportTable("indikatorer", f"Indikatorer och behov per skola {school_year_label(year)}", t, labels=labels,
                        decimals={"n_weak": 0})
    return Section("indicators", "Trygghet, studiero, stöd och lärare mot behov", intro, figures, [table],
                   results={"indicators": raw, "flags": flags})
