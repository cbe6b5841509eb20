"""Weights on the unit simplex: min_w ||y - A w||^2 + lam * sum_j w_j ||y - a_j||^2 + ridge ||w||^2,
subject to w_j >= 0 and sum_j w_j = 1.

``lam = 0, ridge = 0`` is the synthetic-control weight problem with all predictors equally
weighted (Abadie, Diamond & Hainmueller 2010; Chernozhukov, Wüthrich & Zhu 2021, eq. 4);
``lam > 0`` the penalised synthetic control of Abadie & L'Hour (2021, *JASA* 116:1817-1834,
eq. 5), which makes the weights unique and local when the treated unit lies inside the donors'
convex hull; ``ridge > 0`` the unit-weight problem of synthetic difference-in-differences
(Arkhangelsky et al. 2021, eq. 2.2).

Solved exactly by a primal active-set method (Lawson & Hanson 1974, ch. 23, adapted to the
simplex): the support S grows by the donor whose gradient most undercuts the multiplier of
the equality constraint, and the equality-constrained problem on S is solved by its KKT
system; a negative weight steps back and leaves S. Each step costs O(rows * J) for the
gradients plus a solve of size |S| + 1, so thousands of donors with a handful of pre-years
take microseconds (numba).
"""

from __future__ import annotations

import numpy as np
from numba import njit

RELATIVE_JITTER = 1e-10
"""Ridge added to the Gram matrix relative to its mean diagonal, so that KKT systems are
non-singular when the optimal face is not a single point."""


@njit(cache=True)
def _solve_support(at: np.ndarray, g: np.ndarray, s: np.ndarray, k: int, ridge: float) -> np.ndarray:
    """Minimiser of 1/2 z'(A_S'A_S + ridge I)z + g_S'z subject to 1'z = 1 (KKT system); ``at`` is
    A transposed (one row per donor)."""
    m = k + 1
    kkt = np.zeros((m, m))
    rhs = np.zeros(m)
    for i in range(k):
        ci = s[i]
        for j in range(i, k):
            cj = s[j]
            v = 0.0
            for r in range(at.shape[1]):
                v += at[ci, r] * at[cj, r]
            kkt[i, j] = v
            kkt[j, i] = v
        kkt[i, i] += ridge
        kkt[i, k] = 1.0
        kkt[k, i] = 1.0
        rhs[i] = -g[ci]
    rhs[k] = 1.0
    sol = np.linalg.solve(kkt, rhs)
    return sol[:k]


@njit(cache=True)
def _simplex_qp(a: np.ndarray, g: np.ndarray, ridge: float, max_iter: int) -> np.ndarray:
    """Minimise 1/2 w'(A'A + ridge I)w + g'w over the simplex (active set)."""
    rows, n = a.shape
    at = np.ascontiguousarray(a.T)  # one contiguous row per donor for the gradient loops
    w = np.zeros(n)
    # start at the best vertex
    best, best_val = 0, np.inf
    for j in range(n):
        v = 0.0
        for r in range(rows):
            v += at[j, r] * at[j, r]
        v = 0.5 * (v + ridge) + g[j]
        if v < best_val:
            best_val, best = v, j
    w[best] = 1.0
    s = np.zeros(n, dtype=np.int64)
    in_s = np.zeros(n, dtype=np.bool_)
    s[0] = best
    in_s[best] = True
    k = 1
    scale = 0.0
    for j in range(n):
        scale = max(scale, abs(g[j]))
    for r in range(rows):
        for j in range(n):
            scale = max(scale, at[j, r] * at[j, r])
    tol = 1e-11 * max(scale, 1e-300)
    aw = np.zeros(rows)
    for _ in range(max_iter):
        for r in range(rows):
            v = 0.0
            for i in range(k):
                v += at[s[i], r] * w[s[i]]
            aw[r] = v
        # gradient and multiplier (mean gradient on the support)
        mu = 0.0
        for i in range(k):
            j = s[i]
            gj = g[j] + ridge * w[j]
            for r in range(rows):
                gj += at[j, r] * aw[r]
            mu += gj
        mu /= k
        enter, most = -1, -tol
        for j in range(n):
            if in_s[j]:
                continue
            gj = g[j]
            for r in range(rows):
                gj += at[j, r] * aw[r]
            if gj - mu < most:
                most, enter = gj - mu, j
        if enter < 0:
            break
        s[k] = enter
        in_s[enter] = True
        k += 1
        # inner loop: equality-constrained solve on S, stepping back while a weight is negative
        for _inner in range(n + 1):
            z = _solve_support(at, g, s, k, ridge)
            neg = False
            for i in range(k):
                if z[i] <= 0.0:
                    neg = True
                    break
            if not neg:
                for i in range(k):
                    w[s[i]] = z[i]
                break
            step, leave = 1.0, -1
            for i in range(k):
                if z[i] <= 0.0:
                    wi = w[s[i]]
                    t = wi / (wi - z[i]) if wi - z[i] > 0 else 0.0
                    if t < step:
                        step, leave = t, i
            for i in range(k):
                w[s[i]] += step * (z[i] - w[s[i]])
            # drop every weight that reached zero (at least the blocking one)
            kk = 0
            for i in range(k):
                j = s[i]
                if i == leave or w[j] <= 1e-15:
                    w[j] = 0.0
                    in_s[j] = False
                else:
                    s[kk] = j
                    kk += 1
            k = kk
            if k == 0:  # cannot happen for a convex problem; keep a feasible point
                w[enter] = 1.0
                s[0] = enter
                in_s[enter] = True
                k = 1
                break
    total = 0.0
    for j in range(n):
        w[j] = max(w[j], 0.0)
        total += w[j]
    for j in range(n):
        w[j] /= total
    return w


def simplex_weights(y: np.ndarray, donors: np.ndarray, penalty: float = 0.0, ridge: float = 0.0) -> np.ndarray:
    """Weights w (length J) minimising the objective of the module docstring.

    ``y``: target vector (rows,), ``donors``: matrix (rows, J), one column per donor.
    """
    y = np.ascontiguousarray(y, dtype=float)
    a = np.ascontiguousarray(donors, dtype=float)
    if a.ndim != 2 or y.shape != (a.shape[0],):
        raise ValueError("donors must be (rows, J) and y (rows,)")
    if a.shape[1] == 1:
        return np.ones(1)
    g = -(a.T @ y)
    if penalty > 0:
        g = g + 0.5 * penalty * ((a - y[:, None]) ** 2).sum(axis=0)
    jitter = RELATIVE_JITTER * max(float((a * a).sum(axis=0).mean()), 1e-12)
    return _simplex_qp(a, g, ridge + jitter, 50 * a.shape[1] + 100)
