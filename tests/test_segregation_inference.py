"""Bootstrap and random-allocation baseline: reproducibility, calibration, exact expectation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from likvard.errors import ParameterError
from likvard.segregation import bootstrap, expected_m_random, indices, random_baseline
from likvard.segregation.inference import (
    expected_m_closed_form,
    random_allocation_replicates,
    random_allocation_tables,
)


def random_table(rng, n, k=3, high=60):
    arr = rng.integers(0, high, (n, k)).astype(float)
    arr[0] += 1
    return pd.DataFrame(arr, columns=[f"g{j}" for j in range(k)])


def test_same_seed_same_intervals_other_seed_differs():
    t = random_table(np.random.default_rng(1), 200)
    a = bootstrap(t, n_replications=200, seed=11)
    b = bootstrap(t, n_replications=200, seed=11)
    c = bootstrap(t, n_replications=200, seed=12)
    pd.testing.assert_frame_equal(a, b)
    assert not a["ci_low"].equals(c["ci_low"])
    r1 = random_baseline(t, n_replications=50, seed=3)
    r2 = random_baseline(t, n_replications=50, seed=3)
    pd.testing.assert_frame_equal(r1, r2)


def test_bootstrap_summary_definitions():
    t = random_table(np.random.default_rng(2), 150)
    s = bootstrap(t, n_replications=300, seed=5)
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
    se = bootstrap(sample, n_replications=400, seed=1).loc["dissimilarity", "se"]
    assert se == pytest.approx(np.std(true, ddof=1), rel=0.3)


def test_random_allocation_expectation_and_p_values():
    rng = np.random.default_rng(3)
    t = random_table(rng, 80, 3, high=30)
    t.iloc[:40, 0] += 40  # the first half of the schools hold most of group g0
    reps = random_allocation_replicates(t, n_replications=2000, seed=2)
    sim = reps["mutual_information"]
    assert expected_m_random(t) == pytest.approx(sim.mean(), abs=3 * sim.std() / np.sqrt(len(sim)))
    base = random_baseline(t, n_replications=200, seed=4)
    assert base.loc["mutual_information", "expected_exact"] == pytest.approx(expected_m_random(t))
    assert base.loc["mutual_information", "expected_closed_form"] == pytest.approx(expected_m_closed_form(t))
    assert base.loc["theil_h", "expected_exact"] == pytest.approx(
        expected_m_random(t) / indices(t)["entropy"]
    )
    np.testing.assert_allclose(base["excess"], base["observed"] - base["expected"])
    # a clearly segregated table is far from chance ...
    assert base.loc["mutual_information", "p_value"] == 0.0
    # ... a table drawn at random with a common composition is not
    sizes = rng.integers(5, 60, 80)
    chance = pd.DataFrame([rng.multinomial(s, [0.5, 0.3, 0.2]) for s in sizes], dtype=float)
    assert 0.01 < random_baseline(chance, n_replications=200, seed=4).loc["mutual_information", "p_value"]


def _all_allocations(sizes, totals):
    """Every distinct table of a random permutation of the students, with its probability."""
    import itertools
    from math import prod

    tables = []

    def rec(i, remaining, rows):
        if i == len(sizes):
            tables.append(np.array(rows, dtype=float))
            return
        for row in itertools.product(*(range(r + 1) for r in remaining)):
            if sum(row) == sizes[i]:
                rec(i + 1, [r - x for r, x in zip(remaining, row)], rows + [list(row)])

    rec(0, list(totals), [])
    T = sum(totals)
    out = []
    for tab in tables:  # P(table) = prod_k C(T_k; column k) / C(T; sizes), multinomial coefficients
        p = prod(
            math_factorial_ratio(int(totals[k]), tab[:, k]) for k in range(len(totals))
        ) / math_factorial_ratio(T, np.asarray(sizes))
        out.append((tab, p))
    assert sum(p for _, p in out) == pytest.approx(1.0)
    return out


def math_factorial_ratio(n, parts):
    from math import factorial

    out = factorial(n)
    for x in parts:
        out //= factorial(int(x))
    return out


def test_exact_expectation_equals_enumeration_of_every_allocation():
    sizes, totals = [2, 3, 2, 4], [5, 4, 2]
    allocations = _all_allocations(sizes, totals)
    exact = sum(p * indices(pd.DataFrame(tab))["mutual_information"] for tab, p in allocations)
    t = pd.DataFrame(np.array([[2, 0, 0], [1, 2, 0], [0, 1, 1], [2, 1, 1]], float))
    assert t.sum(axis=1).tolist() == sizes and t.sum(axis=0).tolist() == totals
    assert expected_m_random(t) == pytest.approx(exact, rel=1e-12)
    assert expected_m_random(t, log_base=2) == pytest.approx(exact / np.log(2), rel=1e-12)


def test_per_school_draws_have_the_distribution_of_a_permutation():
    sizes, totals = [2, 3, 2, 4], [5, 4, 2]
    allocations = _all_allocations(sizes, totals)
    probs = {tuple(tab.ravel()): p for tab, p in allocations}
    draws = random_allocation_tables(np.array(sizes), np.array(totals), 40_000, seed=8)
    assert (draws.sum(axis=2) == np.array(sizes)).all() and (draws.sum(axis=1) == np.array(totals)).all()
    keys, counts = np.unique(draws.reshape(len(draws), -1), axis=0, return_counts=True)
    seen = {tuple(k): c / len(draws) for k, c in zip(keys, counts)}
    assert set(seen) <= set(probs)
    # chi-square goodness of fit over every possible table
    expected = np.array([probs[k] for k in probs]) * len(draws)
    observed = np.array([seen.get(k, 0.0) for k in probs]) * len(draws)
    from scipy.stats import chi2

    stat = ((observed - expected) ** 2 / expected).sum()
    assert stat < chi2.ppf(0.999, len(probs) - 1)


def test_closed_form_underestimates_for_small_schools():
    # schools of 2-5 students: the closed form is about 14 % below the permutation mean
    rng = np.random.default_rng(21)
    sizes = rng.integers(2, 6, 400)
    t = pd.DataFrame([rng.multinomial(s, [0.4, 0.35, 0.25]) for s in sizes], dtype=float)
    perm = []
    labels = np.repeat(np.arange(3), t.sum(axis=0).astype(int))
    school = np.repeat(np.arange(len(t)), sizes)
    for _ in range(300):  # the plain reference: shuffle every student
        tab = np.zeros((len(t), 3))
        np.add.at(tab, (school, rng.permutation(labels)), 1.0)
        perm.append(indices(pd.DataFrame(tab))["mutual_information"])
    perm_mean = np.mean(perm)
    assert expected_m_random(t) == pytest.approx(perm_mean, abs=3 * np.std(perm) / np.sqrt(300))
    assert expected_m_closed_form(t) < 0.9 * expected_m_random(t)


def test_closed_form_hand_value_and_small_schools_give_more_chance_segregation():
    t = pd.DataFrame({"a": [5.0, 5.0, 5.0], "b": [5.0, 5.0, 5.0]})
    # (U-1)(K-1) / (2 (N-1)) = 2 * 1 / (2 * 29)
    assert expected_m_closed_form(t) == pytest.approx(1 / 29)
    big = pd.DataFrame({"a": [500.0] * 3, "b": [500.0] * 3})
    assert expected_m_random(big) < expected_m_random(t) / 50
    # large schools: the exact value approaches the closed form
    assert expected_m_random(big) == pytest.approx(expected_m_closed_form(big), rel=0.01)


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda t: bootstrap(t, level=95), "level"),
        (lambda t: bootstrap(t, n_replications=0), "n_replications"),
        (lambda t: bootstrap(t, n_replications=1), "n_replications"),
        (lambda t: bootstrap(t, seed=-1), "seed"),
        (lambda t: bootstrap(t, log_base=0), "log_base"),
        (lambda t: random_baseline(t, level=1.0), "level"),
        (lambda t: random_baseline(t, n_replications=2.5), "n_replications"),
        (lambda t: bootstrap(t, atkinson_b=1.0), "atkinson_b"),
        (lambda t: bootstrap(t, n=10), "n"),
        (lambda t: bootstrap(t.assign(g0=-1.0)), "counts"),
        (lambda t: bootstrap(t.astype(object).assign(g1="x")), "counts"),
        (lambda t: bootstrap(t * 0.0), "counts"),
    ],
)
def test_bad_arguments_name_the_parameter(call, parameter):
    t = random_table(np.random.default_rng(4), 10)
    with pytest.raises(ParameterError) as info:
        call(t)
    assert info.value.parameter == parameter
    assert str(info.value).startswith(f"Parametern {parameter}:")


def test_level_given_in_per_cent_gets_a_hint():
    t = random_table(np.random.default_rng(4), 10)
    with pytest.raises(ParameterError, match="0.95"):
        bootstrap(t, level=95)


def test_bootstrap_in_bits():
    t = random_table(np.random.default_rng(5), 30)
    nats = bootstrap(t, n_replications=50, seed=1)
    bits = bootstrap(t, n_replications=50, seed=1, log_base=2)
    np.testing.assert_allclose(bits.loc["mutual_information"], nats.loc["mutual_information"] / np.log(2))
    np.testing.assert_allclose(bits.loc["theil_h"], nats.loc["theil_h"])


@pytest.mark.parametrize(("good", "bad", "sample"), [(7, 5, 4), (30, 12, 25), (4000, 9000, 350), (50, 3, 45)])
def test_hypergeometric_draws_follow_the_hypergeometric_law(good, bad, sample):
    from numba import njit
    from scipy.stats import chi2, hypergeom

    from likvard.segregation._random import hypergeometric, replicate_states

    @njit
    def draws(n, state):
        s = state.copy()
        out = np.empty(n, np.int64)
        for r in range(n):
            out[r] = hypergeometric(good, bad, sample, s)
        return out

    x = draws(50_000, replicate_states(3, 1)[0])
    dist = hypergeom(good + bad, good, sample)
    support = np.arange(max(0, sample - bad), min(sample, good) + 1)
    expected = dist.pmf(support) * len(x)
    keep = expected >= 5  # pool the far tails
    observed = np.array([(x == v).sum() for v in support])
    obs = np.r_[observed[keep], observed[~keep].sum()]
    exp = np.r_[expected[keep], expected[~keep].sum()]
    obs, exp = obs[exp > 0], exp[exp > 0]
    assert x.min() >= support[0] and x.max() <= support[-1]
    assert ((obs - exp) ** 2 / exp).sum() < chi2.ppf(0.999, len(obs) - 1)


def test_expected_x_log_x_agrees_with_scipys_hypergeometric_distribution():
    from scipy.stats import hypergeom

    from likvard.segregation.inference import _x_log_x_means

    for T, Tk in [(60, 7), (500, 120), (41, 40), (12, 12), (98_000, 31_500), (98_000, 350)]:
        sizes = np.array([1, 3, 10, min(T, 37), min(T, 1_250), T])
        ref = []
        for t in sizes:
            x = np.arange(1, min(t, Tk) + 1)
            ref.append(float(np.sum(hypergeom.pmf(x, T, Tk, t) * x * np.log(x))))
        assert _x_log_x_means(T, Tk, sizes) == pytest.approx(ref, rel=1e-10, abs=1e-12)
