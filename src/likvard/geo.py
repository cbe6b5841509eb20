"""Coordinate helpers shared by readers, analyses and views (SWEREF 99 TM, EPSG:3006)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def to_sweref99tm(lat: Sequence[float], lon: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 latitude/longitude to SWEREF99 TM easting x and northing y (pyproj)."""
    from pyproj import Transformer

    t = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
    x, y = t.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)
