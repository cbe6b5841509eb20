"""Exempelstad's families and children, and the student panel (one row per student and year).

Families live in an area (drawn by area weight) and have 1-4 children one to four grades apart.
Background is drawn per family from the area's latent advantage (logistic models below), so
that residential segregation carries over to schools. Presence: settled families are there all
years; some move in or out during the panel; families who immigrate during the panel arrive in
that year, with children in any grade. A child born before the family's immigration year is
``foreign_born``; a later child of immigrant parents is ``born_in_sweden_foreign_parents``;
``newly_arrived`` marks a foreign-born student in the first four years after immigration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from likvard.demo.geography import draw_homes
from likvard.tables import MIGRATION_BACKGROUND, PARENT_EDUCATION

FAMILIES_PER_SCALE = 15_500
"""Families whose children pass through the panel at scale 1 (about 12,000 students a year)."""
CHILDREN_P = np.array([0.30, 0.42, 0.20, 0.08])  # 1, 2, 3, 4 children
FOREIGN_BG_INTERCEPT = -1.3
FOREIGN_BG_SLOPE = -1.75  # per SD of area advantage
POST_SECONDARY_INTERCEPT = 1.05
POST_SECONDARY_ADVANTAGE = 0.40
POST_SECONDARY_FOREIGN = -1.25
IMMIGRATION_MEAN_YEARS = 24.0
"""Years since immigration of immigrant families present at the start ~ exponential with this mean."""
ARRIVAL_PER_YEAR = 0.042
"""Share of immigrant families arriving in each later year of the panel (about 1/IMMIGRATION_MEAN_YEARS)."""
MOVE_IN_PER_YEAR = 0.02
MOVE_OUT_PER_YEAR = 0.03
PROTECTED_SHARE = 0.004


@dataclass
class Population:
    """Children (one row each) and the student panel (one row per child and present year)."""

    children: pd.DataFrame
    panel: pd.DataFrame


def _logistic(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def make_population(rng: np.random.Generator, areas: pd.DataFrame, years: list[int], scale: float = 1.0,
                    id_prefix: str = "E") -> Population:
    """Families, children and the panel for ``years`` (consecutive autumn years)."""
    first, last = years[0], years[-1]
    n_later = len(years) - 1
    p_in = min(0.5, MOVE_IN_PER_YEAR * n_later)
    p_arrive = min(0.9, ARRIVAL_PER_YEAR * n_later)
    absent_at_start = p_in + 0.3 * p_arrive * (1 - p_in)  # so that the first year's size does not depend on n_years
    n_fam = int(round(FAMILIES_PER_SCALE * scale * (len(years) + 21) / 27 / (1 - absent_at_start)))
    w = areas["weight"].to_numpy()
    fam_area = rng.choice(len(areas), size=n_fam, p=w / w.sum())
    adv = areas["advantage"].to_numpy()[fam_area]
    hx, hy = draw_homes(rng, areas, fam_area)

    foreign = rng.random(n_fam) < _logistic(FOREIGN_BG_INTERCEPT + FOREIGN_BG_SLOPE * adv)
    arrives = foreign & (rng.random(n_fam) < p_arrive) & (n_later > 0)
    immigration = np.where(arrives, rng.integers(first + 1, last + 1 + (n_later == 0), n_fam),
                           first - np.floor(rng.exponential(IMMIGRATION_MEAN_YEARS, n_fam))).astype(int)
    immigration[~foreign] = -9999
    recent = foreign & (immigration > first - 5)
    z_ps = POST_SECONDARY_INTERCEPT + POST_SECONDARY_ADVANTAGE * adv + POST_SECONDARY_FOREIGN * foreign
    u = rng.random(n_fam)
    p_ps = _logistic(z_ps)
    p_unknown = np.where(recent, 0.15, np.where(foreign, 0.04, 0.01))
    p_comp = (1 - p_ps) * _logistic(-1.6 - 0.6 * adv + 1.4 * foreign)
    edu = np.where(u < p_unknown, 3, np.where(u < p_unknown + p_ps * (1 - p_unknown), 2,
                   np.where(u < p_unknown + (p_ps + p_comp) * (1 - p_unknown), 0, 1)))

    # presence of the family in the municipality: [fam_in, fam_out)
    fam_in = np.full(n_fam, -9999)
    fam_out = np.full(n_fam, 9999)
    mover_in = (rng.random(n_fam) < p_in) & ~arrives
    if n_later:
        fam_in[mover_in] = rng.integers(first + 1, last + 1, mover_in.sum())
    fam_in[arrives] = immigration[arrives]
    mover_out = rng.random(n_fam) < min(0.5, MOVE_OUT_PER_YEAR * n_later)
    if n_later:
        fam_out[mover_out] = rng.integers(first + 1, last + 1, mover_out.sum())
    fam_out = np.maximum(fam_out, fam_in + 1)
    protected = rng.random(n_fam) < PROTECTED_SHARE

    # children: entry year (autumn of grade 0) of the first child, then gaps of 1-4 years
    n_kids = 1 + rng.choice(4, size=n_fam, p=CHILDREN_P)
    fam_of = np.repeat(np.arange(n_fam), n_kids)
    order = np.arange(len(fam_of)) - np.repeat(np.cumsum(n_kids) - n_kids, n_kids)
    e1 = rng.integers(first - 21, last + 1, n_fam)
    gaps = rng.integers(1, 5, len(fam_of))
    gaps[order == 0] = 0
    cum = np.cumsum(gaps)
    start = np.repeat(cum[np.cumsum(n_kids) - n_kids], n_kids)
    entry = e1[fam_of] + (cum - start)
    keep = (entry >= first - 9) & (entry <= last)
    fam_of, entry = fam_of[keep], entry[keep]
    n = len(fam_of)
    birth_entry = entry  # born in the autumn 6 years before grade 0
    mig = np.where(~foreign[fam_of], 0, np.where(birth_entry - 6 < immigration[fam_of], 2, 1))
    sex = np.where(rng.random(n) < 0.487, "F", "M")
    ids = np.array([f"{id_prefix}{k:07d}" for k in rng.permutation(n) + 1], dtype=object)

    children = pd.DataFrame({
        "student_id": ids,
        "family": fam_of,
        "entry_year": entry,
        "sex": sex,
        "parent_education": np.array(PARENT_EDUCATION, dtype=object)[edu[fam_of]],
        "migration_background": np.array(MIGRATION_BACKGROUND, dtype=object)[mig],
        "immigration_year": immigration[fam_of],
        "home_x": hx[fam_of], "home_y": hy[fam_of],
        "home_area": areas["area_id"].to_numpy()[fam_area[fam_of]],
        "area_index": fam_area[fam_of],
        "sibling_group": np.array([f"S{f:06d}" for f in fam_of], dtype=object),
        "protected_identity": protected[fam_of],
        "fam_in": fam_in[fam_of], "fam_out": fam_out[fam_of],
    })

    rows = []
    for t in years:
        grade = t - entry
        present = (grade >= 0) & (grade <= 9) & (fam_in[fam_of] <= t) & (t < fam_out[fam_of])
        idx = np.flatnonzero(present)
        rows.append(pd.DataFrame({"child": idx, "school_year": t, "grade": grade[idx]}))
    panel = pd.concat(rows, ignore_index=True)
    ch = children.iloc[panel["child"].to_numpy()]
    panel["newly_arrived"] = ((ch["migration_background"].to_numpy() == "foreign_born")
                              & (panel["school_year"].to_numpy() - ch["immigration_year"].to_numpy() < 4))
    return Population(children=children, panel=panel)
