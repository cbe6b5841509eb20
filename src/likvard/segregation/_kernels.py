"""Numba kernels: all scalar indices of one count table in O(n K log n).

Definitions are documented in :mod:`likvard.segregation.indices`. Rows with no students and
groups with no students are ignored (they carry no information about segregation).
"""

from __future__ import annotations

import numpy as np
from numba import njit

SCALAR_NAMES = (
    "dissimilarity",
    "gini",
    "mutual_information",
    "theil_h",
    "normalized_exposure",
    "relative_diversity",
    "squared_coefficient_of_variation",
    "atkinson",
    "hutchens",
    "correlation_ratio",
)
N_MULTI = 7  # the first seven are defined for any number of groups


@njit(cache=True)
def _order_unit_interval(p: np.ndarray) -> np.ndarray:
    """Indices sorting ``p`` (values in [0, 1]) ascending: bucket sort, O(n) for spread-out values."""
    m = p.shape[0]
    counts = np.zeros(m + 1, dtype=np.int64)
    bucket = np.empty(m, dtype=np.int64)
    for i in range(m):
        bi = int(p[i] * m)
        if bi >= m:
            bi = m - 1
        bi = max(bi, 0)
        bucket[i] = bi
        counts[bi + 1] += 1
    for j in range(m):
        counts[j + 1] += counts[j]
    starts = counts.copy()
    order = np.empty(m, dtype=np.int64)
    for i in range(m):
        order[starts[bucket[i]]] = i
        starts[bucket[i]] += 1
    for j in range(m):
        lo = counts[j]
        hi = counts[j + 1]
        size = hi - lo
        if size <= 1:
            continue
        if size <= 32:  # insertion sort of a small bucket
            for a in range(lo + 1, hi):
                item = order[a]
                v = p[item]
                c = a - 1
                while c >= lo and p[order[c]] > v:
                    order[c + 1] = order[c]
                    c -= 1
                order[c + 1] = item
        else:
            seg = order[lo:hi].copy()
            sub = np.argsort(p[seg])
            for a in range(size):
                order[lo + a] = seg[sub[a]]
    return order


@njit(cache=True)
def _weighted_abs_pair_sum(p: np.ndarray, w: np.ndarray) -> float:
    """sum_i sum_j w_i w_j |p_i - p_j| for p in [0, 1], by sorting (O(n log n), not O(n^2))."""
    order = _order_unit_interval(p)
    cum_w = 0.0
    cum_wp = 0.0
    total = 0.0
    for idx in range(order.shape[0]):
        i = order[idx]
        total += w[i] * (p[i] * cum_w - cum_wp)
        cum_w += w[i]
        cum_wp += w[i] * p[i]
    return 2.0 * total


@njit(cache=True)
def scalar_indices(c: np.ndarray, b: float) -> np.ndarray:
    """Vector of the indices in ``SCALAR_NAMES`` (natural log for M); NaN where undefined."""
    n, K = c.shape
    out = np.full(len(SCALAR_NAMES), np.nan)
    t = np.zeros(n)
    G = np.zeros(K)
    for i in range(n):
        for k in range(K):
            t[i] += c[i, k]
            G[k] += c[i, k]
    T = 0.0
    for k in range(K):
        T += G[k]
    if T <= 0.0:
        return out
    P = G / T
    Kn = 0
    Is = 0.0
    E = 0.0
    for k in range(K):
        if P[k] > 0.0:
            Kn += 1
            Is += P[k] * (1.0 - P[k])
            E -= P[k] * np.log(P[k])
    if Kn < 2:
        return out
    D = 0.0
    M = 0.0
    NE = 0.0
    RD = 0.0
    SCV = 0.0
    for i in range(n):
        ti = t[i]
        if ti <= 0.0:
            continue
        for k in range(K):
            if P[k] <= 0.0:
                continue
            p = c[i, k] / ti
            d = p - P[k]
            D += ti * abs(d)
            if c[i, k] > 0.0:
                M += c[i, k] * np.log(p / P[k])
            d2 = ti * d * d
            NE += d2 / (1.0 - P[k])
            RD += d2
            SCV += d2 / P[k]
    out[0] = D / (2.0 * T * Is)
    # Gini: only schools with students
    m = 0
    for i in range(n):
        if t[i] > 0.0:
            m += 1
    w = np.empty(m)
    pk = np.empty(m)
    gsum = 0.0
    for k in range(K):
        if P[k] <= 0.0:
            continue
        j = 0
        for i in range(n):
            if t[i] > 0.0:
                w[j] = t[i]
                pk[j] = c[i, k] / t[i]
                j += 1
        gsum += _weighted_abs_pair_sum(pk, w)
    out[1] = gsum / (2.0 * T * T * Is)
    out[2] = M / T
    out[3] = (M / T) / E
    out[4] = NE / T
    out[5] = RD / (T * Is)
    out[6] = SCV / (T * (Kn - 1))
    if K == 2:
        X = G[0]
        Y = G[1]
        P0 = P[0]
        a_sum = 0.0
        h_sum = 0.0
        xpx = 0.0
        for i in range(n):
            ti = t[i]
            if ti <= 0.0:
                continue
            pi = c[i, 0] / ti
            a_sum += (1.0 - pi) ** (1.0 - b) * pi**b * ti
            h_sum += np.sqrt((c[i, 0] / X) * (c[i, 1] / Y))
            xpx += (c[i, 0] / X) * pi
        out[7] = 1.0 - (P0 / (1.0 - P0)) * abs(a_sum / (P0 * T)) ** (1.0 / (1.0 - b))
        out[8] = 1.0 - h_sum
        out[9] = (xpx - P0) / (1.0 - P0)
    return out
