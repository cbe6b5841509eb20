"""Fast seeded random draws inside numba kernels: xoshiro256+ uniforms and Poisson draws.

* Uniforms: xoshiro256+ (Blackman & Vigna 2018), the top 53 bits as a double in [0, 1). Each
  bootstrap replicate gets its own 256-bit state from ``numpy.random.SeedSequence``.
* Poisson(lam): multiplication method for lam < 10 (Knuth), PTRS transformed rejection with
  squeeze for lam >= 10 (Hörmann 1993, the method NumPy uses). The per-cell constants of PTRS
  are computed once per table (``poisson_constants``), as the same rates are drawn in every replicate.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_U17 = np.uint64(17)
_U45 = np.uint64(45)
_U19 = np.uint64(19)
_U11 = np.uint64(11)
_TWO_M53 = 1.0 / 9007199254740992.0


def replicate_states(seed: int, n: int) -> np.ndarray:
    """(n, 4) uint64 xoshiro256+ states, one independent stream per replicate."""
    states = (
        np.random.SeedSequence(seed)
        .generate_state(4 * n, dtype=np.uint64)
        .reshape(n, 4)
    )
    states[(states == 0).all(axis=1), 0] = 1  # the all-zero state is invalid
    return states


@njit(inline="always")
def uniform(s: np.ndarray) -> float:
    """Next double in [0, 1) of the xoshiro256+ state ``s`` (updated in place)."""
    result = s[0] + s[3]
    t = s[1] << _U17
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = (s[3] << _U45) | (s[3] >> _U19)
    return float(result >> _U11) * _TWO_M53


@njit(cache=True)
def poisson_constants(lam: np.ndarray) -> np.ndarray:
    """Per-rate constants: exp(-lam) for lam < 10, else (ln lam, b, a, ln(1/alpha), v_r) of PTRS."""
    c = np.zeros((lam.shape[0], 5))
    for j in range(lam.shape[0]):
        x = lam[j]
        if x >= 10.0:
            b = 0.931 + 2.53 * math.sqrt(x)
            c[j, 0] = math.log(x)
            c[j, 1] = b
            c[j, 2] = -0.059 + 0.02483 * b
            c[j, 3] = math.log(1.1239 + 1.1328 / (b - 3.4))
            c[j, 4] = 0.9277 - 3.6224 / (b - 2.0)
        else:
            c[j, 0] = math.exp(-x)
    return c


@njit(cache=True)
def poisson(lam: float, c: np.ndarray, s: np.ndarray) -> int:
    """One Poisson(lam) draw; ``c`` = the row of ``poisson_constants`` for lam."""
    if lam <= 0.0:
        return 0
    if lam < 10.0:
        k = 0
        prod = uniform(s)
        while prod > c[0]:
            k += 1
            prod *= uniform(s)
        return k
    loglam, b, a, log_inv_alpha, vr = c[0], c[1], c[2], c[3], c[4]
    while True:
        u = uniform(s) - 0.5
        v = uniform(s)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return int(k)
        if k < 0 or (us < 0.013 and v > us):
            continue
        if math.log(v) + log_inv_alpha - math.log(
            a / (us * us) + b
        ) <= -lam + k * loglam - math.lgamma(k + 1.0):
            return int(k)
