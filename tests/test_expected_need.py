"""Need index: against statsmodels' formula interface, properties, and on Exempelstad."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from likvard.expected import fit_need_model, need_index, predict_not_eligible_risk


def synthetic(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    school = rng.integers(0, 20, n)
    pe = rng.choice(["compulsory", "upper_secondary", "post_secondary", "unknown"], n, p=[0.1, 0.3, 0.55, 0.05])
    mb = rng.choice(["swedish", "born_in_sweden_foreign_parents", "foreign_born"], n, p=[0.7, 0.15, 0.15])
    newly = (mb == "foreign_born") & (rng.random(n) < 0.3)
    sex = rng.choice(["F", "M"], n)
    lin = -2.5 + 1.5 * (pe == "compulsory") + 0.7 * (pe == "upper_secondary") + 1.0 * (pe == "unknown") \
        + 0.3 * (mb == "born_in_sweden_foreign_parents") + 0.6 * (mb == "foreign_born") + 1.2 * newly + 0.3 * (sex == "M")
    eligible = rng.random(n) >= 1 / (1 + np.exp(-lin))
    return pd.DataFrame({
        "school_id": [f"{10000000 + s}" for s in school], "school_year": 2024, "grade": 9, "sex": sex,
        "parent_education": pe, "migration_background": mb, "newly_arrived": newly, "eligible": eligible,
    })


def test_risk_equals_statsmodels_formula_fit():
    df = synthetic(4000)
    ours = predict_not_eligible_risk(df)
    d = df.assign(
        not_eligible=(~df["eligible"]).astype(int),
        pe=pd.Categorical(df["parent_education"], categories=["post_secondary", "compulsory", "upper_secondary", "unknown"]),
        mb=pd.Categorical(df["migration_background"], categories=["swedish", "born_in_sweden_foreign_parents", "foreign_born"]),
        newly=df["newly_arrived"].astype(int), boy=(df["sex"] == "M").astype(int),
    )
    ref = smf.logit("not_eligible ~ C(pe) + C(mb) + newly + boy", data=d).fit(disp=0)
    assert np.allclose(ours.to_numpy(), ref.predict(d).to_numpy(), atol=1e-8)


def test_recovers_generating_coefficients():
    m = fit_need_model(synthetic(40000, seed=1))
    assert m.params["parents_compulsory"] == pytest.approx(1.5, abs=0.15)
    assert m.params["newly_arrived"] == pytest.approx(1.2, abs=0.2)


def test_mean_100_and_intervals():
    df = synthetic(5000, seed=2)
    ni = need_index(df)
    assert np.average(ni["need_index"], weights=ni["n_students"]) == pytest.approx(100.0, abs=1e-9)
    assert (ni["need_index_low"] <= ni["need_index"]).all() and (ni["need_index"] <= ni["need_index_high"]).all()
    # same seed -> same intervals; a larger reference cohort -> narrower intervals
    assert need_index(df)["need_index_low"].equals(ni["need_index_low"])
    big = need_index(df, reference=synthetic(50000, seed=3))
    assert (big["need_index_high"] - big["need_index_low"]).mean() < (ni["need_index_high"] - ni["need_index_low"]).mean()


def test_needs_grade9_eligibility():
    df = synthetic(100).drop(columns="eligible")
    with pytest.raises(ValueError, match="eligible"):
        need_index(df)


def test_exempelstad_need_follows_background(exempelstad):
    st = exempelstad.students
    ni = need_index(st)
    share = st.assign(c=st["parent_education"].isin(["compulsory", "upper_secondary"])).groupby(
        ["school_id", "school_year"])["c"].mean().rename("share").reset_index()
    m = ni.merge(share, on=["school_id", "school_year"])
    assert np.corrcoef(m["need_index"], m["share"])[0, 1] > 0.8
    # schools differ far more than the model's uncertainty
    assert m["need_index"].max() > 130 and m["need_index"].min() < 80
