"""Comparative interrupted time series (Somers, Zhu, Jacob & Bloom 2013, MDRC; Jacob et al.
2016, *Evaluation Review* 40:167-198).

Each school's own pre-period linear trend Y_it = a_i + b_i t is fitted on its pre-years and
projected; the deviation from it in post-year t is d_it = Y_it - (a_i + b_i t). The effect in
year t is the treated schools' mean deviation minus the comparison schools' mean deviation:
delta_t = mean_tr d_it - mean_co d_it. On a balanced panel this is the OLS coefficient of the
regression Y_it = alpha_i + beta_i t + sum_{k post} gamma_k 1{t = k}
+ sum_{k post} delta_k 1{t = k} D_i (tests compare with statsmodels). Needs at least 4 pre-years
(with fewer, a trend and its error cannot both be estimated with any confidence).
"""

from __future__ import annotations

import numpy as np

from likvard.errors import DataError

MIN_PRE_YEARS = 4


def trend_deviations(y: np.ndarray, years: np.ndarray, pre: np.ndarray) -> np.ndarray:
    """d_it for every unit (rows of ``y``, complete on the columns given) and column."""
    t = np.asarray(years, float)
    x = np.column_stack([np.ones(pre.sum()), t[pre]])
    coef, *_ = np.linalg.lstsq(x, y[:, pre].T, rcond=None)  # (2, units)
    fitted = coef[0][:, None] + coef[1][:, None] * t[None, :]
    return y - fitted


def cits_effects(y_tr: np.ndarray, y_co: np.ndarray, years: np.ndarray, pre: np.ndarray) -> np.ndarray:
    """delta_t over the post columns (module docstring); refuses fewer than 4 pre-years."""
    if pre.sum() < MIN_PRE_YEARS:
        raise DataError(f"Jämförande avbrutna tidsserier kräver minst {MIN_PRE_YEARS} förår; "
                        f"här finns {int(pre.sum())}.")
    d_tr = trend_deviations(np.atleast_2d(y_tr), years, pre)
    d_co = trend_deviations(y_co, years, pre)
    return (d_tr.mean(axis=0) - d_co.mean(axis=0))[~pre]
