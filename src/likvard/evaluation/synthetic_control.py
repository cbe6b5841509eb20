"""Synthetic control for one treated school (Abadie, Diamond & Hainmueller 2010; Abadie 2021,
*JEL* 59:391-425).

Weights W on the simplex reproduce the treated school's pre-period outcomes from donors':
W = argmin ||Y1_pre - Y0_pre W||^2 + lam * sum_j W_j ||Y1_pre - Y0j_pre||^2 (``lam`` > 0 is the
penalised synthetic control of Abadie & L'Hour 2021, which keeps the weights unique and local
when the treated school lies inside the donors' convex hull, as it does with many donors and
few pre-years). Effect in post year t: tau_t = Y1t - sum_j W_j Yjt; the estimate is the mean of
tau_t over the post-years.

``nested_v_weights`` is the ADH variant with predictor weights V: predictors X (here the
pre-period outcomes, each scaled by its standard deviation across schools), W(V) =
argmin (X1 - X0 W)' V (X1 - X0 W), and V (diagonal, on the simplex) chosen to minimise the
pre-period outcome MSPE of W(V) (Abadie & Gardeazabal 2003; the "nested" optimisation of R
Synth and pysyncon).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from likvard.evaluation.simplex import simplex_weights

DEFAULT_PENALTY = 0.01
"""Abadie-L'Hour penalty lam (dimensionless: relative weight of each donor's own distance)."""


@dataclass(frozen=True)
class SCFit:
    """Weights over ``donors`` (row indices), the synthetic path over ``cols`` and the gaps."""

    donors: np.ndarray
    weights: np.ndarray
    cols: np.ndarray
    pre: np.ndarray  # bool over cols
    synthetic: np.ndarray
    gaps: np.ndarray

    @property
    def estimate(self) -> float:
        return float(self.gaps[~self.pre].mean())

    @property
    def pre_rmspe(self) -> float:
        return float(np.sqrt(np.mean(self.gaps[self.pre] ** 2)))

    @property
    def post_rmspe(self) -> float:
        return float(np.sqrt(np.mean(self.gaps[~self.pre] ** 2)))


def sc_weights(y1_pre: np.ndarray, y0_pre: np.ndarray, penalty: float = DEFAULT_PENALTY) -> np.ndarray:
    """Simplex weights (length J) for target ``y1_pre`` (T0,) and donors ``y0_pre`` (T0, J)."""
    return simplex_weights(y1_pre, y0_pre, penalty=penalty)


def fit_sc(y: np.ndarray, unit: int, donors: np.ndarray, cols: np.ndarray, pre: np.ndarray,
           penalty: float = DEFAULT_PENALTY) -> SCFit:
    """Synthetic control of row ``unit`` of ``y`` from rows ``donors`` over columns ``cols``
    (``pre`` marks the fit window); donors must be complete on ``cols``."""
    y1 = y[unit, cols]
    y0 = y[np.ix_(donors, cols)]
    w = sc_weights(y1[pre], y0[:, pre].T, penalty)
    synth = w @ y0
    return SCFit(donors=donors, weights=w, cols=cols, pre=pre, synthetic=synth, gaps=y1 - synth)


def nested_v_weights(x1: np.ndarray, x0: np.ndarray, z1: np.ndarray, z0: np.ndarray,
                     v_start: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """ADH weights with predictor weights V chosen to minimise the outcome MSPE (module docstring).

    ``x1`` (K,), ``x0`` (K, J) predictors; ``z1`` (T0,), ``z0`` (T0, J) pre-period outcomes.
    Predictors are scaled by their standard deviation over all units (as R Synth does).
    Returns ``(W, V)`` with V normalised to sum 1.
    """
    x = np.column_stack([x0, x1])
    sd = x.std(axis=1, ddof=1)
    sd[sd == 0] = 1.0
    xs0, xs1 = x0 / sd[:, None], x1 / sd
    k = len(x1)

    def w_of(v: np.ndarray) -> np.ndarray:
        root = np.sqrt(np.abs(v) / np.abs(v).sum())
        return simplex_weights(root * xs1, root[:, None] * xs0)

    def loss(v: np.ndarray) -> float:
        w = w_of(v)
        return float(np.mean((z1 - z0 @ w) ** 2))

    start = np.full(k, 1.0 / k) if v_start is None else np.asarray(v_start, float)
    res = minimize(loss, start, method="Nelder-Mead", options={"maxiter": 2000, "xatol": 1e-8, "fatol": 1e-12})
    best = res.x if res.fun <= loss(start) else start
    v = np.abs(best) / np.abs(best).sum()
    return w_of(v), v
