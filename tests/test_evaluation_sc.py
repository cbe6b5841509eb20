"""Synthetic control: weights against pysyncon and brute-force optimisation, placebo p-values
against pysyncon's placebo fits, conformal p-values against diff-diff, and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from likvard.evaluation import evaluate, fit_sc, nested_v_weights, sc_weights
from likvard.evaluation.conformal import conformal_pvalue
from likvard.evaluation.placebo import rmspe_ratio_pvalue
from likvard.evaluation.simplex import simplex_weights
from tests._evaluation_data import factor_panel, wide

pysyncon = pytest.importorskip("pysyncon")


def objective(y, a, lam, w):
    return ((y - a @ w) ** 2).sum() + lam * (w * ((a - y[:, None]) ** 2).sum(axis=0)).sum()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), rows=st.integers(2, 10), cols=st.integers(2, 30),
       lam=st.sampled_from([0.0, 0.01, 0.5]))
def test_weights_on_simplex_and_optimal(seed, rows, cols, lam):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(rows, cols))
    y = rng.normal(size=rows)
    w = simplex_weights(y, a, penalty=lam)
    assert (w >= 0).all() and abs(w.sum() - 1) < 1e-12
    # no point of the simplex does better (SLSQP from the uniform start and from every vertex nearby)
    res = minimize(lambda v: objective(y, a, lam, v), np.full(cols, 1 / cols), method="SLSQP",
                   bounds=[(0, 1)] * cols, constraints={"type": "eq", "fun": lambda v: v.sum() - 1},
                   options={"ftol": 1e-14, "maxiter": 2000})
    assert objective(y, a, lam, w) <= res.fun + 1e-9 * max(1.0, abs(res.fun))
    for _ in range(20):
        v = rng.dirichlet(np.ones(cols) * 0.3)
        assert objective(y, a, lam, w) <= objective(y, a, lam, v) + 1e-12


def _pysyncon_matrices(w: pd.DataFrame, treated: str, donors: list[str], pre: list[int]):
    x0 = w.loc[donors, pre].T
    x1 = w.loc[treated, pre]
    sd = pd.concat([x0, x1], axis=1).std(axis=1).to_numpy()
    return x0, x1, sd


@pytest.mark.parametrize("lam", [0.01, 0.2])
def test_penalised_weights_match_pysyncon(lam):
    df = factor_panel(n_schools=25, n_years=11, seed=4)
    w = wide(df)
    pre = list(range(2014, 2020))
    donors = [s for s in w.index if s != "S00"]
    x0, x1, sd = _pysyncon_matrices(w, "S00", donors, pre)
    ref = pysyncon.PenalizedSynth()
    # custom_V = sd^2 undoes pysyncon's scaling of each predictor by its standard deviation
    ref.fit(X0=x0, X1=x1, lambda_=lam, custom_V=sd**2)
    ours = sc_weights(x1.to_numpy(), x0.to_numpy(), penalty=lam)
    np.testing.assert_allclose(ours, ref.W, atol=2e-4)


def test_classical_weights_match_pysyncon_synth():
    """Few donors, many pre-years: the classical weights are unique."""
    df = factor_panel(n_schools=6, n_years=12, seed=7)
    w = wide(df)
    pre = list(range(2014, 2022))
    donors = [s for s in w.index if s != "S02"]
    x0, x1, sd = _pysyncon_matrices(w, "S02", donors, pre)
    ref = pysyncon.Synth()
    ref.fit(X0=x0, X1=x1, Z0=x0, Z1=x1, custom_V=sd**2)
    ours = sc_weights(x1.to_numpy(), x0.to_numpy(), penalty=0.0)
    np.testing.assert_allclose(ours, ref.W, atol=2e-4)


def test_nested_v_no_worse_than_pysyncon():
    df = factor_panel(n_schools=10, n_years=10, seed=9)
    w = wide(df)
    pre = list(range(2014, 2020))
    donors = [s for s in w.index if s != "S00"]
    x0, x1, _ = _pysyncon_matrices(w, "S00", donors, pre)
    ref = pysyncon.Synth()
    ref.fit(X0=x0, X1=x1, Z0=x0, Z1=x1)
    ours, v = nested_v_weights(x1.to_numpy(), x0.to_numpy(), x1.to_numpy(), x0.to_numpy())
    loss = float(np.mean((x1.to_numpy() - x0.to_numpy() @ ours) ** 2))
    assert abs(v.sum() - 1) < 1e-12 and (ours >= 0).all() and abs(ours.sum() - 1) < 1e-9
    assert loss <= ref.loss_V * (1 + 1e-3) + 1e-9


def test_placebo_fits_and_pvalue_match_pysyncon():
    """Every in-space placebo fit (pysyncon's PlaceboTest with the same penalised weights) gives
    the same gaps as ours, and Abadie's RMSPE-ratio p-value agrees."""
    df = factor_panel(n_schools=12, n_years=10, seed=5, effect=12.0, treated={0: 6})
    w = wide(df)
    years = list(w.columns)
    pre = years[:6]
    treated, donors = "S00", [s for s in w.index if s != "S00"]
    dp = pysyncon.Dataprep(foo=df, predictors=[], predictors_op="mean", dependent="value",
                           unit_variable="school_id", time_variable="school_year", treatment_identifier=treated,
                           controls_identifier=donors, time_predictors_prior=pre, time_optimize_ssr=pre,
                           special_predictors=[("value", [t], "mean") for t in pre])
    sd_controls = w.loc[donors, pre].std(axis=0).to_numpy()
    from pysyncon.utils import PlaceboTest

    placebo = PlaceboTest()
    placebo.fit(dataprep=dp, scm=pysyncon.PenalizedSynth(), scm_options={"lambda_": 0.01, "custom_V": sd_controls**2},
                max_workers=1, verbose=False)
    y = w.to_numpy()
    rows = {s: i for i, s in enumerate(w.index)}
    cols = np.arange(len(years))
    is_pre = cols < 6
    d_idx = np.array([rows[s] for s in donors])
    ratios = {}
    for i, s in enumerate(donors):
        f = fit_sc(y, rows[s], np.delete(d_idx, i), cols, is_pre, penalty=0.01)
        np.testing.assert_allclose(f.gaps, placebo.gaps[s].loc[years].to_numpy(), atol=0.05)
        ratios[s] = f.post_rmspe / f.pre_rmspe
    ft = fit_sc(y, rows[treated], d_idx, cols, is_pre, penalty=0.01)
    ref_gaps = placebo.gaps.loc[years]
    ref_ratio = np.sqrt((ref_gaps.iloc[6:] ** 2).mean() / (ref_gaps.iloc[:6] ** 2).mean())
    ours = rmspe_ratio_pvalue(ft.post_rmspe / ft.pre_rmspe, np.array(list(ratios.values())))
    assert ours == pytest.approx(rmspe_ratio_pvalue(ft.post_rmspe / ft.pre_rmspe, ref_ratio.to_numpy()))
    res = evaluate(df, ["S00"], 2020, design="sc")
    assert res.p_value_rmspe == pytest.approx(ours)
    assert res.permutation_floor == pytest.approx(1 / 12)


def test_conformal_pvalue_matches_diff_diff():
    from diff_diff.conformal import _moving_block_perms, _single_null_pvalue

    df = factor_panel(n_schools=8, n_years=11, seed=2, effect=10.0, treated={0: 7})
    y = wide(df).to_numpy()
    post = np.arange(11) >= 7
    perms = _moving_block_perms(11)
    for theta in (0.0, 5.0, 10.0, 20.0):
        ref = _single_null_pvalue(y[0], y[1:].T, post, np.full(post.sum(), theta), perms, 1)
        assert conformal_pvalue(y[0], y[1:].T, post, theta) == pytest.approx(ref["p_value"])


@pytest.mark.parametrize("design", ["sc", "sdid", "did", "cits", "before_after"])
def test_added_effect_shifts_estimate_exactly(design):
    base = factor_panel(n_schools=15, n_years=10, seed=1)
    shifted = base.copy()
    hit = (shifted["school_id"] == "S03") & (shifted["school_year"] >= 2019)
    shifted.loc[hit, "value"] += 7.5
    a = evaluate(base, ["S03"], 2019, design=design)
    b = evaluate(shifted, ["S03"], 2019, design=design)
    assert b.estimate - a.estimate == pytest.approx(7.5, abs=1e-6)
    if a.ci_low is not None and design != "sdid":
        assert b.ci_low - a.ci_low == pytest.approx(7.5, abs=1e-6)


@pytest.mark.parametrize("design", ["sc", "did", "cits"])
def test_permuting_donors_changes_nothing(design):
    df = factor_panel(n_schools=14, n_years=9, seed=3, effect=8.0, treated={2: 5})
    rng = np.random.default_rng(0)
    ids = df["school_id"].unique()
    relabel = dict(zip(ids, [f"X{k:02d}" for k in rng.permutation(len(ids))]))
    relabel["S02"] = "S02"
    other = df.assign(school_id=df["school_id"].map(relabel)).sample(frac=1.0, random_state=1)
    a = evaluate(df, ["S02"], 2019, design=design)
    b = evaluate(other, ["S02"], 2019, design=design)
    assert b.estimate == pytest.approx(a.estimate, abs=1e-8)
    assert b.p_value == pytest.approx(a.p_value)
    assert b.ci_low == pytest.approx(a.ci_low, abs=1e-8)
    if a.weights:
        inverse = {v: k for k, v in relabel.items()}
        assert {inverse[k]: v for k, v in b.weights.items()} == pytest.approx(a.weights, abs=1e-8)


def test_sc_recovers_planted_effect():
    df = factor_panel(n_schools=30, n_years=11, seed=11, effect=20.0, treated={0: 6}, noise=3.0)
    r = evaluate(df, ["S00"], 2020)
    assert r.design == "sc" and r.inference == "placebo"
    assert r.ci_low < 20.0 < r.ci_high
    assert r.verdict == "effekt"
    assert r.conformal is not None and r.conformal["floor"] == pytest.approx(1 / 11)
    assert sum(r.weights.values()) == pytest.approx(1.0, abs=1e-6)
    assert {row["school_year"] for row in r.per_year} == set(range(2020, 2025))
