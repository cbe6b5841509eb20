"""Load what the published-data report needs from a folder of Skolverket's files (via
``likvard.sources.skolverket``): the composition series, school coordinates and, for Uppsala
län (municipality codes 03xx), the DeSO polygons in ``geo/Deso_inomUppsalaLan.zip``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def _find(data_dir: Path, pattern: str) -> Path | None:
    hits = sorted(data_dir.rglob(pattern))
    return hits[0] if hits else None


def load_published(data_dir: Path, municipality_code: str) -> tuple[pd.DataFrame, pd.DataFrame | None, dict, list | None]:
    """(composition series, coordinates ``school_id, x, y``, extra tables, DeSO rings or None).

    ``extra`` may hold ``skolkarta`` (SALSA 2024/25), ``grade9_counts`` (school_id -> grade-9 students)
    and ``underlag`` (Underlag för analys, school units: Skolenkät means, certified teachers).
    """
    try:
        from likvard.sources.skolverket import read_composition_series
    except ImportError as exc:
        raise ValueError("Läsarna för Skolverkets filer (likvard.sources.skolverket) saknas i denna installation.") from exc
    folder = _find(data_dir, "*Antal elever per årskurs*Skolenhet.csv")
    if folder is None:
        raise ValueError(f"{data_dir}: hittar ingen fil 'Antal elever per årskurs … Skolenhet.csv' från Skolverket.")
    composition = read_composition_series(data_dir)  # also finds the 2024/25 "Underlag för analys" file
    coordinates = None
    try:
        from likvard.sources.skolverket import read_school_coordinates

        geo = _find(data_dir, "skolenheter_koordinater_*.csv")
        if geo is not None:
            coordinates = _sweref(read_school_coordinates(geo.parent))
    except (ImportError, ValueError):
        coordinates = None
    extra: dict = {}
    try:
        from likvard.sources.skolverket import read_skolkarta

        sk_path = _find(data_dir, "skolkarta_grundskolor_ak9_*.csv")
        if sk_path is not None:
            extra["skolkarta"] = read_skolkarta(sk_path)
    except (ImportError, ValueError):
        pass
    try:
        from likvard.sources.skolverket import read_grade9_results

        g9_path = _find(data_dir, "*Slutbetyg årskurs 9*Skolenhet.csv")
        if g9_path is not None:
            g9 = read_grade9_results(g9_path)
            g9 = g9.sort_values("school_year").drop_duplicates("school_id", keep="last")
            extra["grade9_counts"] = dict(zip(g9["school_id"].astype(str), g9["n_students"].astype(float)))
    except (ImportError, ValueError):
        pass
    try:
        from likvard.sources.skolverket import read_underlag_for_analys

        u_path = _find(data_dir, "underlag_for_analys_grundskola_*_wide.csv")
        if u_path is not None:
            u = read_underlag_for_analys(u_path)
            if "level" in u:
                u = u[u["level"].astype(str) == "school_unit"]
            extra["underlag"] = u
    except (ImportError, ValueError):
        pass
    polygons = None
    deso = _find(data_dir, "Deso_inomUppsalaLan.zip")
    if deso is not None and str(municipality_code).startswith("03") and coordinates is not None:
        from likvard.sources.skolverket import read_deso_polygons
        from likvard.views.maps import simplify_rings

        ids = composition.loc[composition["municipality_code"].astype(str) == str(municipality_code), "school_id"].astype(str)
        pts = coordinates[coordinates["school_id"].isin(set(ids))].dropna(subset=["x", "y"])
        if not pts.empty:
            pad = 5000.0
            box = (pts["x"].min() - pad, pts["y"].min() - pad, pts["x"].max() + pad, pts["y"].max() + pad)
            rings = [r for rs in read_deso_polygons(deso)["rings"] for r in rs]
            polygons = simplify_rings(rings, clip_to=box)
    return composition, coordinates, extra, polygons


def _sweref(coords: pd.DataFrame) -> pd.DataFrame:
    """``school_id, x, y`` in SWEREF99 TM from whatever coordinate columns the reader gives."""
    c = coords.copy()
    c["school_id"] = c["school_id"].astype(str)
    if not {"x", "y"} <= set(c.columns) or c["x"].isna().all():
        lat = next(k for k in ("lat", "wgs84_lat") if k in c)
        lon = next(k for k in ("lon", "lng", "wgs84_lng") if k in c)
        from likvard.views.maps import to_sweref99tm

        c["x"], c["y"] = to_sweref99tm(c[lat], c[lon])
    if {"x", "y"} <= set(c.columns):
        missing = c["x"].isna() & c.filter(["lat"]).notna().any(axis=1) if "lat" in c else c["x"].isna() & False
        if missing.any():
            from likvard.views.maps import to_sweref99tm

            lon = "lon" if "lon" in c else "lng"
            c.loc[missing, "x"], c.loc[missing, "y"] = to_sweref99tm(c.loc[missing, "lat"], c.loc[missing, lon])
    return c[["school_id", "x", "y"]].dropna().drop_duplicates("school_id")
