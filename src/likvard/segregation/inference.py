"""Uncertainty of the indices: bootstrap and the random-allocation baseline (seeded, reproducible).

* ``bootstrap``: the table is resampled as a multinomial sample of N = T students with the observed
  cell shares (Elbers 2023, R package ``segregation``: ``se = TRUE``). Reported: standard error
  (sd of the replicates), percentile interval, and the bias-corrected estimate 2 * est - mean(boot).
* ``random_baseline``: students are reallocated at random to schools keeping every school's size and
  every group's total, giving the segregation that chance alone produces with these school sizes
  (large for small schools). A random allocation is drawn school by school: school i's group counts
  are multivariate hypergeometric given its size and the students not yet allocated, drawn as
  K - 1 univariate hypergeometric counts (each group against the groups after it; NumPy's HRUA
  method, ``_random.hypergeometric``). This is the distribution of the counts under a random
  permutation of the students, at a cost of schools x groups draws per replication instead of one
  per student.
* ``expected_m_random``: the exact expectation of M under random allocation. By linearity,
  E[M] = (1/T) sum_i sum_k (E[X_ik ln X_ik] - E[X_ik] ln(t_i T_k / T)), where X_ik, the students
  of group k in school i, is hypergeometric (T students, T_k of group k, t_i drawn), so E[X_ik] =
  t_i T_k / T and E[X ln X] is a finite sum over its support (schools of equal size share it).
  The closed form (U - 1)(K - 1) / (2 (N - 1)) (Pearson's X^2 has exact expectation (U - 1)(K - 1)
  N / (N - 1), and 2 N M = G^2 ~ X^2; Theil 1971) is the large-school limit; it underestimates
  E[M] for small schools (by about 14 % at 2-5 students per school) and is still given as
  ``expected_closed_form``.

Counts are rounded to whole students for the random allocation. Every function takes ``seed``;
bootstrap replicate r uses its own stream derived from ``seed`` with ``numpy.random.SeedSequence``
(xoshiro256+, see ``_random``), so the same seed gives the same numbers on any number of threads.
M is reported in the unit of ``log_base`` (e: nats; 2: bits).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from numba import njit, prange

from likvard.defaults import LEVEL, LOG_BASE, N_REPLICATIONS, SEED
from likvard.errors import ParameterError
from likvard.segregation._kernels import N_MULTI, SCALAR_NAMES, scalar_indices
from likvard.segregation._random import (
    hypergeometric,
    poisson,
    poisson_constants,
    replicate_states,
    uniform,
)
from likvard.segregation._table import count_array
from likvard.validation import (
    CountTable,
    Level,
    LogBase,
    Real,
    Replications,
    Seed,
    validate_params,
)

_M = SCALAR_NAMES.index("mutual_information")
_H = SCALAR_NAMES.index("theil_h")


@njit(cache=True)
def _multinomial(
    flat_p: np.ndarray, cum_p: np.ndarray, N: int, consts: np.ndarray, s: np.ndarray
) -> np.ndarray:
    """One multinomial(N, flat_p) draw, exactly, via Poisson counts and a correction.

    Independent Poisson(N p_j) counts with total S are multinomial(S, p) given S. If S < N, adding
    N - S independent draws from p, and if S > N, removing S - N of the S drawn students uniformly
    at random (rejection on the initial counts), gives an exact multinomial(N, p) draw. Cost
    O(cells + sqrt(N) log cells) instead of one binomial draw per cell. ``consts`` =
    ``poisson_constants(N * flat_p)``, ``s`` the replicate's random state.
    """
    ncell = flat_p.shape[0]
    table = np.zeros(ncell)
    S = 0
    for j in range(ncell):
        if flat_p[j] > 0.0:
            d = poisson(N * flat_p[j], consts[j], s)
            table[j] = d
            S += d
    if S < N:
        for _ in range(N - S):
            j = np.searchsorted(cum_p, uniform(s) * cum_p[-1], side="right")
            if j >= ncell:
                j = ncell - 1
            while flat_p[j] <= 0.0:  # landed on an empty cell at a float boundary
                j -= 1
            table[j] += 1.0
    elif S > N:
        initial = table.copy()
        cum = np.cumsum(initial)
        removed = 0
        while removed < S - N:
            j = np.searchsorted(cum, uniform(s) * cum[-1], side="right")
            if j >= ncell:
                j = ncell - 1
            if initial[j] > 0.0 and uniform(s) * initial[j] < table[j]:
                table[j] -= 1.0
                removed += 1
    return table


@njit(parallel=True, cache=True)
def _bootstrap_kernel(
    flat_p: np.ndarray, shape0: int, shape1: int, N: int, states: np.ndarray, b: float
):
    n_rep = states.shape[0]
    out = np.empty((n_rep, len(SCALAR_NAMES)))
    cum_p = np.cumsum(flat_p)
    consts = poisson_constants(N * flat_p)
    for r in prange(n_rep):
        s = states[r].copy()
        table = _multinomial(flat_p, cum_p, N, consts, s)
        out[r] = scalar_indices(table.reshape((shape0, shape1)), b)
    return out


def _names(arr: np.ndarray) -> tuple[str, ...]:
    return SCALAR_NAMES if arr.shape[1] == 2 else SCALAR_NAMES[:N_MULTI]


def _scaled(values: np.ndarray, log_base: float) -> np.ndarray:
    out = values.copy()
    out[..., _M] /= math.log(log_base)
    return out


_COMMON: dict[str, Callable[[Any, str], Any]] = {
    "counts": CountTable(),
    "n_replications": Replications(2),
    "seed": Seed(),
    "atkinson_b": Real(0.0, 1.0, max_open=True),
    "log_base": LogBase(),
}


@validate_params(**_COMMON)
def bootstrap_replicates(
    counts: pd.DataFrame,
    *,
    n_replications: int = N_REPLICATIONS,
    seed: int = SEED,
    atkinson_b: float = 0.5,
    log_base: float = LOG_BASE,
) -> pd.DataFrame:
    """One row per bootstrap replicate, one column per index (M in the unit of ``log_base``)."""
    arr = count_array(counts)
    N = round(arr.sum())
    if N <= 0:
        raise ParameterError("counts", "tabellen har inga elever; det finns inget att dra om.")
    flat_p = (arr / arr.sum()).ravel()
    reps = _bootstrap_kernel(
        flat_p, arr.shape[0], arr.shape[1], N, replicate_states(seed, n_replications), atkinson_b
    )
    names = _names(arr)
    return pd.DataFrame(_scaled(reps, log_base)[:, : len(names)], columns=list(names))


@validate_params(**_COMMON, level=Level())
def bootstrap(
    counts: pd.DataFrame,
    *,
    n_replications: int = N_REPLICATIONS,
    seed: int = SEED,
    level: float = LEVEL,
    atkinson_b: float = 0.5,
    log_base: float = LOG_BASE,
) -> pd.DataFrame:
    """Bootstrap summary per index (rows): ``estimate, boot_mean, se, bias_corrected, ci_low, ci_high``.

    The interval is the percentile interval of the replicates at ``level``; ``bias_corrected`` =
    2 * estimate - boot_mean. Same ``seed`` -> same numbers.
    """
    arr = count_array(counts)
    est = _scaled(scalar_indices(arr, atkinson_b), log_base)
    reps = bootstrap_replicates(
        counts, n_replications=n_replications, seed=seed, atkinson_b=atkinson_b, log_base=log_base
    )
    alpha = (1.0 - level) / 2.0
    values = reps.to_numpy()
    summary = pd.DataFrame(
        {
            "estimate": est[: values.shape[1]],
            "boot_mean": values.mean(axis=0),
            "se": values.std(axis=0, ddof=1),
            "ci_low": np.quantile(values, alpha, axis=0),
            "ci_high": np.quantile(values, 1.0 - alpha, axis=0),
        },
        index=pd.Index(reps.columns, name="index"),
    )
    summary["bias_corrected"] = 2.0 * summary["estimate"] - summary["boot_mean"]
    return summary[["estimate", "boot_mean", "se", "bias_corrected", "ci_low", "ci_high"]]


@njit(cache=True)
def _x_log_x_means(T: int, Tk: int, sizes: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """E[X ln X] for X hypergeometric (T items, Tk marked, t drawn) for every draw size t in
    ``sizes``: the support is walked from the mode outwards with the ratio of consecutive
    probabilities, p(x + 1) / p(x) = (Tk - x)(t - x) / ((x + 1)(T - Tk - t + x + 1)), starting from
    p(mode) = 1 and dividing by the sum of the walked probabilities (no log-factorials, so no
    cancellation at large T); each walk stops where a probability falls below 1e-20 of the sum
    (beyond the mode they fall off geometrically)."""
    out = np.zeros(sizes.shape[0])
    for i in range(sizes.shape[0]):
        t = sizes[i]
        lo = max(0, t - (T - Tk))
        hi = min(t, Tk)
        if hi < 1:
            continue
        m = min(max(((t + 1) * (Tk + 1)) // (T + 2), lo), hi)  # the mode, inside the support
        mass = 1.0
        total = m * math.log(m) if m > 0 else 0.0
        p = 1.0
        for x in range(m, hi):  # upwards: p(x) -> p(x + 1)
            p *= (Tk - x) * 1.0 * (t - x) / ((x + 1.0) * (T - Tk - t + x + 1.0))
            mass += p
            total += p * (x + 1) * math.log(x + 1.0)
            if p < 1e-20 * mass:
                break
        p = 1.0
        for x in range(m, lo, -1):  # downwards: p(x) -> p(x - 1)
            p *= x * 1.0 * (T - Tk - t + x) / ((Tk - x + 1.0) * (t - x + 1.0))
            mass += p
            if x > 1:
                total += p * (x - 1) * math.log(x - 1.0)
            if p < 1e-20 * mass:
                break
        out[i] = total / mass
    return out


def _whole(counts: pd.DataFrame) -> np.ndarray:
    return np.rint(count_array(counts)).astype(np.int64)


@validate_params(counts=CountTable(), log_base=LogBase())
def expected_m_random(counts: pd.DataFrame, *, log_base: float = LOG_BASE) -> float:
    """Exact E[M] under random allocation (see the module docstring), counts rounded to whole
    students; NaN with fewer than two groups or two students."""
    arr = _whole(counts)
    t = arr.sum(axis=1)
    G = arr.sum(axis=0)
    T = int(G.sum())
    G = G[G > 0]
    t = t[t > 0]
    if T <= 1 or len(G) < 2:
        return float("nan")
    sizes, n_schools = np.unique(t, return_counts=True)
    total = 0.0
    for Tk in G.tolist():
        mean_x = sizes * Tk / T
        total += float(np.sum(n_schools * (_x_log_x_means(T, Tk, sizes) - mean_x * np.log(mean_x))))
    return max(total / T, 0.0) / math.log(log_base)


def expected_m_closed_form(counts: pd.DataFrame, *, log_base: float = LOG_BASE) -> float:
    """The large-school approximation (U - 1)(K - 1) / (2 (N - 1)) of E[M] (module docstring)."""
    arr = count_array(counts)
    N = arr.sum()
    U = int((arr.sum(axis=1) > 0).sum())
    K = int((arr.sum(axis=0) > 0).sum())
    if N <= 1 or K < 2:
        return float("nan")
    return (U - 1) * (K - 1) / (2.0 * (N - 1.0)) / math.log(log_base)


@njit(cache=True)
def _allocate(sizes: np.ndarray, totals: np.ndarray, s: np.ndarray, table: np.ndarray) -> None:  # pragma: no cover
    """One random allocation into ``table`` (schools x groups), school by school."""
    K = totals.shape[0]
    remaining = totals.copy()
    for i in range(sizes.shape[0]):
        need = sizes[i]
        pool = 0
        for k in range(K):
            pool += remaining[k]
        for k in range(K):
            rk = remaining[k]
            pool -= rk  # the students of the groups after k
            x = need if k == K - 1 else hypergeometric(rk, pool, need, s)
            table[i, k] = x
            remaining[k] = rk - x
            need -= x


@njit(parallel=True, cache=True)
def _allocation_kernel(sizes, totals, states, b, keep_tables):  # pragma: no cover - compiled
    n_rep = states.shape[0]
    out = np.empty((n_rep, len(SCALAR_NAMES)))
    tables = np.zeros((n_rep if keep_tables else 1, sizes.shape[0], totals.shape[0]))
    for r in prange(n_rep):
        s = states[r].copy()
        table = np.zeros((sizes.shape[0], totals.shape[0]))
        _allocate(sizes, totals, s, table)
        out[r] = scalar_indices(table, b)
        if keep_tables:
            tables[r] = table
    return out, tables


def random_allocation_tables(sizes: np.ndarray, totals: np.ndarray, n_replications: int, seed: int) -> np.ndarray:
    """(n_replications, schools, groups) counts of random allocations of students with group totals
    ``totals`` to schools of ``sizes`` (sum(sizes) == sum(totals)), drawn school by school."""
    sizes = np.asarray(sizes, dtype=np.int64)
    totals = np.asarray(totals, dtype=np.int64)
    if sizes.sum() != totals.sum() or (sizes < 0).any() or (totals < 0).any():
        raise ParameterError("sizes", "skolornas storlekar och gruppernas antal måste vara ≥ 0 med samma summa.")
    _, tables = _allocation_kernel(sizes, totals, replicate_states(seed, n_replications), 0.5, True)
    return tables


@validate_params(**_COMMON)
def random_allocation_replicates(
    counts: pd.DataFrame,
    *,
    n_replications: int = N_REPLICATIONS,
    seed: int = SEED,
    atkinson_b: float = 0.5,
    log_base: float = LOG_BASE,
) -> pd.DataFrame:
    """Indices of ``n_replications`` random allocations keeping school sizes and group totals
    (counts rounded to whole students); M in the unit of ``log_base``."""
    arr = _whole(counts)
    reps, _ = _allocation_kernel(
        arr.sum(axis=1), arr.sum(axis=0), replicate_states(seed, n_replications), atkinson_b, False
    )
    names = _names(arr)
    return pd.DataFrame(_scaled(reps, log_base)[:, : len(names)], columns=list(names))


@validate_params(**_COMMON, level=Level())
def random_baseline(
    counts: pd.DataFrame,
    *,
    n_replications: int = N_REPLICATIONS,
    seed: int = SEED,
    level: float = LEVEL,
    atkinson_b: float = 0.5,
    log_base: float = LOG_BASE,
) -> pd.DataFrame:
    """Observed indices beside their distribution under random allocation.

    Rows = indices; columns ``observed, expected`` (mean over ``n_replications`` random
    allocations), ``random_low, random_high`` (percentile range at ``level``), ``excess``
    (observed - expected) and ``p_value`` (share of random allocations at least as segregated as
    observed). The rows ``mutual_information`` and ``theil_h`` also have ``expected_exact`` (the
    exact expectation, ``expected_m_random``) and ``expected_closed_form`` (its large-school
    approximation).
    """
    arr = count_array(counts)
    obs = _scaled(scalar_indices(arr, atkinson_b), log_base)
    reps = random_allocation_replicates(
        counts, n_replications=n_replications, seed=seed, atkinson_b=atkinson_b, log_base=log_base
    )
    values = reps.to_numpy()
    alpha = (1.0 - level) / 2.0
    out = pd.DataFrame(
        {
            "observed": obs[: values.shape[1]],
            "expected": values.mean(axis=0),
            "random_low": np.quantile(values, alpha, axis=0),
            "random_high": np.quantile(values, 1.0 - alpha, axis=0),
        },
        index=pd.Index(reps.columns, name="index"),
    )
    out["excess"] = out["observed"] - out["expected"]
    out["p_value"] = (values >= out["observed"].to_numpy()[None, :] - 1e-12).mean(axis=0)
    exact = expected_m_random(counts, log_base=log_base)
    closed = expected_m_closed_form(counts, log_base=log_base)
    G = arr.sum(axis=0)
    P = G[G > 0] / G.sum() if G.sum() > 0 else np.array([])
    entropy = float(-(P * np.log(P)).sum()) / math.log(log_base) if P.size else float("nan")
    out["expected_exact"] = np.nan
    out["expected_closed_form"] = np.nan
    out.loc["mutual_information", ["expected_exact", "expected_closed_form"]] = [exact, closed]
    if entropy > 0:
        out.loc["theil_h", ["expected_exact", "expected_closed_form"]] = [exact / entropy, closed / entropy]
    return out
