"""Staggered difference-in-differences (Callaway & Sant'Anna 2021, *J. Econometrics*
225:200-230), unconditional parallel trends, for schools treated from different years.

G_i is the first treated year of school i (never treated: G = inf). For a cohort g and year t:
ATT(g, t) = mean_{G=g}(Y_t - Y_{g-1}) - mean_{C}(Y_t - Y_{g-1}), with the comparison set C the
never-treated schools, or the not-yet-treated {i : G_i > t} (which includes the never-treated).
A treated school enters a cell only where both its Y_t and Y_{g-1} are observed; comparison
schools must be complete on the years used. Aggregation (the paper's eq. 3.10-3.11):
theta(g) = mean over post-years t >= g of ATT(g, t); overall theta = sum_g theta(g) P(G = g | G <= T)
with P(G = g) the share of treated schools in cohort g. Per event time e:
theta(e) = sum_g 1{g + e <= T} P(G = g | g + e <= T) ATT(g, g + e).

Inference for few treated schools is by randomisation over placebo assignments with the same
cohort structure (as many schools per start year as were treated) drawn among the never-treated
schools, computed on the never-treated schools alone (see ``likvard.evaluation.placebo``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CSFit:
    estimate: float
    att: dict[tuple[int, int], float]  # (cohort col, year col) -> ATT
    by_event: dict[int, float]
    by_cohort: dict[int, float]


def callaway_santanna(y: np.ndarray, cohort: np.ndarray, control: str = "notyet") -> CSFit:
    """CS on the outcome matrix ``y`` (units, T) with ``cohort`` = first treated column index per
    unit (-1 = never treated). ``control``: ``"notyet"`` or ``"never"``."""
    t_len = y.shape[1]
    never = cohort < 0
    cohorts = sorted(int(g) for g in np.unique(cohort[~never]))
    att: dict[tuple[int, int], float] = {}
    size: dict[int, int] = {}
    for g in cohorts:
        members = np.flatnonzero(cohort == g)
        size[g] = len(members)
        base = g - 1
        for t in range(g, t_len):
            if control == "never":
                comp = never.copy()
            else:
                comp = never | (cohort > t)
            comp &= cohort != g
            comp_rows = np.flatnonzero(comp & ~np.isnan(y[:, t]) & ~np.isnan(y[:, base]))
            tr = members[~np.isnan(y[members, t]) & ~np.isnan(y[members, base])]
            if len(comp_rows) == 0 or len(tr) == 0:
                continue
            att[(g, t)] = float(np.mean(y[tr, t] - y[tr, base]) - np.mean(y[comp_rows, t] - y[comp_rows, base]))
    by_cohort: dict[int, float] = {}
    for g in cohorts:
        vals = [v for (gg, _), v in att.items() if gg == g]
        if vals:
            by_cohort[g] = float(np.mean(vals))
    total = sum(size[g] for g in by_cohort)
    estimate = float(sum(by_cohort[g] * size[g] for g in by_cohort) / total) if total else float("nan")
    by_event: dict[int, float] = {}
    for e in range(t_len):
        cells = [(g, att[(g, g + e)]) for g in cohorts if (g, g + e) in att]
        if cells:
            w = np.array([size[g] for g, _ in cells], float)
            by_event[e] = float(np.dot(w / w.sum(), [v for _, v in cells]))
    return CSFit(estimate=estimate, att=att, by_event=by_event, by_cohort=by_cohort)


def placebo_assignments(n_units: int, cohort_sizes: dict[int, int], rng: np.random.Generator,
                        replications: int) -> list[np.ndarray]:
    """Random cohort vectors over ``n_units`` never-treated schools with the same number of
    schools per start column as ``cohort_sizes``."""
    k = sum(cohort_sizes.values())
    out = []
    labels = np.concatenate([np.full(s, g) for g, s in sorted(cohort_sizes.items())])
    for _ in range(replications):
        c = np.full(n_units, -1)
        c[rng.choice(n_units, k, replace=False)] = labels
        out.append(c)
    return out
