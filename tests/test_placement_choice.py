"""Choice model: exploded logit against statsmodels' conditional logit, gradient checks and
recovery of known parameters from simulated ranked lists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from statsmodels.discrete.conditional_models import ConditionalLogit

from likvard.placement import choice_model as cm

FEATURES = ["distance_km", "sibling", "share_post_secondary", "independent"]
BETA = np.array([-0.8, 2.0, 1.5, 0.3])


def _x(n: int, m: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    d = rng.gamma(2.0, 1.5, size=(n, m))
    sib = rng.random((n, m)) < 0.05
    share = np.broadcast_to(rng.uniform(0.2, 0.8, m), (n, m))
    ind = np.broadcast_to(rng.random(m) < 0.4, (n, m)).astype(float)
    return np.stack([d, sib.astype(float), share, ind], axis=2)


def _exploded_long(data: cm.ChoiceData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each rank as its own choice set over the schools still left (the explosion of
    Beggs, Cardell and Hausman 1981), in the long format statsmodels expects."""
    ys, xs, groups = [], [], []
    g = 0
    for i in range(data.n_students):
        left = list(np.flatnonzero(data.available[i]))
        for c in data.ranked[i]:
            if c < 0:
                break
            for j in left:
                ys.append(1.0 if j == c else 0.0)
                xs.append(data.X[i, j])
                groups.append(g)
            left.remove(c)
            g += 1
    return np.array(ys), np.array(xs), np.array(groups)


def test_estimates_equal_statsmodels_conditional_logit_on_exploded_data():
    X = _x(300, 8, seed=1)
    data = cm.simulate_choice_data(X, BETA, n_ranks=3, seed=2, feature_names=FEATURES)
    fit = cm.estimate(data)
    y, xl, groups = _exploded_long(data)
    ref = ConditionalLogit(y, xl, groups=groups).fit(method="newton", maxiter=100, disp=False)
    np.testing.assert_allclose(fit.params["estimate"], ref.params, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fit.params["std_error"], ref.bse, rtol=1e-4)
    assert fit.log_likelihood == pytest.approx(ref.llf, rel=1e-8)


def test_gradient_and_hessian_match_finite_differences():
    X = _x(120, 6, seed=3)
    data = cm.simulate_choice_data(X, BETA, n_ranks=3, seed=4, feature_names=FEATURES)
    b = np.array([-0.5, 1.0, 0.5, 0.1])
    _ll, grad, hess = cm._loglik_parts(b, data.X, data.available, data.ranked)
    num_grad = optimize.approx_fprime(b, lambda v: cm.log_likelihood(v, data), 1e-6)
    np.testing.assert_allclose(grad, num_grad, rtol=1e-4, atol=1e-3)
    num_hess = np.array(
        [optimize.approx_fprime(b, lambda v, k=k: cm._loglik_parts(v, data.X, data.available, data.ranked)[1][k], 1e-6) for k in range(4)]
    )
    np.testing.assert_allclose(hess, num_hess, rtol=1e-3, atol=1e-2)


def test_recovers_known_parameters_within_standard_errors():
    X = _x(3000, 12, seed=5)
    data = cm.simulate_choice_data(X, BETA, n_ranks=3, seed=6, feature_names=FEATURES)
    fit = cm.estimate(data)
    assert fit.converged
    z = (fit.params["estimate"].to_numpy() - BETA) / fit.params["std_error"].to_numpy()
    assert np.all(np.abs(z) < 3.0), z
    assert 0 < fit.mcfadden_r2 < 1
    # the hit rate must beat choosing at random among 12 schools
    assert fit.hit_rate > 1 / 12 + 0.1


def test_null_log_likelihood_is_uniform_choice():
    X = _x(50, 5, seed=7)
    data = cm.simulate_choice_data(X, BETA, n_ranks=3, seed=8, feature_names=FEATURES)
    fit = cm.estimate(data)
    expected = -50 * (np.log(5) + np.log(4) + np.log(3))
    assert fit.log_likelihood_null == pytest.approx(expected)


def test_draw_rankings_first_choice_shares_follow_logit_probabilities():
    rng = np.random.default_rng(9)
    V = np.tile(np.array([0.0, 1.0, -1.0, 0.5]), (200_000, 1))
    pref = cm.draw_rankings(V, 2, rng)
    p = np.exp(V[0]) / np.exp(V[0]).sum()
    share = np.bincount(pref[:, 0], minlength=4) / len(pref)
    np.testing.assert_allclose(share, p, atol=0.005)
    # second choice given first = 1 follows the logit over the rest
    sub = pref[pref[:, 0] == 1, 1]
    rest = np.array([0, 2, 3])
    p2 = np.exp(V[0, rest]) / np.exp(V[0, rest]).sum()
    np.testing.assert_allclose(np.bincount(sub, minlength=4)[rest] / len(sub), p2, atol=0.01)
    assert np.all(pref[:, 0] != pref[:, 1])


