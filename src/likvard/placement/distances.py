"""Distances between homes and schools in SWEREF99 TM metres.

Straight-line distance is what many municipalities use; walking distance on the road network
(``likvard.placement.network``) is what families walk — across a river they may differ by
kilometres (Göteborg's 2020 placement).
"""

from __future__ import annotations

import numpy as np


def straight_line_m(home_xy: np.ndarray, school_xy: np.ndarray) -> np.ndarray:
    """Euclidean distances (n_homes x n_schools) between SWEREF99 TM points (metres)."""
    h = np.asarray(home_xy, dtype=float)
    s = np.asarray(school_xy, dtype=float)
    return np.sqrt(((h[:, None, :] - s[None, :, :]) ** 2).sum(axis=2))


def relative_proximity(distance_m: np.ndarray) -> np.ndarray:
    """Relativ närhet: for each home and school, the distance to the nearest *other* school minus
    the distance to this one (larger = this school is relatively closer)."""
    d = np.asarray(distance_m, dtype=float)
    order = np.sort(d, axis=1)
    nearest, second = order[:, :1], order[:, 1:2] if d.shape[1] > 1 else np.full_like(order[:, :1], np.inf)
    other = np.where(d == nearest, second, nearest)
    return other - d
