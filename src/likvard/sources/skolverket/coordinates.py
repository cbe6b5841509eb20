"""School coordinates: Skolverket's own (Planned Educations API) and OpenStreetMap-geocoded ones.

``read_school_coordinates(folder)`` returns one row per school unit with ``school_id, name, x, y``
(SWEREF99 TM, EPSG:3006), ``lat, lon`` (WGS84), ``source`` and ``licence``. Skolverket's
coordinates are preferred; the Nominatim file (ODbL 1.0, © OpenStreetMap contributors) fills
the units Skolverket's files lack and is flagged so that its licence travels with the data.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from likvard.sources.skolverket.errors import SourceFileError

if TYPE_CHECKING:
    from pyproj import Transformer


@functools.cache
def _to_sweref() -> Transformer:
    """WGS84 (EPSG:4326) to SWEREF 99 TM (EPSG:3006); pyproj is imported when coordinates are read."""
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)


def read_school_coordinates(folder: str | Path) -> pd.DataFrame:
    """See the module docstring."""
    folder = Path(folder)
    frames = []
    for p in sorted(folder.rglob("skolenheter_koordinater_*.csv")):
        raw = pd.read_csv(p, dtype=str, encoding="utf-8-sig")
        lat_col = "wgs84_lat" if "wgs84_lat" in raw else "lat"
        lon_col = "wgs84_lng" if "wgs84_lng" in raw else "lon"
        lat = pd.to_numeric(raw[lat_col], errors="coerce").to_numpy()
        lon = pd.to_numeric(raw[lon_col], errors="coerce").to_numpy()
        x, y = _to_sweref().transform(lon, lat)
        if "sweref99tm_e" in raw:
            e = pd.to_numeric(raw["sweref99tm_e"], errors="coerce").to_numpy()
            n = pd.to_numeric(raw["sweref99tm_n"], errors="coerce").to_numpy()
            x = np.where(np.isnan(e), x, e)
            y = np.where(np.isnan(n), y, n)
        osm = "nominatim" in p.name.lower() or "osm" in p.name.lower()
        frames.append(
            pd.DataFrame(
                {
                    "school_id": raw["skolenhetskod"].str.strip().str.zfill(8),
                    "name": raw.get("skolenhet_namn"),
                    "x": x, "y": y, "lat": lat, "lon": lon,
                    "source": "OpenStreetMap Nominatim" if osm else "Skolverket",
                    "licence": "ODbL 1.0, © OpenStreetMap contributors" if osm else "Källa: Skolverket",
                    "_rank": 1 if osm else 0,
                }
            )
        )
    if not frames:
        raise SourceFileError(folder, "hittade inga filer 'skolenheter_koordinater_*.csv'.")
    out = pd.concat(frames, ignore_index=True).dropna(subset=["x", "y"])
    out = out.sort_values(["school_id", "_rank"], kind="stable").drop_duplicates("school_id")
    return out.drop(columns="_rank").reset_index(drop=True)
