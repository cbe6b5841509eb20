"""Year-by-year allocation of Exempelstad's students to schools.

Each school year: students in a non-entry grade stay at last year's school; newcomers in those
grades get the nearest school with a free seat; then students in an entry grade (0 and 7) choose
and are placed (``likvard.demo.choice``), grade 7 before grade 0 so that an older sibling's new
school counts for the younger one. The one case where the ``sibling`` feature seen by a chooser
differs from what the final data show: a grade-7 chooser whose sibling enters grade 0 the same
year (placed after them) - rare, as siblings are at most four grades apart per step.

In the first simulated year every grade is placed as if it had chosen (grades 9 down to 0), with
the "previous-year" school composition taken as that of the students living within
``INITIAL_RADIUS_M`` of the school. ``burn_in`` leading years are simulated but not recorded, so
that the first recorded year's choices rest on a real previous-year composition. The home
school of a student is the nearest open school offering the grade (straight line).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from likvard.demo import choice

INITIAL_RADIUS_M = 1_500.0


@dataclass
class Allocation:
    school: np.ndarray  # school row index per panel row
    home_school: np.ndarray  # nearest open school offering the grade, per panel row
    administrative: np.ndarray  # bool per panel row: placed by the municipality, not by choice
    choices: pd.DataFrame  # student_id, school_year, grade, rank, school_id
    feature_share: pd.DataFrame  # school_id, school_year, share_post_secondary used in the choice model


def _offers(schools: pd.DataFrame, g: int) -> np.ndarray:
    return ((schools["grade_min"] <= g) & (schools["grade_max"] >= g)).to_numpy()


def allocate(rng: np.random.Generator, children: pd.DataFrame, panel: pd.DataFrame, schools: pd.DataFrame,
             years: list[int], beta: dict[str, float], burn_in: int = 0) -> Allocation:
    """Place every panel row (student and year) at a school; see the module docstring."""
    n_children = len(children)
    sx, sy = schools["x"].to_numpy(float), schools["y"].to_numpy(float)
    hx, hy = children["home_x"].to_numpy(float), children["home_y"].to_numpy(float)
    post_sec = (children["parent_education"] == "post_secondary").to_numpy()
    family = children["family"].to_numpy()
    sid = children["student_id"].to_numpy(dtype=object)
    school_ids = schools["school_id"].to_numpy(dtype=object)
    municipal = (schools["organiser_type"] == "municipal").to_numpy()
    independent = ~municipal
    profile = (schools["profile"].fillna("") != "").to_numpy()
    open_from = schools["open_from"].to_numpy()
    caps = np.stack([schools[f"capacity_{g}"].fillna(0).to_numpy(dtype=np.int64) for g in range(10)])
    p_child = panel["child"].to_numpy()
    p_year = panel["school_year"].to_numpy()
    p_grade = panel["grade"].to_numpy()

    school = np.full(len(panel), -1, dtype=np.int64)
    home = np.full(len(panel), -1, dtype=np.int64)
    admin = np.zeros(len(panel), dtype=bool)
    current = np.full(n_children, -1, dtype=np.int64)
    choice_rows: list[pd.DataFrame] = []
    share_rows: list[pd.DataFrame] = []
    prev_share: np.ndarray | None = None

    for yi, t in enumerate(years):
        rows = np.flatnonzero(p_year == t)
        ch, gr = p_child[rows], p_grade[rows]
        is_open = open_from <= max(yi - burn_in, 0)
        record = yi >= burn_in
        if prev_share is None:  # first year: composition of the neighbourhood around each school
            d = np.hypot(hx[ch, None] - sx[None, :], hy[ch, None] - sy[None, :])
            near = d < INITIAL_RADIUS_M
            cnt = near.sum(axis=0)
            share = np.where(cnt > 0, (near & post_sec[ch, None]).sum(axis=0) / np.maximum(cnt, 1), post_sec[ch].mean())
        else:
            share = prev_share
        if record:
            share_rows.append(pd.DataFrame({"school_id": school_ids[is_open], "school_year": t,
                                            "share_post_secondary": share[is_open]}))
        now = np.full(len(rows), -1, dtype=np.int64)
        entry = set(range(10)) if yi == 0 else set(choice.ENTRY_GRADES)
        cur = current[ch]
        offers_cur = np.zeros(len(rows), dtype=bool)
        ok_cur = cur >= 0
        gmin, gmax = schools["grade_min"].to_numpy(), schools["grade_max"].to_numpy()
        offers_cur[ok_cur] = (gmin[cur[ok_cur]] <= gr[ok_cur]) & (gmax[cur[ok_cur]] >= gr[ok_cur])
        stay = ~np.isin(gr, list(entry)) & offers_cur
        now[stay] = cur[stay]
        # newcomers in non-entry grades first (their school counts as a sibling's school for choosers)
        for g in np.unique(gr[(now < 0) & ~np.isin(gr, list(entry))]):
            pos = np.flatnonzero((gr == g) & (now < 0))
            cols = np.flatnonzero(is_open & _offers(schools, g))
            used = np.bincount(now[(gr == g) & (now >= 0)], minlength=len(schools))[cols]
            c = ch[pos]
            dist = np.hypot(hx[c, None] - sx[None, cols], hy[c, None] - sy[None, cols])
            now[pos] = cols[choice.nearest_free(rng, dist, caps[g, cols] - used)]
            admin[rows[pos]] = True
        for g in (sorted(entry, reverse=True) if yi == 0 else (7, 0)):
            pos = np.flatnonzero(gr == g)
            if len(pos) == 0:
                continue
            cols = np.flatnonzero(is_open & _offers(schools, g))
            c = ch[pos]
            dist = np.hypot(hx[c, None] - sx[None, cols], hy[c, None] - sy[None, cols]) / 1000.0
            sib = _sibling_matrix(family, ch, gr, now, pos, cols, len(schools))
            feats = choice.features(dist, post_sec[c], sib, share[cols], independent[cols], profile[cols])
            ranking = choice.draw_rankings(rng, feats, beta)
            placed, adm = choice.place(rng, ranking, sib, dist, municipal[cols], caps[g, cols])
            now[pos] = cols[placed]
            admin[rows[pos]] = adm
            if record and g in choice.ENTRY_GRADES:
                k = ranking.shape[1]
                choice_rows.append(pd.DataFrame({
                    "student_id": np.repeat(sid[c], k), "school_year": t, "grade": g,
                    "rank": np.tile(np.arange(1, k + 1), len(c)), "school_id": school_ids[cols[ranking.ravel()]],
                }))
        school[rows] = now
        for g in np.unique(gr):
            pos = np.flatnonzero(gr == g)
            cols = np.flatnonzero(is_open & _offers(schools, g))
            c = ch[pos]
            d = np.hypot(hx[c, None] - sx[None, cols], hy[c, None] - sy[None, cols])
            home[rows[pos]] = cols[np.argmin(d, axis=1)]
        current[:] = -1
        current[ch] = now
        n_at = np.bincount(now, minlength=len(schools))
        ps_at = np.bincount(now, weights=post_sec[ch].astype(float), minlength=len(schools))
        mean_share = ps_at.sum() / max(n_at.sum(), 1)
        prev_share = np.where(n_at > 0, ps_at / np.maximum(n_at, 1), mean_share)

    choices = pd.concat(choice_rows, ignore_index=True) if choice_rows else pd.DataFrame(
        columns=["student_id", "school_year", "grade", "rank", "school_id"])
    return Allocation(school=school, home_school=home, administrative=admin, choices=choices,
                      feature_share=pd.concat(share_rows, ignore_index=True))


def _sibling_matrix(family: np.ndarray, ch: np.ndarray, gr: np.ndarray, now: np.ndarray, pos: np.ndarray,
                    cols: np.ndarray, n_schools: int) -> np.ndarray:
    """1 where a sibling (same family, another grade) is already placed at the school this year."""
    sib = np.zeros((len(pos), len(cols)), dtype=bool)
    placed = np.flatnonzero(now >= 0)
    if len(placed) == 0:
        return sib
    col_of = np.full(n_schools, -1)
    col_of[cols] = np.arange(len(cols))
    left = pd.DataFrame({"i": np.arange(len(pos)), "family": family[ch[pos]], "grade": gr[pos]})
    right = pd.DataFrame({"family": family[ch[placed]], "sgrade": gr[placed], "school": now[placed]})
    m = left.merge(right, on="family")
    m = m[(m["grade"] != m["sgrade"])]
    j = col_of[m["school"].to_numpy()]
    ok = j >= 0
    sib[m["i"].to_numpy()[ok], j[ok]] = True
    return sib
