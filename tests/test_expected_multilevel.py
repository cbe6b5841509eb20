"""The random-intercept estimator against statsmodels' MixedLM, and its properties."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from likvard.expected.multilevel import fit_random_intercept


def simulate(seed: int, n_groups: int = 60, tau: float = 2.0, sigma: float = 3.0, min_n: int = 1, max_n: int = 80):
    rng = np.random.default_rng(seed)
    n = rng.integers(min_n, max_n, n_groups)
    g = np.repeat(np.arange(n_groups), n)
    x = np.column_stack([np.ones(len(g)), rng.normal(size=len(g)), rng.random(len(g)) < 0.3])
    y = x @ np.array([1.0, 2.0, -1.0]) + rng.normal(0, tau, n_groups)[g] + rng.normal(0, sigma, len(g))
    return y, x.astype(float), g


@pytest.mark.parametrize("reml", [True, False])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_agrees_with_statsmodels(seed, reml):
    y, x, g = simulate(seed)
    ours = fit_random_intercept(y, x, g, reml=reml)
    ref = sm.MixedLM(y, x, groups=g).fit(reml=reml)
    # the same likelihood (constants included); ours is at least as high (statsmodels stops earlier)
    assert ours.loglike == pytest.approx(ref.llf, abs=1e-4)
    assert ours.loglike >= ref.llf - 1e-7
    np.testing.assert_allclose(ours.beta, ref.fe_params, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ours.se_beta, ref.bse_fe, rtol=1e-3)
    assert ours.tau2 == pytest.approx(float(np.asarray(ref.cov_re)[0, 0]), rel=2e-3)
    assert ours.sigma2 == pytest.approx(ref.scale, rel=1e-4)
    blups = np.array([ref.random_effects[k].iloc[0] for k in ours.groups])
    np.testing.assert_allclose(ours.school_effects, blups, atol=2e-3)


def test_boundary_without_school_variation():
    rng = np.random.default_rng(5)
    g = np.repeat(np.arange(40), 30)
    x = np.column_stack([np.ones(len(g)), rng.normal(size=len(g))])
    y = x @ np.array([3.0, 1.0]) + rng.normal(0, 1, len(g))
    ours = fit_random_intercept(y, x, g)
    ref = sm.MixedLM(y, x, groups=g).fit(reml=True)
    assert ours.tau2 < 0.01
    assert ours.loglike >= ref.llf - 1e-6
    np.testing.assert_allclose(ours.beta, ref.fe_params, atol=1e-3)


def test_gls_normal_equations_hold():
    """X' V^-1 (y - X beta) = 0: per school, the residual sum weighted by 1/(1 + n_j theta)."""
    y, x, g = simulate(7)
    f = fit_random_intercept(y, x, g)
    theta = f.tau2 / f.sigma2
    r = y - x @ f.beta
    w = theta / (1 + f.n_per_group * theta)
    sx = np.column_stack([np.bincount(g, weights=x[:, k]) for k in range(x.shape[1])])
    sr = np.bincount(g, weights=r)
    score = x.T @ r - sx.T @ (w * sr)
    np.testing.assert_allclose(score, 0.0, atol=1e-6 * np.abs(y).sum())


def test_scaling_and_shift_invariance():
    y, x, g = simulate(8)
    base = fit_random_intercept(y, x, g)
    scaled = fit_random_intercept(10 * y + 5, x, g)
    np.testing.assert_allclose(scaled.beta[1:], 10 * base.beta[1:], rtol=1e-5)
    assert scaled.beta[0] == pytest.approx(10 * base.beta[0] + 5, rel=1e-5)
    assert scaled.tau2 == pytest.approx(100 * base.tau2, rel=1e-4)
    assert scaled.sigma2 == pytest.approx(100 * base.sigma2, rel=1e-6)
    assert scaled.icc == pytest.approx(base.icc, rel=1e-4)
    # relabelling and reordering the schools changes nothing
    perm = np.random.default_rng(0).permutation(len(y))
    shuffled = fit_random_intercept(y[perm], x[perm], np.char.add("S", g[perm].astype(str)))
    assert shuffled.tau2 == pytest.approx(base.tau2, rel=1e-5)
    np.testing.assert_allclose(shuffled.beta, base.beta, rtol=1e-6)


def test_posterior_variance_shrinks_with_school_size():
    y, x, g = simulate(9)
    f = fit_random_intercept(y, x, g)
    order = np.argsort(f.n_per_group)
    assert np.all(np.diff(f.school_effect_var[order]) <= 1e-12)
    assert f.school_effect_var.max() <= f.tau2 + 1e-12


def test_recovers_variances_on_large_data():
    rng = np.random.default_rng(11)
    j, n = 2000, 200_000
    g = rng.integers(0, j, n)
    x = np.column_stack([np.ones(n), rng.random(n) < 0.4, rng.normal(size=n)])
    y = x @ np.array([200.0, -30.0, 5.0]) + rng.normal(0, 10, j)[g] + rng.normal(0, 50, n)
    f = fit_random_intercept(y, x, g)
    assert f.tau2 == pytest.approx(100, rel=0.1)
    assert f.sigma2 == pytest.approx(2500, rel=0.01)
    assert np.all(np.abs(f.beta - [200, -30, 5]) < 4 * f.se_beta)


def test_rejects_bad_input():
    y, x, g = simulate(1)
    with pytest.raises(ValueError, match="linjärt beroende"):
        fit_random_intercept(y, np.column_stack([x, x[:, 1]]), g)
    with pytest.raises(ValueError, match="två skolor"):
        fit_random_intercept(y, x, np.zeros(len(y)))
    y2 = y.copy()
    y2[0] = np.nan
    with pytest.raises(ValueError, match="inte ett ändligt tal"):
        fit_random_intercept(y2, x, g)


def test_student_deviations_sum_to_zero():
    """Each student's deviation from the expected value plus the school's estimated effect sums to
    zero over all students (the intercept's GLS equation, with the BLUPs)."""
    y, x, g = simulate(12)
    f = fit_random_intercept(y, x, g)
    dev = y - x @ f.beta - f.school_effects[g]
    assert abs(dev.sum()) < 1e-8 * np.abs(y).sum()
    assert abs(dev.mean()) < 1e-3 * dev.std()
