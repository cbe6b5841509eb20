"""Is a coordinate on Swedish land, and in the municipality it claims? (SWEREF99 TM, EPSG:3006)

The land area is the union of SCB's 290 municipality polygons shipped in ``data/kommuner.json``
(CC0; built by ``scripts/make_sweden_map.py``). The polygons are generalised (small islands are
missing, coastlines are cut by up to a few kilometres), so a point counts as on land when it is
within :data:`LAND_TOLERANCE_M` of them, and as in its municipality when within
:data:`MUNICIPALITY_TOLERANCE_M` of that municipality. Checked against 3,088 school units with
Skolverket's coordinates: the farthest from the polygons (island schools on Ven, Styrsö, Aspö,
Visingsö) lie 5.3-7.4 km out, so 8 km accepts every real school while a point in the open Baltic,
Kattegat, Bothnian Sea or in the middle of Vänern is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import numpy as np
import shapely

LAND_TOLERANCE_M = 8_000.0
MUNICIPALITY_TOLERANCE_M = 10_000.0


@dataclass(frozen=True)
class SwedenMap:
    """Municipality polygons by code, their names, and the (buffered) land area."""

    municipalities: dict[str, shapely.Geometry]
    names: dict[str, str]
    land: shapely.Geometry


def _geometry(polygons: list[list[list[list[int]]]]) -> shapely.Geometry:
    parts = [shapely.Polygon(rings[0], rings[1:]) for rings in polygons]
    return shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0]


@lru_cache(maxsize=1)
def sweden_map() -> SwedenMap:
    """The shipped map, read once (a few milliseconds) with the land buffer prepared."""
    doc = json.loads(files("likvard.sources").joinpath("data/kommuner.json").read_text(encoding="utf-8"))
    municipalities = {code: _geometry(m["polygons"]) for code, m in doc["municipalities"].items()}
    names = {code: m["name"] for code, m in doc["municipalities"].items()}
    land = shapely.union_all(list(municipalities.values())).buffer(LAND_TOLERANCE_M, quad_segs=4)
    shapely.prepare(land)
    return SwedenMap(municipalities, names, land)


def on_land(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """True where (x, y) is within ``LAND_TOLERANCE_M`` of Swedish land; NaN counts as on land
    (missing coordinates are reported by other checks)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.ones(x.shape, dtype=bool)
    finite = np.isfinite(x) & np.isfinite(y)
    if finite.any():
        ok[finite] = shapely.contains_xy(sweden_map().land, x[finite], y[finite])
    return ok


def distance_outside_municipality(code: str, x: float, y: float) -> float | None:
    """Metres from (x, y) to municipality ``code`` (0 inside); None for a code not on the map."""
    geom = sweden_map().municipalities.get(code)
    if geom is None or not (np.isfinite(x) and np.isfinite(y)):
        return None
    return float(shapely.distance(geom, shapely.Point(x, y)))


def municipality_name(code: str) -> str | None:
    """The municipality's name, or None for a code not on the map (e.g. the demo's 1999)."""
    return sweden_map().names.get(code)
