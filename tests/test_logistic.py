"""likvard.expected.logistic against statsmodels (GLM Binomial on grouped counts, Logit on 0/1
outcomes): the same estimates and covariances; separation is reported, not hidden."""

from __future__ import annotations

import numpy as np
import pytest

from likvard.errors import ParameterError
from likvard.expected.logistic import expit, fit_logistic


def _grouped(seed: int, rows: int = 40, k: int = 5):
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(rows), rng.integers(0, 2, (rows, k - 1))]).astype(float)
    n = rng.integers(5, 400, rows).astype(float)
    beta = rng.normal(0, 0.8, k)
    s = rng.binomial(n.astype(int), expit(x @ beta)).astype(float)
    return x, s, n


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_grouped_fit_equals_statsmodels_binomial_glm(seed):
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    x, s, n = _grouped(seed)
    ours = fit_logistic(x, s, n)
    ref = GLM(np.column_stack([s, n - s]), x, family=families.Binomial()).fit(method="newton", maxiter=100)
    assert ours.converged
    np.testing.assert_allclose(ours.params, ref.params, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(ours.cov, ref.cov_params(), rtol=1e-7, atol=1e-12)


def test_individual_outcomes_equal_statsmodels_logit():
    from statsmodels.discrete.discrete_model import Logit

    rng = np.random.default_rng(9)
    x = np.column_stack([np.ones(3000), rng.normal(size=3000), rng.random(3000), rng.integers(0, 2, 3000)])
    y = rng.binomial(1, expit(x @ np.array([-0.4, 0.9, -1.2, 0.5]))).astype(float)
    ours = fit_logistic(x, y)
    ref = Logit(y, x).fit(disp=0, method="newton", maxiter=100)
    np.testing.assert_allclose(ours.params, ref.params, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(ours.cov, ref.cov_params(), rtol=1e-7, atol=1e-12)


def test_hand_computed_single_group_is_the_log_odds():
    # one group, intercept only: b = log(s / (n - s)), var = 1 / (n p (1 - p))
    fit = fit_logistic(np.ones((1, 1)), np.array([30.0]), np.array([120.0]))
    assert fit.params[0] == pytest.approx(np.log(30 / 90), rel=1e-12)
    assert fit.cov[0, 0] == pytest.approx(1 / (120 * 0.25 * 0.75), rel=1e-10)


def test_separation_is_not_reported_as_converged():
    # the second group has no failures at all: its coefficient has no finite maximum
    x = np.array([[1.0, 0.0], [1.0, 1.0]])
    fit = fit_logistic(x, np.array([40.0, 0.0]), np.array([100.0, 80.0]))
    assert not fit.converged or (np.diag(fit.cov) > 1e4).any()


def test_expit_is_stable_at_the_extremes():
    from scipy.special import expit as ref

    eta = np.array([-800.0, -40.0, -1e-3, 0.0, 3.0, 40.0, 800.0])
    np.testing.assert_allclose(expit(eta), ref(eta), rtol=1e-14, atol=0)


def test_bad_input_is_refused_in_swedish():
    with pytest.raises(ParameterError, match="mellan 0 och trials"):
        fit_logistic(np.ones((2, 1)), np.array([3.0, 5.0]), np.array([2.0, 5.0]))
    with pytest.raises(ParameterError, match="saknade"):
        fit_logistic(np.array([[1.0], [np.nan]]), np.array([0.0, 1.0]))
