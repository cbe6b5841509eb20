"""Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021,
*AER* 111:4088-4118), for schools treated from the same year.

With N_tr treated and N_co control schools, T0 pre-years and T1 post-years:
- noise sigma^2: sample variance of the first differences Y_i,t+1 - Y_it of the controls over
  the pre-years; zeta = (N_tr T1)^(1/4) sigma;
- unit weights: (omega0, omega) = argmin_{omega0, omega in simplex}
  sum_{t<=T0} (omega0 + sum_i omega_i Y_it - mean_tr Y_t)^2 + zeta^2 T0 ||omega||^2;
- time weights: (lambda0, lambda) = argmin_{lambda0, lambda in simplex}
  sum_i (lambda0 + sum_t lambda_t Y_it - mean_post Y_i)^2 + (1e-6 sigma)^2 N_co ||lambda||^2;
- tau = (mean_post Ybar_tr - lambda' Ybar_tr,pre) - sum_i omega_i (mean_post Y_i - lambda' Y_i,pre),
  and per post-year t the same with Ybar_tr,t and Y_it in place of the post means.
Variance by placebo (the paper's Algorithm 4): B times, N_tr controls are drawn as
pseudo-treated and the estimate is recomputed on the controls alone (the pseudo-treated left out
of the donor pool); V = (B - 1)/B * Var(tau_b). It needs N_co > N_tr. The intercepts are
removed by centring (over years for the unit weights, over schools for the time weights).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from likvard.errors import DataError
from likvard.evaluation.simplex import simplex_weights


@dataclass(frozen=True)
class SDIDFit:
    estimate: float
    per_year: np.ndarray  # over the post columns
    unit_weights: np.ndarray
    time_weights: np.ndarray
    counterfactual: np.ndarray  # treated mean minus effect, every column (pre: omega-weighted shifted path)


def sdid_fit(y_tr: np.ndarray, y_co: np.ndarray, n_pre: int) -> SDIDFit:
    """SDID on complete matrices ``y_tr`` (N_tr, T) and ``y_co`` (N_co, T); the first ``n_pre``
    columns are the pre-years."""
    y_tr = np.atleast_2d(np.asarray(y_tr, float))
    y_co = np.asarray(y_co, float)
    n_tr, t = y_tr.shape
    n_co = y_co.shape[0]
    n_post = t - n_pre
    pre_co, post_co = y_co[:, :n_pre], y_co[:, n_pre:]
    diffs = np.diff(pre_co, axis=1)
    sigma = float(np.std(diffs, ddof=1)) if diffs.size > 1 else 0.0
    zeta_w = (n_tr * n_post) ** 0.25 * sigma
    zeta_l = 1e-6 * sigma
    ybar = y_tr.mean(axis=0)
    # unit weights: rows = pre-years, columns = controls, centred over years (intercept omega0)
    a = pre_co.T - pre_co.T.mean(axis=0)
    b = ybar[:n_pre] - ybar[:n_pre].mean()
    omega = simplex_weights(b, a, ridge=zeta_w**2 * n_pre) if n_co > 1 else np.ones(1)
    # time weights: rows = controls, columns = pre-years, centred over schools (intercept lambda0)
    post_mean = post_co.mean(axis=1)
    at = pre_co - pre_co.mean(axis=0)
    bt = post_mean - post_mean.mean()
    lam = simplex_weights(bt, at, ridge=zeta_l**2 * n_co) if n_pre > 1 else np.ones(1)
    tr_base = float(lam @ ybar[:n_pre])
    co_base = float(omega @ (pre_co @ lam))
    per = (ybar[n_pre:] - tr_base) - (omega @ post_co - co_base)
    counterfactual = omega @ y_co + (tr_base - co_base)
    return SDIDFit(estimate=float(per.mean()), per_year=per, unit_weights=omega, time_weights=lam,
                   counterfactual=counterfactual)


def sdid_placebo(y_co: np.ndarray, n_pre: int, n_treated: int, rng: np.random.Generator,
                 replications: int = 200) -> np.ndarray:
    """Placebo estimates of Algorithm 4 (module docstring); refuses N_co <= N_tr."""
    n_co = y_co.shape[0]
    if n_co <= n_treated:
        raise DataError(f"Syntetisk DiD med placebovarians kräver fler jämförelseskolor än behandlade: "
                        f"{n_co} jämförelseskolor, {n_treated} behandlade.")
    out = np.empty(replications)
    for b in range(replications):
        perm = rng.permutation(n_co)
        out[b] = sdid_fit(y_co[perm[:n_treated]], y_co[perm[n_treated:]], n_pre).estimate
    return out


def placebo_se(placebos: np.ndarray) -> float:
    """sqrt((B - 1)/B * Var(tau_b)) (Algorithm 4)."""
    b = len(placebos)
    return float(np.sqrt((b - 1) / b * np.var(placebos, ddof=1))) if b > 1 else float("nan")
