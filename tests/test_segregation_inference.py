"""Bootstrap and random-allocation baseline: reproducibility, calibration, closed form."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from likvard.segregation import bootstrap, expected_m_random, indices, random_baseline
from likvard.segregation.inference import (
    random_allocation_replicates,
)


def random_table(rng, n, k=3, high=60):
    arr = rng.integers(0, high, (n, k)).astype(float)
    arr[0] += 1
    return pd.DataFrame(arr, columns=[f"g{j}" for j in range(k)])


def test_same_seed_same_intervals_other_seed_differs():
    t = random_table(np.random.default_rng(1), 200)
    a = bootstrap(t, n=200, seed=11)
    b = bootstrap(t, n=200, seed=11)
    c = bootstrap(t, n=200, seed=12)
    pd.testing.assert_frame_equal(a, b)
    assert not a["ci_low"].equals(c["ci_low"])
    r1 = random_baseline(t, n=50, seed=3)
    r2 = random_baseline(t, n=50, seed=3)
    pd.testing.assert_frame_equal(r1, r2)


def test_bootstrap_summary_definitions():
    t = random_table(np.random.default_rng(2), 150)
    s = bootstrap(t, n=300, seed=5)
    est = indices(t)
    for name in s.index:
        assert s.loc[name, "estimate"] == pytest.approx(est[name])
    np.testing.assert_allclose(s["bias_corrected"], 2 * s["estimate"] - s["boot_mean"])
    assert (s["ci_low"] <= s["boot_mean"]).all() and (
        s["boot_mean"] <= s["ci_high"]
    ).all()
    # plug-in M is biased upwards; the bootstrap sees it (Elbers 2023)
    assert (
        s.loc["mutual_information", "boot_mean"]
        > s.loc["mutual_information", "estimate"]
    )


def test_bootstrap_draws_are_multinomial():
    """Cell means, variances and covariances of the resampled tables match multinomial(N, p)."""
    from numba import njit

    from likvard.segregation._random import poisson_constants, replicate_states
    from likvard.segregation.inference import _multinomial

    @njit
    def draws(p, N, states):
        out = np.empty((states.shape[0], p.shape[0]))
        cum = np.cumsum(p)
        consts = poisson_constants(N * p)
        for r in range(states.shape[0]):
            s = states[r].copy()
            out[r] = _multinomial(p, cum, N, consts, s)
        return out

    for p, N in [
        (np.array([0.5, 0.3, 0.15, 0.05, 0.0]), 400),
        (np.array([0.6, 0.4]), 12),
    ]:
        x = draws(p, N, replicate_states(5, 6000))
        assert (x.sum(axis=1) == N).all()
        assert (x[:, p == 0] == 0).all()
        np.testing.assert_allclose(x.mean(axis=0), N * p, rtol=0.02, atol=1e-12)
        np.testing.assert_allclose(x.var(axis=0), N * p * (1 - p), rtol=0.1, atol=1e-12)
        cov01 = np.cov(x[:, 0], x[:, 1])[0, 1]
        assert cov01 == pytest.approx(-N * p[0] * p[1], rel=0.15)


def test_poisson_draws_have_poisson_moments():
    from numba import njit

    from likvard.segregation._random import poisson, poisson_constants, replicate_states

    @njit
    def draws(lam, n, state):
        c = poisson_constants(lam)
        out = np.empty((n, lam.shape[0]))
        s = state.copy()
        for r in range(n):
            for j in range(lam.shape[0]):
                out[r, j] = poisson(lam[j], c[j], s)
        return out

    lam = np.array([0.3, 4.0, 9.9, 10.0, 57.0, 900.0])
    x = draws(lam, 40000, replicate_states(1, 1)[0])
    np.testing.assert_allclose(x.mean(axis=0), lam, rtol=0.02)
    np.testing.assert_allclose(x.var(axis=0), lam, rtol=0.05)
    # P(X = 0) for lam = 0.3 is exp(-0.3)
    assert (x[:, 0] == 0).mean() == pytest.approx(np.exp(-0.3), abs=0.01)


def test_bootstrap_se_of_dissimilarity_matches_simulation_from_truth():
    """Sampling students from a known population: the bootstrap se is close to the true se."""
    rng = np.random.default_rng(9)
    pop = random_table(rng, 60, 2, high=40)
    p = (pop.to_numpy() / pop.to_numpy().sum()).ravel()
    N = int(pop.to_numpy().sum())
    true = [
        indices(pd.DataFrame(rng.multinomial(N, p).reshape(60, 2).astype(float)))[
            "dissimilarity"
        ]
        for _ in range(300)
    ]
    sample = pd.DataFrame(rng.multinomial(N, p).reshape(60, 2).astype(float))
    se = bootstrap(sample, n=400, seed=1).loc["dissimilarity", "se"]
    assert se == pytest.approx(np.std(true, ddof=1), rel=0.3)


def test_random_allocation_closed_form_and_p_values():
    rng = np.random.default_rng(3)
    t = random_table(rng, 80, 3, high=30)
    t.iloc[:40, 0] += 40  # the first half of the schools hold most of group g0
    reps = random_allocation_replicates(t, n=400, seed=2)
    sim = reps["mutual_information"].mean()
    assert expected_m_random(t) == pytest.approx(sim, rel=0.1)
    base = random_baseline(t, n=200, seed=4)
    assert base.loc["mutual_information", "expected_closed_form"] == pytest.approx(
        expected_m_random(t)
    )
    np.testing.assert_allclose(base["excess"], base["observed"] - base["expected"])
    # a clearly segregated table is far from chance ...
    assert base.loc["mutual_information", "p_value"] == 0.0
    # ... a table drawn at random with a common composition is not
    sizes = rng.integers(5, 60, 80)
    chance = pd.DataFrame(
        [rng.multinomial(s, [0.5, 0.3, 0.2]) for s in sizes], dtype=float
    )
    assert (
        0.01
        < random_baseline(chance, n=200, seed=4).loc["mutual_information", "p_value"]
    )


def test_closed_form_hand_value_and_small_schools_give_more_chance_segregation():
    t = pd.DataFrame({"a": [5.0, 5.0, 5.0], "b": [5.0, 5.0, 5.0]})
    # (U-1)(K-1) / (2 (N-1)) = 2 * 1 / (2 * 29)
    assert expected_m_random(t) == pytest.approx(1 / 29)
    big = pd.DataFrame({"a": [500.0] * 3, "b": [500.0] * 3})
    assert expected_m_random(big) < expected_m_random(t) / 50
