"""Placebo inference: the effect estimate set against the same design run on untreated schools.

In-space placebos (Abadie, Diamond & Hainmueller 2010; Abadie 2021, sec. 4): each untreated
school (or each set of as many untreated schools as were treated) is treated as if it had got
the intervention, with the other untreated schools as its comparison, and the design's
estimate is recorded. With placebo estimates t_1..t_B and the estimate t:

- p = (1 + #{|t_b| >= |t|}) / (B + 1); its floor is 1/(B + 1) (1/(J+1) with J donors);
- the level-``L`` interval is t +- q with q the k-th smallest |t_b|, k = ceil(L (B + 1)),
  the set of constant effects theta not rejected (Firpo & Possebom 2018): p <= 1 - L exactly
  when the interval excludes 0. If k > B the interval is unbounded.

Studentised form (used where the design has pre-period gaps): each estimate is divided by its
scale s = max(RMSPE_pre, m), m the median pre-period RMSPE of the placebo schools, so that a
treated school the comparison follows badly before the start (an extreme school, outside the
donors' range) gets a proportionally wider interval, t +- q s_1, with q now the critical value of
|t_b| / s_b; the floor m keeps a perfect pre-period fit from giving a spuriously narrow one.

``placebo_mde`` is the minimum detectable effect of exactly this test: the placebo estimates,
put on the treated school's scale (e_b = t_b s_1 / s_b, or t_b unstudentised) and symmetrised
({e_b} and {-e_b}), are the distribution of the estimate's error; the test rejects when |t| > q
(the interval's half-width above), so a true effect tau is found with probability 0.80 when
tau >= q + Q_0.80(e). For normal errors with SD sigma this is (z_{(1+L)/2} + z_0.80) sigma, the
MDE of Bloom (1995, *Evaluation Review* 19:547-556); unlike that formula it uses the critical
value the verdict rests on, so a school the comparison follows badly gets the larger MDE its
wider interval implies.

``rmspe_ratio_pvalue`` is Abadie's statistic r = RMSPE_post / RMSPE_pre with
p = (1/(J+1)) sum_j 1{r_j >= r_1} (treated school included). For sets of several schools the
placebo estimate is the mean of the member schools' own placebo estimates (Cavallo, Galiani,
Noy & Pantano 2013, *REStat* 95:1549-1561).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np


@dataclass(frozen=True)
class PlaceboInference:
    """p-value, interval (None = unbounded), floor and the placebo estimates used."""

    p_value: float
    ci_low: float | None
    ci_high: float | None
    floor: float
    placebos: np.ndarray
    critical: float | None


def placebo_inference(estimate: float, placebos: np.ndarray, level: float, scale: float | None = None,
                      placebo_scales: np.ndarray | None = None) -> PlaceboInference:
    """Test and interval of the module docstring from placebo estimates (studentised when the
    scales are given: ``scale`` of the estimate, ``placebo_scales`` of the placebos)."""
    t = np.asarray(placebos, dtype=float)
    if placebo_scales is not None and scale is not None:
        s_b = np.asarray(placebo_scales, dtype=float)
        floor_s = float(np.median(s_b[np.isfinite(s_b)])) if np.isfinite(s_b).any() else 1.0
        s_b = np.maximum(s_b, floor_s)
        s_1 = max(float(scale), floor_s)
    else:
        s_b = np.ones(len(t))
        s_1 = 1.0
    ok = np.isfinite(t) & np.isfinite(s_b) & (s_b > 0)
    t, s_b = t[ok], s_b[ok]
    b = len(t)
    floor = 1.0 / (b + 1)
    a = np.sort(np.abs(t) / s_b)
    stat = abs(estimate) / s_1
    tol = 1e-9 * max(1.0, stat)
    p = (1 + int(np.sum(a >= stat - tol))) / (b + 1)
    k = math.ceil(level * (b + 1) - 1e-9)
    if b == 0 or k > b:
        return PlaceboInference(p, None, None, floor, t, None)
    q = float(a[k - 1]) * s_1
    return PlaceboInference(p, estimate - q, estimate + q, floor, t, q)


def placebo_mde(placebos: np.ndarray, level: float, scale: float | None = None,
                placebo_scales: np.ndarray | None = None, power: float = 0.80) -> float | None:
    """Minimum detectable effect of the placebo test (module docstring); None when the interval
    cannot be bounded (too few placebos for ``level``)."""
    inf = placebo_inference(0.0, placebos, level, scale, placebo_scales)
    if inf.critical is None:
        return None
    t = np.asarray(placebos, dtype=float)
    if placebo_scales is not None and scale is not None:
        s_b = np.asarray(placebo_scales, dtype=float)
        floor_s = float(np.median(s_b[np.isfinite(s_b)])) if np.isfinite(s_b).any() else 1.0
        s_b = np.maximum(s_b, floor_s)
        errors = t * max(float(scale), floor_s) / s_b
    else:
        errors = t
    errors = errors[np.isfinite(errors)]
    sym = np.concatenate([errors, -errors])
    return float(inf.critical + np.quantile(sym, power))


def rmspe_ratio_pvalue(treated_ratio: float, placebo_ratios: np.ndarray) -> float:
    """Abadie's p-value from post/pre RMSPE ratios (module docstring)."""
    r = np.asarray(placebo_ratios, dtype=float)
    return float((1 + np.sum(r >= treated_ratio)) / (len(r) + 1))


def set_means(unit_estimates: np.ndarray, k: int, rng: np.random.Generator, max_sets: int = 2000) -> np.ndarray:
    """Placebo estimates for sets of ``k`` schools: means over every k-subset when there are at
    most ``max_sets`` of them, else over ``max_sets`` random k-subsets."""
    e = np.asarray(unit_estimates, dtype=float)
    n = len(e)
    if k <= 0 or n < k:
        return np.zeros(0)
    if k == 1:
        return e.copy()
    if math.comb(n, k) <= max_sets:
        idx = np.array(list(combinations(range(n), k)))
    else:
        idx = np.array([rng.choice(n, k, replace=False) for _ in range(max_sets)])
    return e[idx].mean(axis=1)
