"""Exempelstad's neighbourhoods: DeSO-like areas with residential segregation.

Area centres lie on a jittered sunflower (Vogel) spiral in a disc around the town centre
(SWEREF99 TM, EPSG:3006). Each area has a latent socioeconomic ``advantage`` made of a smooth
gradient across town (a challenged side and a well-off side, as in most Swedish towns built
with a million-programme district on one side) plus area noise. The area type (SCB/Delmos
områdestyp 1-5, 1 = stora socioekonomiska utmaningar) is assigned from the advantage by the
shares in ``calibration.AREA_TYPE_SHARES``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.demo import calibration as cal

CENTRE_X, CENTRE_Y = 500_000.0, 6_570_000.0
"""Town centre in SWEREF99 TM (a fictive mid-sized town in Mälardalen)."""

AREAS_PER_SCALE = 40
RADIUS_M = 5_500.0
HOME_SPREAD_M = 380.0
"""Standard deviation of homes around their area centre (metres)."""

_NAMES = (
    "Norrmalm", "Söderby", "Västerängen", "Österäng", "Kvarnbacken", "Lindhagen", "Björkhaga",
    "Ekbacken", "Granlunda", "Tallåsen", "Sjöstaden", "Hagaberg", "Rosendal", "Solhem", "Ängby",
    "Backa", "Bergsjön", "Dalhem", "Fridhem", "Gärdet", "Hammarby", "Karlslund", "Liljeholmen",
    "Mariedal", "Nyhem", "Rådmansvången", "Skogsås", "Strandvik", "Tornhagen", "Vallby", "Vretby",
    "Åkerby", "Älvsåker", "Öbacka", "Brunnby", "Fågelsång", "Gröndal", "Höjden", "Klosterhagen",
    "Lövsta", "Mossen", "Prästgården", "Råby", "Slottsbacken", "Tegelbruket", "Ulleråker",
)


def area_code(municipality_code: str, k: int) -> str:
    """A DeSO-like code: municipality code, C (urban DeSO) and four digits."""
    return f"{municipality_code}C{k + 1:04d}"


def make_areas(rng: np.random.Generator, scale: float = 1.0, municipality_code: str = cal.MUNICIPALITY_CODE,
               centre: tuple[float, float] = (CENTRE_X, CENTRE_Y)) -> pd.DataFrame:
    """Areas with columns ``area_id, name, area_type, x, y, advantage, weight``.

    ``advantage`` is standardised (mean 0, SD 1 over areas); ``weight`` is the relative number
    of families living there (challenged areas are denser).
    """
    n = max(6, int(round(AREAS_PER_SCALE * scale)))
    radius = RADIUS_M * np.sqrt(max(scale, 0.05))
    k = np.arange(n)
    r = radius * np.sqrt((k + 0.5) / n)
    theta = k * np.pi * (3.0 - np.sqrt(5.0))  # golden angle
    spacing = radius * np.sqrt(np.pi / n)
    x = centre[0] + r * np.cos(theta) + rng.normal(0, 0.15 * spacing, n)
    y = centre[1] + r * np.sin(theta) + rng.normal(0, 0.15 * spacing, n)
    theta0 = rng.uniform(0, 2 * np.pi)
    ang = np.arctan2(y - centre[1], x - centre[0])
    rel_r = np.hypot(x - centre[0], y - centre[1]) / radius
    # smooth gradient, strongest at the edge (the challenged outer district vs the villa suburbs)
    grad = np.cos(ang - theta0) * (0.4 + 0.8 * rel_r)
    adv = grad + rng.normal(0, cal.AREA_ADVANTAGE_NOISE_SD, n)
    adv = (adv - adv.mean()) / adv.std()
    order = np.argsort(np.argsort(adv))  # rank 0 = most challenged
    bounds = np.cumsum(cal.AREA_TYPE_SHARES) * n
    area_type = 1 + np.searchsorted(bounds, order + 0.5)
    weight = rng.lognormal(0.0, 0.25, n) * np.where(area_type <= 2, 1.5, 1.0)
    names = [(_NAMES[i % len(_NAMES)] + ("" if i < len(_NAMES) else f" {i // len(_NAMES) + 1}")) for i in range(n)]
    perm = rng.permutation(n)
    return pd.DataFrame({
        "area_id": [area_code(municipality_code, i) for i in range(n)],
        "name": [names[p] for p in perm],
        "area_type": area_type.astype("int64"),
        "x": np.round(x, 0),
        "y": np.round(y, 0),
        "advantage": adv,
        "weight": weight,
    })


def draw_homes(rng: np.random.Generator, areas: pd.DataFrame, area_index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Home coordinates (rounded to metres) scattered around each family's area centre."""
    n = len(area_index)
    hx = areas["x"].to_numpy()[area_index] + rng.normal(0, HOME_SPREAD_M, n)
    hy = areas["y"].to_numpy()[area_index] + rng.normal(0, HOME_SPREAD_M, n)
    return np.round(hx, 0), np.round(hy, 0)
