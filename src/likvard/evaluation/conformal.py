"""Conformal inference for a synthetic control (Chernozhukov, Wüthrich & Zhu 2021, *JASA*
116:1849-1864).

Sharp null H0: the effect is theta in every post-year. Under H0 the treated outcome without the
intervention is Y1t - theta (post) and Y1t (pre); the simplex weights are re-estimated on all T
years of these null-imputed data (the estimator must treat time symmetrically; no V), giving
residuals u_t. Statistic S(u) = (T1^-1/2 sum_{t post} |u_t|^q)^(1/q), q = 1. Moving-block
permutations pi_k(t) = (t + k) mod T, k = 0..T-1; p(theta) = (1/T) #{k : S(u_pi_k) >= S(u)}.
The floor of p is 1/T, so a level-L interval needs T >= 1/(1 - L) years (11 years: 0.09).
Intervals are {theta : p(theta) > 1 - L}, found on a grid refined by bisection at its edges;
per-year intervals use the pre-years and that one post-year (T1 = 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from likvard.evaluation.simplex import simplex_weights


@dataclass(frozen=True)
class ConformalResult:
    """p-value of no effect, interval of the average effect (None = unbounded or empty), the
    permutation floor 1/T and per-year intervals ``{col: (low, high)}``."""

    p_value: float
    ci_low: float | None
    ci_high: float | None
    floor: float
    per_year: dict[int, tuple[float | None, float | None]]


def conformal_pvalue(y1: np.ndarray, y0: np.ndarray, post: np.ndarray, theta: float, q: float = 1.0,
                     penalty: float = 0.0) -> float:
    """p(theta) of the module docstring; ``y1`` (T,), ``y0`` (T, J), ``post`` bool (T,)."""
    yn = np.asarray(y1, dtype=float).copy()
    yn[post] -= theta
    w = simplex_weights(yn, y0, penalty=penalty)
    u = yn - y0 @ w
    t = len(u)
    perms = (np.arange(t)[None, :] + np.arange(t)[:, None]) % t
    up = np.abs(u[perms][:, post])
    stats = ((up**q).sum(axis=1) / np.sqrt(post.sum())) ** (1.0 / q)
    s0 = stats[0]
    return float(np.mean(stats >= s0 - 1e-10 * max(1.0, abs(s0))))


def _interval(p_of, centre: float, spread: float, alpha: float, n_grid: int = 81) -> tuple[float | None, float | None]:
    spread = max(spread, 1e-6 * max(1.0, abs(centre)))
    grid = centre + spread * np.linspace(-8, 8, n_grid)
    keep = np.array([p_of(g) > alpha for g in grid])
    if not keep.any():
        return None, None
    if keep[0] or keep[-1]:
        return None, None  # not closed inside a wide grid: report as unbounded
    i_lo, i_hi = int(np.argmax(keep)), int(len(keep) - 1 - np.argmax(keep[::-1]))

    def edge(inside: float, outside: float) -> float:
        for _ in range(30):
            mid = 0.5 * (inside + outside)
            if p_of(mid) > alpha:
                inside = mid
            else:
                outside = mid
        return inside

    return edge(grid[i_lo], grid[i_lo - 1]), edge(grid[i_hi], grid[i_hi + 1])


def conformal_sc(y1: np.ndarray, y0: np.ndarray, post: np.ndarray, level: float, spread: float,
                 q: float = 1.0, penalty: float = 0.0) -> ConformalResult:
    """Conformal test of no effect and intervals (module docstring). ``spread`` sets the grid's
    scale (e.g. the pre-period RMSPE or the placebo spread)."""
    y1 = np.asarray(y1, float)
    y0 = np.asarray(y0, float)
    post = np.asarray(post, bool)
    alpha = 1.0 - level
    w = simplex_weights(y1[~post], y0[~post], penalty=penalty)
    est = float(np.mean((y1 - y0 @ w)[post]))
    p0 = conformal_pvalue(y1, y0, post, 0.0, q, penalty)
    lo, hi = _interval(lambda th: conformal_pvalue(y1, y0, post, th, q, penalty), est, spread, alpha)
    per: dict[int, tuple[float | None, float | None]] = {}
    pre_idx = np.flatnonzero(~post)
    for c in np.flatnonzero(post):
        rows = np.concatenate([pre_idx, [c]])
        m = np.zeros(len(rows), bool)
        m[-1] = True
        e_c = float(y1[c] - y0[c] @ w)
        per[int(c)] = _interval(lambda th, rows=rows, m=m: conformal_pvalue(y1[rows], y0[rows], m, th, q, penalty),
                                e_c, spread, alpha)
    return ConformalResult(p_value=p0, ci_low=lo, ci_high=hi, floor=1.0 / len(y1), per_year=per)
