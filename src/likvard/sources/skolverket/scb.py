"""SCB areas: RegSO socioeconomic area types (Delmos/SCB områdestyp 1-5), the DeSO->RegSO key,
Stockholm's published inputs, and DeSO polygons (ESRI shapefile in a zip, SWEREF99 TM).

Area type 1 = stora socioekonomiska utmaningar ... 5 = mycket goda socioekonomiska förutsättningar.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from likvard.sources.cache import cached_reader
from likvard.sources.skolverket.errors import SourceFileError


def read_regso_area_types(folder: str | Path) -> pd.DataFrame:
    """RegSO area types joined to the DeSO key: one row per DeSO with ``deso, regso_code,
    regso_name, municipality_code, municipality, area_type``.

    The area-type file names areas as "Kommun (RegSO-namn)"; the key gives codes. RegSO without a
    match keep ``area_type`` NaN.
    """
    folder = Path(folder)
    key_path = next(iter(sorted(folder.rglob("koppling-deso*regso*.csv"))), None)
    type_path = next(iter(sorted(folder.rglob("regso_socioekonomisk_index_*.csv"))), None)
    if key_path is None or type_path is None:
        raise SourceFileError(folder, "hittade inte både nyckeln DeSO-RegSO och filen med områdestyper.")
    key = pd.read_csv(key_path, dtype=str, encoding="utf-8-sig")
    types = pd.read_csv(type_path, dtype=str, encoding="utf-8-sig")
    types.columns = ["label", "area_type"]
    parts = types["label"].str.extract(r"^(?P<municipality>.*?) \((?P<regso_name>.*)\)$")
    types = pd.concat([parts, pd.to_numeric(types["area_type"], errors="coerce").rename("area_type")], axis=1)
    out = key.rename(
        columns={"Kommun": "municipality_code", "Kommunnamn": "municipality", "DeSO_2018": "deso",
                 "RegSO_2020": "regso_name", "RegSOkod_2020": "regso_code"}
    )
    out = out.merge(types, on=["municipality", "regso_name"], how="left")
    return out[["deso", "regso_code", "regso_name", "municipality_code", "municipality", "area_type"]]


@cached_reader
def read_stockholm_socioeconomic(path: str | Path) -> pd.DataFrame:
    """Stockholm's RegSO inputs and published type/index: ``regso_code, year, share_assistance,
    share_compulsory_education, share_low_economic_standard, area_type, socioeconomic_index``
    (shares as fractions)."""
    raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    num = lambda c: pd.to_numeric(raw[c].str.replace(",", "."), errors="coerce")  # noqa: E731
    return pd.DataFrame(
        {
            "regso_code": raw["Region"].str.replace("_RegSO2025", "", regex=False),
            "name": raw.get("Omrade"),
            "year": pd.to_numeric(raw["Tid"]),
            "share_assistance": num("Andelen med ekonomiskt bistånd och/eller långtidsarbetslösa") / 100,
            "share_compulsory_education": num("Andelen med förgymnasial utbildning") / 100,
            "share_low_economic_standard": num("Andelen personer med låg ekonomisk standard (oavsett ålder)") / 100,
            "area_type": num("Områdestyp"),
            "socioeconomic_index": num("Socioekonomiskt index"),
        }
    )


def read_deso_polygons(path: str | Path) -> pd.DataFrame:
    """DeSO polygons from a zipped shapefile: one row per DeSO with ``deso``, ``population`` (if
    given) and ``rings`` (list of (n, 2) arrays of SWEREF99 TM coordinates, outer rings and holes)."""
    import shapefile  # pyshp

    path = Path(path)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        stem = next((n[:-4] for n in names if n.lower().endswith(".shp")), None)
        if stem is None:
            raise SourceFileError(path, "zip-filen innehåller ingen .shp-fil.")
        shp = io.BytesIO(z.read(stem + ".shp"))
        dbf = io.BytesIO(z.read(stem + ".dbf"))
        shx = io.BytesIO(z.read(stem + ".shx")) if stem + ".shx" in names else None
    reader = shapefile.Reader(shp=shp, dbf=dbf, shx=shx, encoding="utf-8")
    fields = [f[0] for f in reader.fields[1:]]
    code_field = next((f for f in fields if re.search(r"(?i)deso", f)), fields[0])
    pop_field = next((f for f in fields if re.search(r"(?i)bef|pop", f)), None)
    rows = []
    for sr in reader.iterShapeRecords():
        pts = np.asarray(sr.shape.points, dtype=float)
        bounds = list(sr.shape.parts) + [len(pts)]
        rings = [pts[bounds[i]:bounds[i + 1]] for i in range(len(bounds) - 1)]
        rec = sr.record.as_dict()
        rows.append({"deso": str(rec[code_field]), "population": rec.get(pop_field) if pop_field else np.nan, "rings": rings})
    return pd.DataFrame(rows)
