"""Uncertainty of the indices: bootstrap and the random-allocation baseline (seeded, reproducible).

* ``bootstrap``: the table is resampled as a multinomial sample of N = T students with the observed
  cell shares (Elbers 2023, R package ``segregation``: ``se = TRUE``). Reported: standard error
  (sd of the replicates), percentile interval, and the bias-corrected estimate 2 * est - mean(boot).
* ``random_baseline``: students are reallocated at random to schools keeping every school's size and
  every group's total (a random permutation of the students), giving the segregation that chance
  alone produces with these school sizes (large for small schools).
* ``expected_m_random``: closed form for M under random allocation. Pearson's X^2 of a table
  with fixed margins has exact expectation (U - 1)(K - 1) N / (N - 1) under random allocation, and
  2 N M = G^2 ~ X^2 (Theil 1971; Elbers 2023), so E[M] ~ (U - 1)(K - 1) / (2 (N - 1)) nats
  (U schools and K groups with students).

Every function takes ``seed``; replicate r uses its own random stream derived from ``seed`` with
``numpy.random.SeedSequence`` (xoshiro256+ for the bootstrap, see ``_random``), so the same seed
gives the same numbers on any number of threads.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit, prange

from likvard.segregation._kernels import N_MULTI, SCALAR_NAMES, scalar_indices
from likvard.segregation._random import (
    poisson,
    poisson_constants,
    replicate_states,
    uniform,
)
from likvard.segregation._table import count_array
from likvard.segregation.indices import _check_b


def _replicate_seeds(seed: int, n: int) -> np.ndarray:
    return (
        np.random.SeedSequence(seed).generate_state(n, dtype=np.uint32).astype(np.int64)
    )


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


@njit(parallel=True, cache=True)
def _permutation_kernel(
    labels: np.ndarray,
    school_of: np.ndarray,
    n_schools: int,
    n_groups: int,
    seeds: np.ndarray,
    b: float,
):
    n_rep = seeds.shape[0]
    out = np.empty((n_rep, len(SCALAR_NAMES)))
    for r in prange(n_rep):
        np.random.seed(seeds[r])
        perm = labels.copy()
        np.random.shuffle(perm)
        table = np.zeros((n_schools, n_groups))
        for i in range(perm.shape[0]):
            table[school_of[i], perm[i]] += 1.0
        out[r] = scalar_indices(table, b)
    return out


def _names(arr: np.ndarray) -> tuple[str, ...]:
    return SCALAR_NAMES if arr.shape[1] == 2 else SCALAR_NAMES[:N_MULTI]


def bootstrap_replicates(
    counts: pd.DataFrame, n: int = 1000, seed: int = 0, atkinson_b: float = 0.5
) -> pd.DataFrame:
    """One row per bootstrap replicate, one column per index (M in nats)."""
    arr = count_array(counts)
    N = round(arr.sum())
    if N <= 0:
        raise ValueError("counts: the table has no students; nothing to resample")
    flat_p = (arr / arr.sum()).ravel()
    reps = _bootstrap_kernel(
        flat_p,
        arr.shape[0],
        arr.shape[1],
        N,
        replicate_states(seed, n),
        _check_b(atkinson_b),
    )
    names = _names(arr)
    return pd.DataFrame(reps[:, : len(names)], columns=list(names))


def bootstrap(
    counts: pd.DataFrame,
    n: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    atkinson_b: float = 0.5,
) -> pd.DataFrame:
    """Bootstrap summary per index (rows): ``estimate, boot_mean, se, bias_corrected, ci_low, ci_high``.

    The interval is the percentile interval of the replicates at ``level``; ``bias_corrected`` =
    2 * estimate - boot_mean. Same ``seed`` -> same numbers.
    """
    arr = count_array(counts)
    est = scalar_indices(arr, _check_b(atkinson_b))
    reps = bootstrap_replicates(counts, n=n, seed=seed, atkinson_b=atkinson_b)
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
    return summary[
        ["estimate", "boot_mean", "se", "bias_corrected", "ci_low", "ci_high"]
    ]


def expected_m_random(counts: pd.DataFrame) -> float:
    """Closed-form approximation of E[M] (nats) under random allocation: (U-1)(K-1) / (2 (N-1))."""
    arr = count_array(counts)
    N = arr.sum()
    U = int((arr.sum(axis=1) > 0).sum())
    K = int((arr.sum(axis=0) > 0).sum())
    if N <= 1 or K < 2:
        return float("nan")
    return (U - 1) * (K - 1) / (2.0 * (N - 1.0))


def random_allocation_replicates(
    counts: pd.DataFrame, n: int = 200, seed: int = 0, atkinson_b: float = 0.5
) -> pd.DataFrame:
    """Indices of ``n`` random allocations keeping school sizes and group totals (counts rounded)."""
    arr = np.rint(count_array(counts)).astype(np.int64)
    flat = arr.ravel()
    cell = np.repeat(np.arange(flat.size), flat)
    school_of = (cell // arr.shape[1]).astype(np.int64)
    labels = (cell % arr.shape[1]).astype(np.int64)
    reps = _permutation_kernel(
        labels,
        school_of,
        arr.shape[0],
        arr.shape[1],
        _replicate_seeds(seed, n),
        _check_b(atkinson_b),
    )
    names = _names(arr)
    return pd.DataFrame(reps[:, : len(names)], columns=list(names))


def random_baseline(
    counts: pd.DataFrame,
    n: int = 200,
    seed: int = 0,
    level: float = 0.95,
    atkinson_b: float = 0.5,
) -> pd.DataFrame:
    """Observed indices beside their distribution under random allocation.

    Rows = indices; columns ``observed, expected`` (mean over ``n`` random allocations),
    ``random_low, random_high`` (percentile range at ``level``), ``excess`` (observed - expected)
    and ``p_value`` (share of random allocations at least as segregated as observed). The row
    ``mutual_information`` also has ``expected_closed_form`` (see ``expected_m_random``).
    """
    arr = count_array(counts)
    obs = scalar_indices(arr, _check_b(atkinson_b))
    reps = random_allocation_replicates(counts, n=n, seed=seed, atkinson_b=atkinson_b)
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
    out["p_value"] = (values >= out["observed"].to_numpy()[None, :] - 1e-12).mean(
        axis=0
    )
    out["expected_closed_form"] = np.nan
    out.loc["mutual_information", "expected_closed_form"] = expected_m_random(counts)
    return out
