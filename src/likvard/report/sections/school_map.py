"""Map of the schools coloured by composition (SWEREF99 TM, no tile server, no home locations)."""

from __future__ import annotations

from likvard.analyses.overview import Overview
from likvard.report.model import Figure, Section
from likvard.views.common import school_year_label
from likvard.views.composition import school_table
from likvard.views.maps import school_map, simplify_rings


def build(ov: Overview) -> Section | None:
    ds = ov.dataset
    if ov.composition is None:
        return None
    year = ds.last_year
    table = school_table(ov.composition, ds, ov.settings)
    this_year = table[table["school_year"] == year][["school_id", "n_students", "share_post_secondary"]]
    located = ds.schools.dropna(subset=["x", "y"])
    df = located[["school_id", "name", "x", "y"]].merge(this_year, on="school_id", how="inner")
    if df.empty:
        return None
    polygons = None
    if ds.polygons:
        pad = 5000.0
        box = (df["x"].min() - pad, df["y"].min() - pad, df["x"].max() + pad, df["y"].max() + pad)
        polygons = simplify_rings(ds.polygons, clip_to=box)
    fig = school_map(df, "share_post_secondary", "n_students",
                     title=f"Skolor efter andel elever med eftergymnasialt utbildade föräldrar {school_year_label(year)}",
                     colour_title="Procent", polygons=polygons)
    fig.update_layout(height=480)
    missing = len(this_year) - len(df)  # the map's year only
    intro = [
        "Kartan visar var skolorna ligger och hur stor andel av eleverna som har minst en förälder med "
        "eftergymnasial utbildning (blått = hög andel, rött = låg), ritad i SWEREF 99 TM utan bakgrundskarta. "
        "Elevernas hemadresser visas aldrig." + (" Tunna linjer visar DeSO-områdenas gränser." if polygons else ""),
    ]
    if missing:
        intro.append(f"{missing} av läsårets {len(this_year)} skolenheter saknar koordinater och finns inte med på kartan.")
    return Section("school_map", "Karta över skolorna", intro, [Figure(fig)])