def test_draw_rankings_respects_availability():
    rng = np.random.default_rng(1)
    V = np.zeros((100, 5))
    av = np.ones((100, 5), dtype=bool)
    av[:, 2] = False
    av[:50, 3] = False
    pref = cm.draw_rankings(V, 5, rng, available=av)
    assert not np.any(pref == 2)
    assert not np.any(pref[:50] == 3)
    assert np.all((pref[:50] >= 0).sum(axis=1) == 3)


def _tables():
    """Two years of a small town: 3 schools for grade 0, siblings, choices."""
    schools = pd.DataFrame(
        {
            "school_id": ["10000001", "10000002", "10000003"] * 2,
            "school_year": [2023] * 3 + [2024] * 3,
            "name": ["A", "B", "C"] * 2,
            "organiser": ["Kommun", "Kommun", "Friskola AB"] * 2,
            "organiser_type": ["municipal", "municipal", "independent"] * 2,
            "municipality_code": ["9999"] * 6,
            "x": [0.0, 3000.0, 0.0] * 2,
            "y": [0.0, 0.0, 4000.0] * 2,
            "grade_min": [0, 0, 0] * 2,
            "grade_max": [9, 9, 9] * 2,
            "profile": ["", "", "musik"] * 2,
        }
    )
    students = pd.DataFrame(
        {
            "student_id": ["s1", "s2", "s3", "s4", "o1", "o2", "o3", "o3", "o4"],
            "school_year": [2024, 2024, 2024, 2024, 2023, 2023, 2023, 2024, 2024],
            "school_id": ["10000001", "10000002", "10000001", "10000003", "10000001", "10000002", "10000002",
                          "10000002", "10000001"],
            "grade": [0, 0, 0, 0, 4, 4, 4, 5, 3],
            "parent_education": ["post_secondary", "compulsory", "upper_secondary", "post_secondary",
                                 "post_secondary", "compulsory", "compulsory", "compulsory", "compulsory"],
            "migration_background": ["swedish"] * 9,
            "home_x": [0.0, 3000.0, 600.0, 0.0, 0, 0, 0, 0, 0],
            "home_y": [800.0, 0.0, 0.0, 3000.0, 0, 0, 0, 0, 0],
            "sibling_group": ["g1", None, "g2", None, None, None, "g2", "g2", "g1"],
        }
    )
    choices = pd.DataFrame(
        {
            "student_id": ["s1", "s1", "s2", "s3", "s3", "s4"],
            "school_year": [2024] * 6,
            "grade": [0] * 6,
            "rank": [1, 2, 1, 1, 2, 1],
            "school_id": ["10000001", "10000003", "10000002", "10000002", "10000001", "10000003"],
        }
    )
    return schools, students, choices


def test_features_from_tables_by_hand():
    schools, students, choices = _tables()
    data = cm.build_choice_data(schools, students, choices, 2024, 0)
    assert list(data.student_ids) == ["s1", "s2", "s3", "s4"]
    f = {name: data.X[:, :, k] for k, name in enumerate(data.feature_names)}
    # s1 lives at (0, 800): 0.8 km to A, hypot(3, 0.8) to B, 3.2 km to C
    np.testing.assert_allclose(f["distance_km"][0], [0.8, np.hypot(3, 0.8), 3.2])
    np.testing.assert_allclose(f["distance_km_x_post_secondary"][0], f["distance_km"][0])
    np.testing.assert_allclose(f["distance_km_x_post_secondary"][1], 0)
    # s3's sibling o3 (group g2) was at B last year and still is; s1's sibling o4 is new in town
    # this year (arrives after the choice round), so does not count unless definition="same_year"
    np.testing.assert_array_equal(f["sibling"], [[0, 0, 0], [0, 0, 0], [0, 1, 0], [0, 0, 0]])
    same_year = cm.sibling_matrix(students[students["student_id"].str.startswith("s")].assign(grade=0).reset_index(drop=True),
                                  students, data.school_ids, 2024, definition="same_year")
    np.testing.assert_array_equal(same_year, [[1, 0, 0], [0, 0, 0], [0, 1, 0], [0, 0, 0]])
    # previous year's shares: A had 1/1 post-secondary, B 0/2, C none (falls back to 2024: 1/1)
    np.testing.assert_allclose(f["share_post_secondary"][0], [1.0, 0.0, 1.0])
    np.testing.assert_allclose(f["share_post_secondary_x_post_secondary"][1], 0)
    np.testing.assert_array_equal(f["independent"][0], [0, 0, 1])
    np.testing.assert_array_equal(f["profile"][0], [0, 0, 1])
    np.testing.assert_array_equal(data.ranked, [[0, 2], [1, -1], [1, 0], [2, -1]])
