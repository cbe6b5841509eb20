"""Fast seeded random draws inside numba kernels: xoshiro256+ uniforms, Poisson and hypergeometric draws.

* Uniforms: xoshiro256+ (Blackman & Vigna 2018), the top 53 bits as a double in [0, 1). Each
  bootstrap replicate gets its own 256-bit state from ``numpy.random.SeedSequence``.
* Hypergeometric: NumPy's method (HRUA, Stadlober 1989) on these uniforms (``hypergeometric``).
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


_D1 = 1.7155277699214135  # 2 sqrt(2 / e), Stadlober (1989)
_D2 = 0.8989161620588988  # 3 - 2 sqrt(3 / e)


_LOG_FACTORIALS = np.array([math.lgamma(k + 1.0) for k in range(126)])
_HALF_LN_2PI = 0.9189385332046727


@njit(cache=True)
def _log_factorial(k: int) -> float:
    """ln k!: a table below 126, else Stirling's series to 1/k^3 (NumPy's ``logfactorial``)."""
    if k < 126:
        return _LOG_FACTORIALS[k]
    x = float(k)
    return (x + 0.5) * math.log(x) - x + (_HALF_LN_2PI + (1.0 / x) * (1.0 / 12.0 - 1.0 / (360.0 * x * x)))


@njit(cache=True)
def hypergeometric(good: int, bad: int, sample: int, s: np.ndarray) -> int:
    """One hypergeometric draw: marked items among ``sample`` drawn without replacement from
    ``good`` marked and ``bad`` unmarked ones. NumPy's method (``random_hypergeometric``):
    Stadlober's (1989) ratio-of-uniforms HRUA for 10 <= sample <= total - 10, otherwise drawing
    the smaller of the sample and its complement one item at a time. Arguments are not checked:
    0 <= sample <= good + bad."""
    total = good + bad
    if sample <= 0 or good <= 0:
        return 0
    if bad <= 0:
        return sample
    if sample < 10 or sample > total - 10:
        computed = total - sample if sample > total // 2 else sample
        remaining_total = total
        remaining_good = good
        while computed > 0 and remaining_good > 0 and remaining_total > remaining_good:
            remaining_total -= 1
            if int(uniform(s) * (remaining_total + 1)) < remaining_good:
                remaining_good -= 1
            computed -= 1
        if remaining_total == remaining_good:
            remaining_good -= computed
        return remaining_good if sample > total // 2 else good - remaining_good
    computed = min(sample, total - sample)
    mingb = min(good, bad)
    maxgb = max(good, bad)
    p = mingb / total
    q = maxgb / total
    mu = computed * p
    a = mu + 0.5
    var = (total - computed) * computed * p * q / (total - 1)
    c = math.sqrt(var + 0.5)
    h = _D1 * c + _D2
    m = math.floor((computed + 1) * (mingb + 1) / (total + 2))
    g = _log_factorial(m) + _log_factorial(mingb - m) + _log_factorial(computed - m) + _log_factorial(
        maxgb - computed + m
    )
    b = min(min(computed, mingb) + 1, math.floor(a + 16 * c))
    k = 0
    while True:
        u = uniform(s)
        v = uniform(s)
        if u <= 0.0:
            continue
        x = a + h * (v - 0.5) / u
        if x < 0.0 or x >= b:
            continue
        k = math.floor(x)
        gp = _log_factorial(k) + _log_factorial(mingb - k) + _log_factorial(computed - k) + _log_factorial(
            maxgb - computed + k
        )
        t = g - gp
        if u * (4.0 - u) - 3.0 <= t:
            break
        if u * (u - t) >= 1:
            continue
        if 2.0 * math.log(u) <= t:
            break
    if good > bad:
        k = computed - k
    if computed < sample:
        k = good - k
    return k
