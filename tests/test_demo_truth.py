"""Exempelstad's hidden truths agree with its data: the models that generated the data can be
recovered from the data alone (school effects, composition effect, intervention, choice model),
and the residential-versus-choice figures are recomputed independently."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from likvard.demo import generate_exempelstad

CONTRACT_FEATURES = ["distance_km", "distance_km_x_post_secondary", "sibling", "share_post_secondary",
                     "share_post_secondary_x_post_secondary", "independent", "profile"]


@pytest.fixture(scope="module")
def demo(exempelstad):
    return exempelstad  # the session fixture of conftest.py (default seed)


@pytest.fixture(scope="module")
def grade9(demo):
    g9 = demo.students[demo.students["grade"] == 9].copy()
    comp = demo.truth["school_composition"][["school_id", "school_year", "share_post_secondary"]]
    g9 = g9.merge(comp, on=["school_id", "school_year"])
    g9 = g9.merge(demo.truth["school_effects"], on="school_id")
    iv = demo.truth["interventions"]
    iv = iv[iv["outcome"] == "merit_value"]
    g9["intervention"] = 0.0
    for r in iv.itertuples():
        g9.loc[(g9["school_id"] == r.school_id) & (g9["school_year"] >= r.start_year), "intervention"] = r.effect
    return g9


def test_truth_keys_and_names(demo):
    t = demo.truth
    for key in ("school_effects", "merit_model", "eligibility_model", "choice_parameters", "home_school",
                "interventions", "residential_vs_choice", "composition_effect"):
        assert key in t
    assert list(t["choice_parameters"]) == CONTRACT_FEATURES
    assert t["composition_effect"] == t["merit_model"]["composition_effect"]
    assert set(t["school_effects"]["school_id"]) == set(demo.schools["school_id"])
    iv = t["interventions"]
    assert {"intervention_id", "name", "category", "school_id", "start_year", "outcome", "effect",
            "expected_effect", "selected_for_low_results"} <= set(iv.columns)
    assert sorted(iv.groupby("intervention_id").size().to_dict().items()) == [("I1", 1), ("I2", 3), ("I3", 2)]
    assert iv.loc[iv["intervention_id"] == "I2", "start_year"].nunique() == 3  # staggered
    assert iv.loc[iv["intervention_id"] == "I3", "selected_for_low_results"].all()
    assert (iv.loc[iv["intervention_id"] == "I3", "effect"] == 0).all()
    assert iv["school_id"].is_unique
    from likvard.demo.interventions import CATEGORIES

    assert set(iv["category"]) <= set(CATEGORIES)
    assert len(demo.years()) >= 10


def test_school_means_follow_school_effects(grade9):
    """Background-adjusted school means (OLS with school dummies, no truth used) track the effects."""
    d = grade9[(grade9["merit_value"] > 0) & (grade9["merit_value"] < 340)]
    X = pd.get_dummies(d[["parent_education", "migration_background", "sex"]], drop_first=True).astype(float)
    X["newly_arrived"] = d["newly_arrived"].astype(float)
    S = pd.get_dummies(d["school_id"]).astype(float)
    beta, *_ = np.linalg.lstsq(np.hstack([X.to_numpy(), S.to_numpy()]), d["merit_value"].to_numpy(), rcond=None)
    fe = pd.Series(beta[X.shape[1]:], index=S.columns)
    truth = grade9.groupby("school_id").agg(effect=("effect", "first"), share=("share_post_secondary", "mean"),
                                           iv=("intervention", "mean"), n=("merit_value", "size"))
    target = truth["effect"] + 40.0 * truth["share"] + truth["iv"]
    big = truth["n"] >= 100
    assert np.corrcoef(fe[big.index[big]], target[big])[0, 1] > 0.9
    # the school effect alone is still clearly visible
    assert np.corrcoef(fe[big.index[big]], truth.loc[big, "effect"])[0, 1] > 0.5


def test_merit_model_coefficients_are_recovered(demo, grade9):
    """With the true school effect and intervention removed, OLS recovers the truth's coefficients
    (within 3 standard errors, or a few points where the 0-340 clip bends the model)."""
    import statsmodels.api as sm

    mm = demo.truth["merit_model"]
    d = grade9
    y = d["merit_value"] - d["effect"] - d["intervention"]
    X = pd.DataFrame({
        "const": 1.0,
        "upper_secondary": (d["parent_education"] == "upper_secondary").astype(float),
        "post_secondary": (d["parent_education"] == "post_secondary").astype(float),
        "unknown": (d["parent_education"] == "unknown").astype(float),
        "born_in_sweden_foreign_parents": (d["migration_background"] == "born_in_sweden_foreign_parents").astype(float),
        "foreign_born": (d["migration_background"] == "foreign_born").astype(float),
        "girl": (d["sex"] == "F").astype(float),
        "newly_arrived": d["newly_arrived"].astype(float),
        "share": d["share_post_secondary"],
    })
    fit = sm.OLS(y.to_numpy(), X.to_numpy()).fit()
    b = dict(zip(X.columns, fit.params))
    se = dict(zip(X.columns, fit.bse))
    pe, mb = mm["parent_education"], mm["migration_background"]
    truth = {
        "upper_secondary": pe["upper_secondary"] - pe["compulsory"],
        "post_secondary": pe["post_secondary"] - pe["compulsory"],
        "born_in_sweden_foreign_parents": mb["born_in_sweden_foreign_parents"],
        "foreign_born": mb["foreign_born"],
        "girl": mm["sex"]["F"] - mm["sex"]["M"],
        "share": mm["composition_effect"],
    }
    for name, value in truth.items():
        assert abs(b[name] - value) < 3 * se[name] + 3.0, (name, b[name], se[name], value)


def test_planted_interventions_are_visible(demo):
    """Each effective intervention moves its survey index by about the planted effect relative to
    the other schools (difference in differences of the published-style values, no model)."""
    iv = demo.truth["interventions"]
    for iid in ("I1", "I2"):
        g = iv[iv["intervention_id"] == iid]
        sv = demo.survey[(demo.survey["area"] == g["outcome"].iloc[0]) & (demo.survey["respondent"] == g["respondent"].iloc[0])]
        others = sv[~sv["school_id"].isin(iv["school_id"])]
        jumps = []
        for r in g.itertuples():
            at = sv[sv["school_id"] == r.school_id]
            own = at.loc[at["school_year"] >= r.start_year, "value"].mean() - at.loc[at["school_year"] < r.start_year, "value"].mean()
            ref = (others.loc[others["school_year"] >= r.start_year, "value"].mean()
                   - others.loc[others["school_year"] < r.start_year, "value"].mean())
            jumps.append(own - ref)
        assert np.mean(jumps) == pytest.approx(g["effect"].iloc[0], abs=0.35), (iid, jumps)
    low = iv[iv["intervention_id"] == "I3"]
    g9 = demo.students[(demo.students["grade"] == 9) & demo.students["merit_value"].notna()]
    means = g9.groupby(["school_id", "school_year"])["merit_value"].mean().unstack()
    before = int(low["start_year"].iloc[0]) - 1
    municipal = demo.schools.loc[demo.schools["organiser_type"] == "municipal", "school_id"].unique()
    cand = [s for s in means.index if s in set(municipal) and s not in set(iv.loc[iv["intervention_id"] != "I3", "school_id"])]
    lowest = means.loc[cand, before].nsmallest(2).index
    assert set(lowest) == set(low["school_id"])  # chosen for their low results


def test_residential_vs_choice_recomputed(demo):
    s = demo.students.merge(demo.truth["home_school"].rename(columns={"school_id": "home"}),
                            on=["student_id", "school_year"])
    rvc = demo.truth["residential_vs_choice"].set_index(["school_year", "grouping", "allocation"])
    for t in (2019, 2024):
        d = s[s["school_year"] == t]
        fb = d["migration_background"] != "swedish"
        for alloc, col in (("home_school", "home"), ("actual", "school_id")):
            tab = pd.crosstab(d[col], fb).to_numpy(float)
            dis = 0.5 * np.abs(tab[:, 1] / tab[:, 1].sum() - tab[:, 0] / tab[:, 0].sum()).sum()
            p = tab / tab.sum()
            expected = p.sum(1, keepdims=True) * p.sum(0, keepdims=True)
            nz = p > 0
            m = (p[nz] * np.log(p[nz] / expected[nz])).sum()
            assert rvc.loc[(t, "foreign_background", alloc), "dissimilarity"] == pytest.approx(dis, abs=1e-12)
            assert rvc.loc[(t, "foreign_background", alloc), "mutual_information"] == pytest.approx(m, abs=1e-12)
    # choice adds segregation by parental education beyond where families live
    ps = rvc.xs("post_secondary", level="grouping")["dissimilarity"].unstack("allocation")
    assert (ps["actual"] > ps["home_school"]).all()


def _choice_data(demo):
    """Feature tensors for every (year, grade) choice situation, computed from the data alone."""
    s, c, sch = demo.students, demo.choices, demo.schools
    prev = s.assign(ps=(s["parent_education"] == "post_secondary").astype(float))
    share = prev.groupby(["school_id", "school_year"])["ps"].mean()
    out = []
    for (t, g), cg in c[c["school_year"] > 2019].groupby(["school_year", "grade"]):
        offer = sch[(sch["school_year"] == t) & (sch["grade_min"] <= g) & (sch["grade_max"] >= g)].reset_index(drop=True)
        sh = np.array([share.get((sid, t - 1), np.nan) for sid in offer["school_id"]])
        sh = np.where(np.isnan(sh), np.nanmean(sh), sh)
        ranks = cg.pivot(index="student_id", columns="rank", values="school_id")
        st = s[(s["school_year"] == t)].set_index("student_id").loc[ranks.index]
        dist = np.hypot(st["home_x"].to_numpy()[:, None] - offer["x"].to_numpy()[None, :],
                        st["home_y"].to_numpy()[:, None] - offer["y"].to_numpy()[None, :]) / 1000
        same_year = s[(s["school_year"] == t)][["sibling_group", "school_id", "grade"]]
        pairs = st.reset_index()[["student_id", "sibling_group", "grade"]].merge(same_year, on="sibling_group",
                                                                                   suffixes=("", "_sib"))
        pairs = pairs[pairs["grade"] != pairs["grade_sib"]]
        col = {sid: j for j, sid in enumerate(offer["school_id"])}
        row = {sid: i for i, sid in enumerate(ranks.index)}
        sib = np.zeros_like(dist)
        for a, b in zip(pairs["student_id"], pairs["school_id"]):
            if b in col:
                sib[row[a], col[b]] = 1.0
        ps = (st["parent_education"] == "post_secondary").to_numpy(float)[:, None]
        shb = np.broadcast_to(sh[None, :], dist.shape)
        X = np.stack([dist, dist * ps, sib, shb, shb * ps,
                      np.broadcast_to((offer["organiser_type"] == "independent").to_numpy(float)[None, :], dist.shape),
                      np.broadcast_to((offer["profile"] != "").to_numpy(float)[None, :], dist.shape)], axis=-1)
        R = np.stack([ranks[k].map(col).to_numpy() for k in (1, 2, 3)], axis=1)
        out.append((X, R))
    return out


def test_choice_model_is_recovered_from_the_choices(demo):
    """Maximum likelihood of the rank-ordered logit on the data recovers ``choice_parameters``."""
    data = _choice_data(demo)

    def nll(beta):
        total = 0.0
        for X, R in data:
            v = X @ beta
            avail = np.ones_like(v, dtype=bool)
            rows = np.arange(len(v))
            for k in range(R.shape[1]):
                vm = np.where(avail, v, -np.inf)
                mx = vm.max(axis=1)
                lse = mx + np.log(np.exp(vm - mx[:, None]).sum(axis=1))
                total += (v[rows, R[:, k]] - lse).sum()
                avail[rows, R[:, k]] = False
        return -total

    res = minimize(nll, np.zeros(len(CONTRACT_FEATURES)), method="BFGS")
    est = dict(zip(CONTRACT_FEATURES, res.x))
    truth = demo.truth["choice_parameters"]
    for name in CONTRACT_FEATURES:
        tol = 0.35 if "share" in name else 0.2
        assert est[name] == pytest.approx(truth[name], abs=tol), (name, est[name], truth[name])


def test_choice_share_feature_matches_previous_year(demo):
    s = demo.students.assign(ps=(demo.students["parent_education"] == "post_secondary").astype(float))
    prev = s.groupby(["school_id", "school_year"])["ps"].mean().rename("prev").reset_index()
    prev["school_year"] += 1
    used = demo.truth["choice_school_share"].merge(prev, on=["school_id", "school_year"])
    assert len(used) > 0
    assert np.allclose(used["share_post_secondary"], used["prev"])


def test_write_and_write_truth(tmp_path):
    d = generate_exempelstad(seed=5, n_years=2, scale=0.3)
    reg = d.write(tmp_path / "register")
    truth = d.write_truth(tmp_path / "facit")
    assert {p.name for p in reg.values()} >= {"schools.csv", "students.csv", "choices.csv", "staff.csv", "survey.csv"}
    assert not (tmp_path / "register" / "school_effects.csv").exists()  # truths are kept apart
    meta = json.loads(truth["truth"].read_text(encoding="utf-8"))
    assert meta["choice_parameters"] == d.truth["choice_parameters"]
    eff = pd.read_csv(truth["school_effects"], dtype={"school_id": str})
    pd.testing.assert_frame_equal(eff, d.truth["school_effects"], check_dtype=False)
    students = pd.read_csv(reg["students"], dtype={"student_id": str, "school_id": str})
    assert len(students) == len(d.students)
