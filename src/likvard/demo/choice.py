"""Guardians' school choice and placement in Exempelstad.

Choice model: rank-ordered ("exploded") conditional logit (Beggs, Cardell and Hausman 1981).
Family i's utility of school j is U_ij = sum_k beta_k x_ijk + e_ij with e_ij i.i.d. standard
Gumbel; the ranking of the top three by U is exactly an exploded-logit draw. Features (the
shared contract's names): ``distance_km`` (straight line), ``distance_km_x_post_secondary``,
``sibling`` (a sibling attends j that year in another grade), ``share_post_secondary`` (j's share
of students with post-secondary-educated parents in the previous school year),
``share_post_secondary_x_post_secondary``, ``independent``, ``profile``.

Placement: student-proposing deferred acceptance via ``likvard.placement.assign``. Priorities:
siblings first; then relative proximity at municipal schools (distance to the nearest other
school offering the grade minus distance to this one, larger first), a queue (random) at
independent schools; ties by lottery. Students placed nowhere get the nearest school with a free
seat (administrative placement); if none has one, the nearest school.
"""

from __future__ import annotations

import numpy as np

from likvard.placement import assign

FEATURES = ("distance_km", "distance_km_x_post_secondary", "sibling", "share_post_secondary",
            "share_post_secondary_x_post_secondary", "independent", "profile")

CHOICE_PARAMETERS = {
    "distance_km": -1.6,
    "distance_km_x_post_secondary": 0.5,
    "sibling": 2.5,
    "share_post_secondary": 1.0,
    "share_post_secondary_x_post_secondary": 3.0,
    "independent": -0.5,
    "profile": 0.4,
}
"""Utility coefficients (per km, per unit share 0-1, per indicator)."""

N_RANKED = 3
ENTRY_GRADES = (0, 7)


def features(dist_km: np.ndarray, post_secondary: np.ndarray, sibling: np.ndarray, share_ps: np.ndarray,
             independent: np.ndarray, profile: np.ndarray) -> dict[str, np.ndarray]:
    """Feature matrices (choosers x schools) keyed by the contract's names."""
    ps = post_secondary.astype(float)[:, None]
    share = np.broadcast_to(share_ps[None, :], dist_km.shape)
    return {
        "distance_km": dist_km,
        "distance_km_x_post_secondary": dist_km * ps,
        "sibling": sibling.astype(float),
        "share_post_secondary": share,
        "share_post_secondary_x_post_secondary": share * ps,
        "independent": np.broadcast_to(independent.astype(float)[None, :], dist_km.shape),
        "profile": np.broadcast_to(profile.astype(float)[None, :], dist_km.shape),
    }


def draw_rankings(rng: np.random.Generator, feats: dict[str, np.ndarray], beta: dict[str, float],
                  k: int = N_RANKED) -> np.ndarray:
    """Top-k schools (column indices, best first) of each chooser under the exploded logit."""
    v: np.ndarray = np.sum([beta[name] * feats[name] for name in FEATURES], axis=0)
    u = v + rng.gumbel(size=v.shape)
    k = min(k, u.shape[1])
    top = np.argpartition(-u, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(u, top, axis=1), axis=1)
    return np.take_along_axis(top, order, axis=1)


def relative_proximity(dist: np.ndarray) -> np.ndarray:
    """Distance to the nearest *other* school minus distance to this one (choosers x schools)."""
    if dist.shape[1] < 2:
        return np.zeros_like(dist)
    part = np.partition(dist, 1, axis=1)
    d1, d2 = part[:, :1], part[:, 1:2]
    other = np.where(dist <= d1, d2, d1)
    return other - dist


def place(rng: np.random.Generator, ranking: np.ndarray, sibling: np.ndarray, dist: np.ndarray,
          municipal: np.ndarray, capacity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Deferred acceptance with Swedish priorities; returns (school column, administratively placed)."""
    n, m = dist.shape
    rel = relative_proximity(dist)
    lottery = np.asarray(rng.random(n))
    queue = np.asarray(rng.random(n))
    stu = np.repeat(np.arange(n), ranking.shape[1])
    sch = ranking.ravel()
    sib = sibling[stu, sch]
    second = np.where(municipal[sch], -rel[stu, sch], queue[stu])
    order = np.lexsort((lottery[stu], second, -sib.astype(int), sch))
    stu_o, sch_o = stu[order], sch[order]
    bounds = np.searchsorted(sch_o, np.arange(m + 1))
    priority_order = [stu_o[bounds[s]:bounds[s + 1]].tolist() for s in range(m)]
    result = assign(ranking.tolist(), priority_order, [int(c) for c in capacity])
    placed = np.array([-1 if r is None else int(r) for r in result], dtype=np.int64)
    admin = placed < 0
    if admin.any():
        used = np.bincount(placed[~admin], minlength=m)
        free = capacity - used
        placed[admin] = nearest_free(rng, dist[admin], free)
    return placed, admin


def nearest_free(rng: np.random.Generator, dist: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Place each row (random order) at the nearest school with a free seat (else the nearest)."""
    free = free.astype(np.int64).copy()
    out = np.empty(len(dist), dtype=np.int64)
    nearest_order = np.argsort(dist, axis=1)
    for i in rng.permutation(len(dist)):
        cand = nearest_order[i]
        ok = cand[free[cand] > 0]
        s = int(ok[0]) if len(ok) else int(cand[0])
        free[s] -= 1
        out[i] = s
    return out
