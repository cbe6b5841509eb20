"""Student-level models: expected merit and eligibility, variance between schools, composition."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from likvard.demo.national import generate_national
from likvard.expected import student_level as sl


@pytest.fixture(scope="module")
def country():
    return generate_national(seed=3, n_schools=1500, n_students=300_000)


def test_merit_model_equals_statsmodels_on_exempelstad(exempelstad):
    g9 = sl.grade9_with_merit(exempelstad.students)
    x = sl.design(g9)
    model = sl.fit_student_model(exempelstad.students)
    ref = sm.MixedLM(g9["merit_value"].to_numpy(float), x.to_numpy(), groups=g9["school_id"].to_numpy()).fit(reml=True)
    np.testing.assert_allclose(model.merit.beta, ref.fe_params, rtol=1e-3, atol=1e-2)
    assert model.merit.loglike >= ref.llf - 1e-6


def test_eligibility_model_matches_observed_share(exempelstad):
    """A logistic model with an intercept reproduces the observed number of eligible students."""
    out = sl.student_expected(exempelstad.students)
    assert out["expected_eligible"].between(0, 1).all()
    assert out["expected_eligible"].sum() == pytest.approx(out["eligible"].astype(float).sum(), rel=1e-6)
    # per year too (year dummies)
    by_year = out.groupby("school_year")[["expected_eligible"]].sum().join(
        out.assign(e=out["eligible"].astype(float)).groupby("school_year")[["e"]].sum())
    np.testing.assert_allclose(by_year["expected_eligible"], by_year["e"], rtol=1e-5)


def test_student_expected_uses_background_only(exempelstad):
    out = sl.student_expected(exempelstad.students)
    g9 = exempelstad.students[(exempelstad.students["grade"] == 9) & exempelstad.students["merit_value"].notna()]
    assert len(out) == len(g9)
    # students with the same background, year and school composition get the same expectation
    # whatever their own merit value
    key = sl.grade9_with_merit(exempelstad.students)
    same = out.assign(k=sl.design(key).round(9).astype(str).agg("|".join, axis=1).to_numpy())
    assert same.groupby("k")["expected_merit"].agg(lambda s: s.max() - s.min()).max() < 1e-9
    # the residual is exactly merit minus expected
    np.testing.assert_allclose(out["merit_residual"], out["merit_value"] - out["expected_merit"])


def test_recovers_generator_composition_effect(country):
    ce = sl.composition_effect(country.students)
    truth = country.truth["composition_effect"]
    ps = ce["school_share_post_secondary"]
    fb = ce["school_share_foreign_background"]
    assert abs(ps["estimate"] - truth) < 3 * ps["se"], ps
    assert abs(fb["estimate"]) < 3 * fb["se"], fb  # the generator has no foreign-background mix term
    assert 0 < ce["between_explained_by_composition"] < 1


def test_between_school_share_falls_as_background_enters(country):
    v = sl.variance_between_schools(country.students).set_index("model")
    icc = v["icc"]
    assert icc["empty"] > icc["own_background"] > icc["own_background_and_composition"] > 0
    # the generator's school effects have SD 10 (tau^2 = 100); composition and own background
    # account for the rest of the between-school variance
    assert v.loc["own_background_and_composition", "tau2"] == pytest.approx(100, rel=0.25)


def test_composition_by_year_one_row_per_year(exempelstad):
    by_year = sl.composition_by_year(exempelstad.students)
    years = sorted(exempelstad.students.loc[exempelstad.students["grade"] == 9, "school_year"].unique())
    assert by_year["school_year"].tolist() == years
    assert (by_year["school_share_post_secondary_se"] > 0).all()


def test_too_few_students_named_in_error(exempelstad):
    few = exempelstad.students[exempelstad.students["grade"] == 9].head(20)
    with pytest.raises(ValueError, match="minst 30 elever"):
        sl.fit_student_model(few)
