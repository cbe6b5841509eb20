"""Map of the schools coloured by composition (SWEREF99 TM, no tile server, no home locations)."""

from __future__ import annotations

from likvard.report.context import ReportContext
from likvard.report.model import Section
from likvard.report.sections.composition import composition_table
from likvard.views.common import school_year_label
from likvard.views.maps import school_map


def build(ctx: ReportContext) -> Section | None:
    schools = ctx.schools.dropna(subset=["x", "y"])
    if schools.empty:
        return None
    table = composition_table(ctx)
    last = table[table["school_year"] == ctx.last_year][["school_id", "n_students", "share_post_secondary"]]
    df = schools[["school_id", "name", "x", "y"]].merge(last, on="school_id", how="inner")
    if df.empty:
        return None
    fig = school_map(
        df, "share_post_secondary", "n_students",
        title=f"Skolor efter andel elever med eftergymnasialt utbildade föräldrar {school_year_label(ctx.last_year)}",
        colour_title="Procent", polygons=ctx.polygons,
    )
    missing = len(ctx.schools) - len(schools)
    intro = [
        "Kartan visar var skolorna ligger och hur stor andel av eleverna som har minst en förälder med "
        "eftergymnasial utbildning (blått = hög andel, rött = låg). Kartan är ritad i SWEREF 99 TM utan "
        "bakgrundskarta. Elevernas hemadresser visas aldrig."
        + (" Tunna linjer visar DeSO-områdenas gränser." if ctx.polygons else ""),
    ]
    if missing:
        intro.append(f"{missing} skolor saknar koordinater och finns inte med på kartan.")
    return Section("school_map", "Karta över skolorna", intro, [fig], [])
