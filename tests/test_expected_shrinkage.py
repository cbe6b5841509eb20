"""Pooled school effects: coverage of the generator's hidden effects, ranking, properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from likvard.demo import generate_exempelstad
from likvard.expected.shrinkage import (
    ResidualFit,
    between_school_variance,
    pooled_school_effects,
    student_residuals,
    yearly_deviations,
)


def true_effects(data, residuals):
    """The generator's school effect plus the mean planted intervention over the pooled students.
    The generator centres effects at mean zero over schools, as the model's random intercepts are
    (effects relative to an average school)."""
    eff = data.truth["school_effects"].set_index("school_id")["effect"]
    r = residuals.copy()
    r["true"] = r["school_id"].map(eff).astype(float)
    ivs = data.truth["interventions"]
    for _, iv in ivs[ivs["outcome"] == "merit_value"].iterrows():
        hit = (r["school_id"] == str(iv["school_id"])) & (r["school_year"] >= int(iv["start_year"]))
        r.loc[hit, "true"] += float(iv["effect"])
    return r.groupby("school_id")["true"].mean()


@pytest.fixture(scope="module")
def runs():
    out = []
    for seed in (11, 12, 13, 14, 15):
        d = generate_exempelstad(seed=seed, scale=4, n_years=4)
        fit = student_residuals(d.students)
        res = fit.table
        out.append((d, res, pooled_school_effects(fit).set_index("school_id"), true_effects(d, res)))
    return out


def test_intervals_cover_true_effects(runs):
    covered = []
    for _, _, est, truth in runs:
        t = truth.reindex(est.index)
        covered.extend(((est["low"] <= t) & (t <= est["high"])).tolist())
    share = float(np.mean(covered))
    assert 0.85 <= share <= 0.95, share


def test_shrunken_ranks_closer_to_truth_than_one_year_residuals(runs):
    better = 0
    for _, res, est, truth in runs:
        last = yearly_deviations(res)
        last = last[last["school_year"] == last["school_year"].max()].set_index("school_id")["deviation"]
        common = est.index.intersection(last.index)
        rho_pooled = spearmanr(est.loc[common, "effect"], truth.loc[common]).statistic
        rho_raw = spearmanr(last.loc[common], truth.loc[common]).statistic
        better += rho_pooled > rho_raw
    assert better == len(runs)


def test_intervals_shrink_with_more_students_and_years():
    rng = np.random.default_rng(0)
    rows = []
    for s in range(30):
        eff = rng.normal(0, 8)
        n = 10 + 10 * s  # schools of different sizes
        for year in (2021, 2022, 2023):
            rows.append(pd.DataFrame({"school_id": f"S{s:02d}", "school_year": year,
                                      "residual": eff + rng.normal(0, 50, n)}))
    r = pd.concat(rows, ignore_index=True)
    est = pooled_school_effects(r).sort_values("n_students")
    width = est["high"] - est["low"]
    assert (np.diff(width.to_numpy()) < 0).all()  # bigger schools, narrower intervals
    one_year = pooled_school_effects(r[r["school_year"] == 2023]).set_index("school_id")
    assert (width.to_numpy() < (one_year.loc[est["school_id"], "high"] - one_year.loc[est["school_id"], "low"]).to_numpy()).all()
    assert ((est["prob_above"] >= 0) & (est["prob_above"] <= 1)).all()


def test_residuals_sum_to_zero_and_small_years_hidden(runs):
    _d, res, est, _ = runs[0]
    # GLS residuals of the random-intercept model: about zero on average over students
    assert abs(res["residual"].mean()) < 0.02 * res["merit_value"].std()
    yd = yearly_deviations(res)
    assert (yd.loc[~yd["shown"], "n_students"] < 10).all() and (yd.loc[yd["shown"], "n_students"] >= 10).all()
    # every school with grade-9 students gets a pooled estimate, however small
    assert set(est.index) == set(res["school_id"])


def test_effects_do_not_depend_on_row_order(runs):
    """The fit's covariates travel with its rows: shuffling the students changes nothing (no
    positional state hidden beside the table)."""
    d = runs[0][0]
    fit = student_residuals(d.students)
    order = np.random.default_rng(3).permutation(len(fit.table))
    shuffled = ResidualFit(fit.table.iloc[order].reset_index(drop=True), fit.design[order], fit.beta_cov, fit.tau2)
    a = pooled_school_effects(fit).set_index("school_id").sort_index()
    b = pooled_school_effects(shuffled).set_index("school_id").sort_index()
    np.testing.assert_allclose(a[["effect", "se", "low", "high"]], b[["effect", "se", "low", "high"]], rtol=1e-10)
    assert between_school_variance(shuffled) == fit.tau2


def test_coefficient_uncertainty_widens_intervals(runs):
    """With the fit, each school's se includes x_s' Cov(b) x_s, so it is at least that without it."""
    d = runs[0][0]
    fit = student_residuals(d.students)
    with_fit = pooled_school_effects(fit).set_index("school_id")
    same_tau = ResidualFit(fit.table, np.zeros_like(fit.design), fit.beta_cov, fit.tau2)
    no_extra = pooled_school_effects(same_tau).set_index("school_id")
    assert (with_fit["se"] >= no_extra["se"] - 1e-12).all() and (with_fit["se"] > no_extra["se"]).any()
