"""Distances between homes and schools in SWEREF99 TM metres.

Straight-line distance is what many municipalities use; walking distance on the road network
(``likvard.placement.network``) is what families walk — across a river they may differ by
kilometres (Göteborg's 2020 placement).
"""

from __future__ import annotations

import numpy as np

from likvard.errors import ParameterError
from likvard.validation import Array, validate_params


def points(xy: np.ndarray, name: str) -> np.ndarray:
    """Check an (n, 2) array of SWEREF99 TM points."""
    if xy.shape[1:] != (2,):
        raise ParameterError(name, f"väntade en array med två kolumner (x, y), fick formen {xy.shape}.")
    return xy


@validate_params(home_xy=Array(2, "f"), school_xy=Array(2, "f"))
def straight_line_m(home_xy: np.ndarray, school_xy: np.ndarray) -> np.ndarray:
    """Euclidean distances (n_homes x n_schools) between SWEREF99 TM points (metres)."""
    h = points(home_xy, "home_xy")
    s = points(school_xy, "school_xy")
    return np.sqrt(((h[:, None, :] - s[None, :, :]) ** 2).sum(axis=2))


@validate_params(distance_m=Array(2, "f", allow_nan=False))
def relative_proximity(distance_m: np.ndarray) -> np.ndarray:
    """Relativ närhet: for each home and school, the distance to the nearest *other* school minus
    the distance to this one (larger = this school is relatively closer)."""
    d = np.asarray(distance_m, dtype=float)
    order = np.sort(d, axis=1)
    nearest, second = order[:, :1], order[:, 1:2] if d.shape[1] > 1 else np.full_like(order[:, :1], np.inf)
    other = np.where(d == nearest, second, nearest)
    return other - d
