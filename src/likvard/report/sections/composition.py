"""Student mix of every school and how it changed."""

from __future__ import annotations

from likvard.analyses.overview import Overview
from likvard.report.model import Figure, Section
from likvard.views.charts import dot_chart, line_chart
from likvard.views.common import format_number, school_year_label
from likvard.views.composition import composition_tables


def build(ov: Overview) -> Section | None:
    res, ds, st = ov.composition, ov.dataset, ov.settings
    if res is None:
        return None
    tables = composition_tables(res, ds, st)
    shown = tables[0].data
    first, last = ds.first_year, ds.last_year
    latest = shown[shown["school_year"] == last]
    totals = next(t.data for t in tables if t.key == "kommunen_totalt")  # as shown: '..' in a year with fewer than 10 students in all
    tot = totals[totals["school_year"] == last].iloc[0]
    reference = tot["share_post_secondary"] if not isinstance(tot["share_post_secondary"], str) else None
    figures = [Figure(dot_chart(
        latest["name"].tolist(), latest["share_post_secondary"].tolist(), latest["n_students"].tolist(),
        title=f"Andel elever med eftergymnasialt utbildade föräldrar {school_year_label(last)}",
        x_title="Procent", decimals=0, reference=None if reference is None else float(reference),
        reference_name="alla skolor"), per_school=True)]
    if first != last:
        years = [school_year_label(y) for y in totals["school_year"]]
        series = {"Eftergymnasialt utbildade föräldrar": (years, totals["share_post_secondary"].tolist(), None)}
        if "share_foreign_background" in totals:
            series["Utländsk bakgrund"] = (years, totals["share_foreign_background"].tolist(), None)
        fig = line_chart(series, title="Alla skolor tillsammans per läsår", y_title="Procent")
        fig.update_layout(height=320)
        figures.append(Figure(fig))
    intro = [
        f"Läsåret {school_year_label(last)} gick {format_number(tot['n_students'], 0)} elever i kommunens "
        f"{int((ds.composition['school_year'] == last).sum())} skolenheter, och "
        f"{format_number(tot['share_post_secondary'])} % av dem hade minst en förälder med eftergymnasial utbildning.",
        "Diagrammet visar varje skola sorterad efter andelen; den streckade linjen är alla skolor tillsammans. "
        "Tabellerna per skola och läsår finns i Excelfilen. Uppgifter om färre än 10 elever visas som .., och "
        "ytterligare en liten skola döljs när den annars kunde räknas fram ur summan.",
    ]
    return Section("composition", "Elevsammansättning per skola", intro, figures, tables=[], excel_tables=tables,
                   terms=["suppressed"])
