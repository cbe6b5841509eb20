"""Everything the published-data analyses read from a folder of downloaded public files.

A file that is absent is ``None`` (the analysis that needs it is left out and the report's closing
list says so); a file that is present but cannot be read raises its reader's error, naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from likvard.sources.skolverket import (
    SourceFileError,
    read_composition_series,
    read_deso_polygons,
    read_grade9_results,
    read_school_coordinates,
    read_skolkarta,
    read_underlag_for_analys,
)


@dataclass(frozen=True)
class PublishedFiles:
    """Tables read from one folder (all municipalities; filtering is the analyses' job).

    - ``composition``: ``read_composition_series`` (per school unit and year, every municipality).
    - ``coordinates``: ``school_id, x, y`` (SWEREF 99 TM) or None.
    - ``skolkarta``: ``read_skolkarta`` (grade-9 results 2020/21–2024/25 and SALSA) or None.
    - ``grade9``: ``read_grade9_results`` (latest Slutbetyg export) or None.
    - ``underlag``: ``read_underlag_for_analys`` restricted to school units, or None.
    - ``kolada``: ``likvard.sources.kolada.read_kolada_kpis`` or None.
    - ``deso_file``: path of DeSO polygons (Uppsala län) or None.
    - ``found``: file kind -> file name, for the report's account of its sources.
    """

    folder: Path
    composition: pd.DataFrame
    coordinates: pd.DataFrame | None = None
    skolkarta: pd.DataFrame | None = None
    grade9: pd.DataFrame | None = None
    underlag: pd.DataFrame | None = None
    kolada: pd.DataFrame | None = None
    deso_file: Path | None = None
    found: dict[str, str] = field(default_factory=dict)


def _find(folder: Path, pattern: str) -> Path | None:
    hits = sorted(folder.rglob(pattern))
    return hits[-1] if hits else None


def read_published_folder(folder: str | Path) -> PublishedFiles:
    """Read every known public file under ``folder`` (any depth); see :class:`PublishedFiles`."""
    from likvard.sources.kolada import read_kolada_kpis

    folder = Path(folder)
    if not folder.is_dir():
        raise SourceFileError(folder, "mappen finns inte.")
    composition = read_composition_series(folder)
    found: dict[str, str] = {"composition": "Antal elever per årskurs … Skolenhet.csv"}
    coordinates = None
    geo = _find(folder, "skolenheter_koordinater_*.csv")
    if geo is not None:
        coordinates = read_school_coordinates(geo.parent)[["school_id", "x", "y"]].dropna()
        coordinates = coordinates.assign(school_id=coordinates["school_id"].astype(str)).drop_duplicates("school_id")
        found["coordinates"] = geo.name
    skolkarta = None
    path = _find(folder, "skolkarta_grundskolor_ak9_*.csv")
    if path is not None:
        skolkarta = read_skolkarta(path)
        found["skolkarta"] = path.name
    grade9 = None
    path = _find(folder, "*Slutbetyg årskurs 9*Skolenhet.csv")
    if path is not None:
        grade9 = read_grade9_results(path)
        found["grade9"] = path.name
    underlag = None
    path = _find(folder, "underlag_for_analys_grundskola_*_wide.csv") or _find(folder, "Underlag_for_analys_grundskola_*.xlsx")
    if path is not None:
        underlag = read_underlag_for_analys(path)
        if "level" in underlag:
            underlag = underlag[underlag["level"].astype(str) == "school_unit"].reset_index(drop=True)
        found["underlag"] = path.name
    kolada = None
    path = _find(folder, "kolada_kommun_skol_kpi*.csv")
    if path is not None:
        kolada = read_kolada_kpis(path)
        found["kolada"] = path.name
    deso = _find(folder, "Deso_inomUppsalaLan.zip")
    return PublishedFiles(folder, composition, coordinates, skolkarta, grade9, underlag, kolada, deso, found)


def deso_rings(path: Path) -> list:
    """All rings of the DeSO polygons in ``path`` (SWEREF 99 TM)."""
    return [r for rs in read_deso_polygons(path)["rings"] for r in rs]
