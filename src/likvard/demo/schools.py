"""Exempelstad's school units: municipal F-6, 7-9 and F-9 schools spread over the town by
farthest-point sampling of neighbourhood centres, and independent schools near the centre and
in well-off areas (one of them opens in the third year). Capacities per grade follow the demand
of the nearest-school catchment with a margin, rounded up to whole classes of 25.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


CLASS_SIZE = 25
CAPACITY_MARGIN = 1.12
ORGANISER_MUNICIPAL = "Exempelstads kommun"

# (kind, grade_min, grade_max, count at scale 1)
MUNICIPAL_PLAN = (("F-6", 0, 6, 13), ("7-9", 7, 9, 4), ("F-9", 0, 9, 3))
INDEPENDENT_PLAN = (
    # name, organiser, grade_min, grade_max, profile, classes per grade, opens in year index
    ("Lärkans friskola", "Lärkan Utbildning AB", 0, 9, "", 3, 0),
    ("Kastanjens Montessoriskola", "Stiftelsen Kastanjen", 0, 6, "montessori", 1, 0),
    ("Nova Akademi", "Nova Skolor AB", 0, 9, "engelska", 3, 0),
    ("Idrottsskolan Arena", "Arena Utbildning AB", 7, 9, "idrott", 3, 2),
)
MUSIC_PROFILE = "musik"  # one municipal 7-9 school has a music profile


def _farthest_points(xy: np.ndarray, weight: np.ndarray, k: int, taken: np.ndarray | None = None) -> list[int]:
    """Indices of k points chosen greedily far from each other (and from ``taken``), weighted."""
    chosen: list[int] = []
    dmin = np.full(len(xy), np.inf)
    if taken is not None and len(taken):
        dmin = np.min(np.hypot(xy[:, None, 0] - taken[None, :, 0], xy[:, None, 1] - taken[None, :, 1]), axis=1)
    for _ in range(min(k, len(xy))):
        score = (np.where(np.isinf(dmin), 1e9, dmin)) * np.sqrt(weight)
        score[chosen] = -1
        i = int(np.argmax(score))
        chosen.append(i)
        dmin = np.minimum(dmin, np.hypot(xy[:, 0] - xy[i, 0], xy[:, 1] - xy[i, 1]))
    return chosen


def make_schools(rng: np.random.Generator, areas: pd.DataFrame, scale: float = 1.0) -> pd.DataFrame:
    """One row per school unit: ``school_id, name, organiser, organiser_type, x, y, grade_min,
    grade_max, profile, classes, open_from`` (open_from = year index 0.., classes per grade for
    independent schools, NaN for municipal ones whose capacity follows demand)."""
    xy = areas[["x", "y"]].to_numpy()
    w = areas["weight"].to_numpy()
    names = areas["name"].to_numpy()
    n_low = sum(int(round(c * scale)) for kind, _, _, c in MUNICIPAL_PLAN if kind != "7-9")
    n_f9 = int(round(MUNICIPAL_PLAN[2][3] * scale))
    n_79 = int(round(MUNICIPAL_PLAN[1][3] * scale))
    low = _farthest_points(xy, w, max(n_low, 1))
    upper = _farthest_points(xy, w, max(n_79, 1))
    # F-9: the lower-grade sites farthest from any 7-9 school
    d_up = np.min(np.hypot(xy[low, None, 0] - xy[None, upper, 0], xy[low, None, 1] - xy[None, upper, 1]), axis=1)
    f9 = set(np.array(low)[np.argsort(-d_up)[:n_f9]].tolist())
    rows = []
    for a in low:
        kind = "F-9" if a in f9 else "F-6"
        rows.append((f"{names[a]}skolan" + (" F-9" if kind == "F-9" else ""), ORGANISER_MUNICIPAL, "municipal", a,
                     0, 9 if kind == "F-9" else 6, "", np.nan, 0))
    for j, a in enumerate(upper):
        rows.append((f"{names[a]}skolan 7-9", ORGANISER_MUNICIPAL, "municipal", a, 7, 9,
                     MUSIC_PROFILE if j == 1 else "", np.nan, 0))
    # independent schools: in areas near the centre or with good conditions
    centre = xy.mean(axis=0)
    attract = areas["advantage"].to_numpy() - np.hypot(*(xy - centre).T) / 3000.0
    n_rep = max(1, int(round(scale)))
    for rep in range(n_rep):
        for name, org, gmin, gmax, profile, classes, opens in INDEPENDENT_PLAN:
            p = np.exp(1.5 * attract)
            a = int(rng.choice(len(xy), p=p / p.sum()))
            suffix = "" if rep == 0 else f" {rep + 1}"
            rows.append((name + suffix, org, "independent", a, gmin, gmax, profile, classes, opens))
    df = pd.DataFrame(rows, columns=["name", "organiser", "organiser_type", "area", "grade_min", "grade_max",
                                     "profile", "classes", "open_from"])
    offset = rng.normal(0, 180, size=(len(df), 2))
    df["x"] = np.round(xy[df["area"].to_numpy(), 0] + offset[:, 0])
    df["y"] = np.round(xy[df["area"].to_numpy(), 1] + offset[:, 1])
    ids = rng.choice(89_999_999, size=len(df), replace=False) + 10_000_000
    df.insert(0, "school_id", [f"{i:08d}" for i in ids])
    return df.drop(columns="area")


def set_capacities(schools: pd.DataFrame, grade: np.ndarray, home_x: np.ndarray, home_y: np.ndarray) -> pd.DataFrame:
    """Add ``capacity_0..capacity_9`` (NA where the grade is not offered).

    Municipal: the students of that grade (first year) for whom the school is the nearest one
    offering the grade, times ``CAPACITY_MARGIN``, rounded up to classes; independent: fixed
    classes per grade.
    """
    out = schools.copy()
    sx, sy = out["x"].to_numpy(), out["y"].to_numpy()
    municipal = (out["organiser_type"] == "municipal").to_numpy()
    for g in range(10):
        offers = ((out["grade_min"] <= g) & (out["grade_max"] >= g)).to_numpy()
        cap = np.zeros(len(out))
        m = offers & municipal
        sel = grade == g
        if m.any() and sel.any():
            idx = np.flatnonzero(m)
            d = np.hypot(home_x[sel, None] - sx[None, idx], home_y[sel, None] - sy[None, idx])
            demand = np.bincount(np.argmin(d, axis=1), minlength=len(idx))
            cap[idx] = np.maximum(1, np.ceil(demand * CAPACITY_MARGIN / CLASS_SIZE)) * CLASS_SIZE
        ind = offers & ~municipal
        cap[ind] = out["classes"].to_numpy()[ind] * CLASS_SIZE
        out[f"capacity_{g}"] = pd.array(np.where(offers, cap, np.nan), dtype="Float64").round().astype("Int64")
    return out
