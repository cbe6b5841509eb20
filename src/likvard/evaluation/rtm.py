"""Regression to the mean: what a design would estimate without any intervention.

School-year outcomes of the pre-years follow the pooled school-effect model of
``likvard.expected.multilevel`` (random school intercepts, REML):
Y_it = mu_t + u_i + e_it, u_i ~ N(0, tau^2), e_it ~ N(0, sigma^2). Given a school's n_i pre-years,
its expected level afterwards is the grand mean plus the shrunken deviation,
E[Y_i,post] = mu + (1 - B_i)(Ybar_i,pre - mu), B_i = (sigma^2/n_i) / (sigma^2/n_i + tau^2):
a school chosen for its low results is expected to move B_i x (its baseline deviation) back
towards the mean by itself. The expected no-intervention estimate of a design is the design's
estimator applied to the panel whose post-years are replaced by these expectations for every
school in the comparison (the year effect mu_post is common to all schools and cancels in every
design with a comparison group; it is set to the mean of the pre-years' effects). For a
synthetic control this is B-weighted: (1 - B_1)(Ybar_1 - mu) - sum_j w_j (1 - B_j)(Ybar_j - mu).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from likvard.expected.multilevel import fit_random_intercept


@dataclass(frozen=True)
class MeanReversion:
    """Expected post-year level per unit (rows of the panel used), shrinkage B per unit."""

    expected_level: np.ndarray
    shrinkage: np.ndarray
    tau2: float
    sigma2: float


def mean_reversion(y: np.ndarray, rows: np.ndarray, pre_cols: np.ndarray) -> MeanReversion | None:
    """Fit the model on the pre-years of ``rows``; None when it cannot be fitted (fewer than
    three schools or two pre-years with data)."""
    sub = y[np.ix_(rows, pre_cols)]
    r, c = np.nonzero(~np.isnan(sub))
    if len(np.unique(r)) < 3 or len(pre_cols) < 2:
        return None
    vals = sub[r, c]
    x = np.zeros((len(vals), len(pre_cols)))
    x[:, 0] = 1.0
    for k in range(1, len(pre_cols)):
        x[c == k, k] = 1.0
    try:
        fit = fit_random_intercept(vals, x, r)
    except (ValueError, np.linalg.LinAlgError):
        return None
    year_effects = np.concatenate([[fit.beta[0]], fit.beta[0] + fit.beta[1:]])
    mu = float(year_effects.mean())
    effects = np.zeros(len(rows))
    shrink = np.ones(len(rows))
    groups = np.asarray(fit.groups, dtype=int)
    effects[groups] = fit.school_effects
    n = fit.n_per_group.astype(float)
    if fit.tau2 > 0:
        shrink[groups] = (fit.sigma2 / n) / (fit.sigma2 / n + fit.tau2)
    return MeanReversion(expected_level=mu + effects, shrinkage=shrink, tau2=float(fit.tau2), sigma2=float(fit.sigma2))


def predicted_panel(y: np.ndarray, rows: np.ndarray, post_cols: np.ndarray, mr: MeanReversion) -> np.ndarray:
    """Copy of ``y`` whose post columns of ``rows`` hold the expected levels (NaN kept NaN for
    treated cells that are missing, so the design uses the same cells)."""
    out = y.copy()
    for k, r in enumerate(rows):
        keep = ~np.isnan(y[r, post_cols])
        out[r, post_cols[keep]] = mr.expected_level[k]
    return out
