"""Logistic regression by maximum likelihood (Newton–Raphson), for the need index and the
eligibility model.

For successes s_i out of n_i trials with covariates x_i, the log-likelihood
l(b) = sum_i s_i x_i'b − n_i log(1 + exp(x_i'b)) has gradient X'(s − n p) and Hessian
−X' diag(n p (1 − p)) X, p = expit(Xb). Newton's step from b = 0 converges quadratically to the
unique maximum when it exists (McCullagh and Nelder 1989, ch. 4: the same iterations as iteratively
reweighted least squares); the covariance of the estimate is the inverse of the information
X' diag(n p (1 − p)) X at the maximum. Individual 0/1 outcomes are the case n_i = 1. Without a
finite maximum (separation: a group with all or no successes along some direction) the steps
grow without bound and the fit reports ``converged = False``. The results equal statsmodels'
``GLM(..., family=Binomial())`` and ``Logit`` (the tests compare them); fitting here avoids
importing statsmodels (about half a second) for a few dozen Newton steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from likvard.errors import ParameterError


@dataclass(frozen=True)
class LogisticFit:
    """``params`` (one per column of X), ``cov`` (their covariance), ``converged`` and the
    number of Newton steps taken."""

    params: np.ndarray
    cov: np.ndarray
    converged: bool
    iterations: int


def expit(eta: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(−eta)), without overflow: exp(−log(1 + exp(−eta)))."""
    return np.exp(-np.logaddexp(0.0, -np.asarray(eta, dtype=float)))


def fit_logistic(x: np.ndarray, successes: np.ndarray, trials: np.ndarray | None = None, *,
                 maxiter: int = 100, tol: float = 1e-10) -> LogisticFit:
    """Maximum-likelihood logistic regression of ``successes`` out of ``trials`` (1 each when
    None) on the columns of ``x`` (see the module docstring)."""
    x = np.asarray(x, dtype=float)
    s = np.asarray(successes, dtype=float)
    n = np.ones_like(s) if trials is None else np.asarray(trials, dtype=float)
    if x.ndim != 2 or s.shape != (x.shape[0],) or n.shape != s.shape:
        raise ParameterError("x", "x ska vara en matris med en rad per utfall i successes och trials.")
    if not (np.isfinite(x).all() and np.isfinite(s).all() and np.isfinite(n).all()):
        raise ParameterError("x", "x, successes och trials får inte ha saknade eller oändliga värden.")
    if (s < 0).any() or (s > n).any():
        raise ParameterError("successes", "successes ska ligga mellan 0 och trials.")
    beta = np.zeros(x.shape[1])
    info = np.eye(x.shape[1])
    converged = False
    k = 0
    for k in range(1, maxiter + 1):
        p = expit(x @ beta)
        info = (x * (n * p * (1.0 - p))[:, None]).T @ x
        grad = x.T @ (s - n * p)
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            break
        beta = beta + step
        if not np.isfinite(beta).all():
            break
        if np.max(np.abs(step)) <= tol * (1.0 + np.max(np.abs(beta))):
            converged = True
            p = expit(x @ beta)
            info = (x * (n * p * (1.0 - p))[:, None]).T @ x
            break
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        cov = np.full_like(info, np.inf)
        converged = False
    return LogisticFit(params=beta, cov=cov, converged=converged, iterations=k)
