"""Linear model with random school intercepts, fitted by REML from grouped sufficient statistics.

Model (Laird and Ware 1982; Raudenbush and Bryk 2002, ch. 2-4):

    y_ij = x_ij' beta + u_j + e_ij,   u_j ~ N(0, tau^2),   e_ij ~ N(0, sigma^2).

With theta = tau^2 / sigma^2 and n_j students in school j, V_j = sigma^2 (I + theta 1 1') has
V_j^-1 = (I - w_j 1 1') / sigma^2 with w_j = theta / (1 + n_j theta), so everything the
likelihood needs comes from X'X, X'y, y'y and the per-school sums s_xj, s_yj:

    A(theta) = X'X - sum_j w_j s_xj s_xj',   b(theta) = X'y - sum_j w_j s_xj s_yj,
    beta(theta) = A^-1 b,   RSS(theta) = y'y - sum_j w_j s_yj^2 - b' beta,
    REML: l(theta) = -1/2 [(N-p) log(RSS/(N-p)) + sum_j log(1 + n_j theta) + log|A| + (N-p)(1 + log 2 pi)]
    ML:   l(theta) = -1/2 [N log(RSS/N) + sum_j log(1 + n_j theta) + N(1 + log 2 pi)]

(sigma^2 profiled out). One pass over the students builds the sums; the likelihood is then a
function of one scalar, maximised over log theta by a grid and Brent's method, each evaluation
O(J p^2) however many students there are. Fixed-effect covariance sigma^2 A^-1; school effects
(BLUPs) u_j = g_j (ybar_j - xbar_j' beta) with g_j = n_j theta / (1 + n_j theta) and posterior
variance sigma^2 w_j. statsmodels' ``MixedLM`` fits the same model (tests compare them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from likvard.errors import DataError, ParameterError
from likvard.validation import Array, Boolean, SeriesOrArray, validate_params

LOG_THETA_BOUNDS = (-18.0, 8.0)


@dataclass(frozen=True)
class RandomInterceptFit:
    """A fitted random-intercept model. ``groups`` are the school labels in the order of
    ``school_effects``; ``icc`` = tau^2 / (tau^2 + sigma^2), the share of the unexplained
    variation that lies between schools."""

    beta: np.ndarray
    cov_beta: np.ndarray
    sigma2: float
    tau2: float
    loglike: float
    reml: bool
    groups: np.ndarray
    n_per_group: np.ndarray
    school_effects: np.ndarray
    school_effect_var: np.ndarray
    n_obs: int

    @property
    def icc(self) -> float:
        return self.tau2 / (self.tau2 + self.sigma2)

    @property
    def se_beta(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov_beta))


@dataclass(frozen=True)
class _Sums:
    xtx: np.ndarray
    xty: np.ndarray
    yty: float
    sx: np.ndarray  # (J, p)
    sy: np.ndarray  # (J,)
    n: np.ndarray  # (J,)


def _sums(y: np.ndarray, x: np.ndarray, codes: np.ndarray, n_groups: int) -> _Sums:
    sx = np.column_stack([np.bincount(codes, weights=x[:, k], minlength=n_groups) for k in range(x.shape[1])])
    return _Sums(
        xtx=x.T @ x,
        xty=x.T @ y,
        yty=float(y @ y),
        sx=sx,
        sy=np.bincount(codes, weights=y, minlength=n_groups),
        n=np.bincount(codes, minlength=n_groups).astype(float),
    )


def _profile(s: _Sums, theta: float, n_obs: int, reml: bool) -> tuple[float, np.ndarray, np.ndarray, float]:
    """Profiled log-likelihood, beta, A and sigma^2 at ``theta``."""
    w = theta / (1.0 + s.n * theta)
    a = s.xtx - (s.sx * w[:, None]).T @ s.sx
    b = s.xty - s.sx.T @ (w * s.sy)
    chol = np.linalg.cholesky(a)
    beta = np.linalg.solve(chol.T, np.linalg.solve(chol, b))
    rss = s.yty - float(w @ s.sy**2) - float(b @ beta)
    p = len(beta)
    dof = n_obs - p if reml else n_obs
    sigma2 = max(rss, 1e-300) / dof
    logdet_v = float(np.log1p(s.n * theta).sum())
    ll = -0.5 * (dof * np.log(sigma2) + logdet_v + dof * (1.0 + np.log(2 * np.pi)))
    if reml:
        ll -= float(np.log(np.diag(chol)).sum())  # -1/2 log|A|
    return ll, beta, a, sigma2


@validate_params(y=Array(1, "f"), x=Array(2, "f"), groups=SeriesOrArray(), reml=Boolean())
def fit_random_intercept(y: np.ndarray, x: np.ndarray, groups: np.ndarray, *, reml: bool = True) -> RandomInterceptFit:
    """Fit ``y = x beta + u_group + e`` (see the module docstring). ``x`` must contain the intercept."""
    if len(y) != len(x) or len(groups) != len(y):
        raise ParameterError("groups", f"y, x och groups måste ha lika många rader ({len(y)}, {len(x)}, {len(groups)}).")
    codes, labels = pd.factorize(np.asarray(groups), sort=True)
    if (codes < 0).any():
        raise ParameterError("groups", "varje elev behöver en skola (saknade värden i groups).")
    if len(labels) < 2:
        raise DataError("Minst två skolor behövs för att skatta variationen mellan skolor.")
    s = _sums(y, x, codes, len(labels))
    if np.linalg.matrix_rank(s.xtx) < x.shape[1]:
        raise DataError("Designmatrisen har linjärt beroende kolumner (t.ex. en kategori som saknas helt).")
    n_obs = len(y)

    def neg(log_theta: float) -> float:
        return -_profile(s, float(np.exp(log_theta)), n_obs, reml)[0]

    grid = np.linspace(*LOG_THETA_BOUNDS, 53)
    values = np.array([neg(g) for g in grid])
    i = int(values.argmin())
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    if i == 0:  # boundary: tau^2 is (numerically) zero
        log_theta = grid[0]
    else:
        from scipy.optimize import minimize_scalar  # imported where a model is fitted

        res = minimize_scalar(neg, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10})
        log_theta = float(res.x) if res.fun <= values[i] else float(grid[i])
    theta = float(np.exp(log_theta)) if i > 0 else 0.0
    ll, beta, a, sigma2 = _profile(s, theta, n_obs, reml)
    cov_beta = sigma2 * np.linalg.inv(a)
    g = s.n * theta / (1.0 + s.n * theta)
    resid_mean = (s.sy - s.sx @ beta) / s.n
    return RandomInterceptFit(
        beta=beta,
        cov_beta=cov_beta,
        sigma2=sigma2,
        tau2=theta * sigma2,
        loglike=ll,
        reml=reml,
        groups=np.asarray(labels),
        n_per_group=s.n.astype(int),
        school_effects=g * resid_mean,
        school_effect_var=sigma2 * theta / (1.0 + s.n * theta),
        n_obs=n_obs,
    )
