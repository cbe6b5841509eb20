"""Placebo inference by hand, verdict rules, and clear Swedish errors on bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from likvard.errors import DataError, ParameterError
from likvard.evaluation import (
    VERDICTS,
    evaluate,
    minimum_detectable_effect,
    placebo_inference,
)
from tests._evaluation_data import factor_panel


def test_placebo_inference_by_hand():
    placebos = np.array([-3.0, 1.0, 2.0, -4.0, 0.5, 6.0, -1.0, 2.5, 3.5, -2.0, 1.5, 0.2, -0.7, 4.5,
                         -5.0, 0.1, 2.2, -3.3, 1.1])  # B = 19
    inf = placebo_inference(5.5, placebos, 0.90)
    # |t_b| >= 5.5: only 6.0 -> p = (1 + 1) / 20
    assert inf.p_value == pytest.approx(0.10)
    assert inf.floor == pytest.approx(0.05)
    # k = ceil(0.9 * 20) = 18th smallest |t_b| = 5.0
    assert inf.ci_low == pytest.approx(0.5) and inf.ci_high == pytest.approx(10.5)
    # too few placebos for the level: unbounded
    assert placebo_inference(1.0, placebos[:5], 0.90).ci_low is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-50, 50, allow_nan=False), min_size=9, max_size=60), st.floats(-60, 60),
       st.sampled_from([0.8, 0.9, 0.95]))
def test_interval_excludes_zero_exactly_when_p_below_alpha(placebos, estimate, level):
    inf = placebo_inference(estimate, np.array(placebos), level)
    if inf.ci_low is None:
        return
    excludes = inf.ci_low > 0 or inf.ci_high < 0
    assert excludes == (inf.p_value <= 1 - level + 1e-12)


@pytest.fixture(scope="module")
def panel():
    return factor_panel(n_schools=15, n_years=10, seed=2)


def test_missing_treated_school(panel):
    with pytest.raises(DataError, match="skolan S99 finns inte"):
        evaluate(panel, ["S99"], 2019)


def test_start_outside_panel(panel):
    with pytest.raises(DataError, match="2030/31 för skolan S01 ligger utanför"):
        evaluate(panel, ["S01"], 2030)


def test_too_few_pre_years(panel):
    with pytest.raises(DataError, match="minst 2 förår"):
        evaluate(panel, ["S01"], 2015)


def test_duplicated_school_year(panel):
    bad = pd.concat([panel, panel.iloc[[3]]])
    with pytest.raises(DataError, match="flera rader för skolan S00 läsåret 2017/18"):
        evaluate(bad, ["S01"], 2019)


def test_non_numeric_outcome(panel):
    bad = panel.astype({"value": object})
    bad.loc[bad.index[12], "value"] = "tolv"
    with pytest.raises(DataError, match="S01 läsåret 2016/17 är inte ett tal"):
        evaluate(bad, ["S02"], 2019)


def test_no_donors(panel):
    gappy = panel.copy()
    gappy.loc[(gappy["school_id"] != "S01") & (gappy["school_year"] == 2016), "value"] = np.nan
    with pytest.raises(DataError, match="Inga jämförelseskolor"):
        evaluate(gappy, ["S01"], 2019)


def test_bad_parameters(panel):
    with pytest.raises(ParameterError, match="design"):
        evaluate(panel, ["S01"], 2019, design="magi")
    with pytest.raises(ParameterError, match="level"):
        evaluate(panel, ["S01"], 2019, level=1.5)
    with pytest.raises(ParameterError, match="start"):
        evaluate(panel, ["S01"])


def test_small_cells_neither_used_nor_shown(panel):
    small = panel.copy()
    hit = (small["school_id"] == "S01") & (small["school_year"] == 2020)
    small.loc[hit, "n_students"] = 7
    small.loc[hit, "value"] = 10_000.0  # would dominate the estimate if it were used
    r = evaluate(small, ["S01"], 2019)
    assert 2020 not in [row["school_year"] for row in r.per_year]
    assert all(row["school_year"] != 2020 for row in r.path)
    assert abs(r.estimate) < 100
    assert any("färre än 10 elever" in w for w in r.warnings)


def test_result_is_json_and_complete(panel):
    r = evaluate(panel, ["S01"], 2019, expected_effect=3.0)
    d = json.loads(json.dumps(r.to_dict()))
    for key in ("design", "outcome", "estimate", "ci_low", "ci_high", "level", "p_value", "verdict", "reason", "mde",
                "rtm", "inference", "permutation_floor", "standardized_effect", "n_treated", "n_donors", "pre_years",
                "post_years", "per_year", "weights", "warnings"):
        assert key in d
    assert d["verdict"] in VERDICTS


def test_verdict_when_expected_effect_below_mde(panel):
    r = evaluate(panel, ["S01"], 2019, expected_effect=0.1)
    assert r.verdict == "går inte att avgöra"
    assert "minsta upptäckbara effekt" in r.reason and "förväntade effekten" in r.reason


def test_floor_above_alpha_cannot_decide():
    df = factor_panel(n_schools=6, n_years=8, seed=1, effect=50.0, treated={0: 5})
    r = evaluate(df, ["S00"], 2019, design="sc")
    assert r.permutation_floor == pytest.approx(1 / 6)
    assert r.verdict == "går inte att avgöra" and "kan inte bli lägre än 0,17" in r.reason


def test_before_after_is_labelled_descriptive(panel):
    r = evaluate(panel, ["S01"], 2019, design="before_after")
    assert r.verdict == "går inte att avgöra" and "Beskrivande" in r.reason and r.ci_low is None


def test_mde_from_pre_period_placebos(panel):
    m = minimum_detectable_effect(panel, ["S01"], 2020, horizon=2)
    assert m.pseudo_start == 2018 and m.horizon_used == 2 and m.mde > 0
    # the MDE uses only years before the start: changing later years changes nothing
    later = panel.copy()
    later.loc[later["school_year"] >= 2020, "value"] += 100.0
    assert minimum_detectable_effect(later, ["S01"], 2020, horizon=2).mde == pytest.approx(m.mde)
    # noisier outcomes give a larger MDE
    noisy = factor_panel(n_schools=15, n_years=10, seed=2, noise=15.0)
    assert minimum_detectable_effect(noisy, ["S01"], 2020, horizon=2).mde > m.mde


def test_placebo_mde_is_blooms_for_normal_errors():
    from scipy.stats import norm

    from likvard.evaluation.placebo import placebo_mde

    t = np.random.default_rng(3).normal(0.0, 2.0, 20_000)
    assert placebo_mde(t, 0.90) == pytest.approx((norm.ppf(0.95) + norm.ppf(0.80)) * 2.0, rel=0.02)
    assert placebo_mde(t[:5], 0.90) is None  # the interval cannot be bounded with 5 placebos


def test_placebo_mde_has_80_percent_power_with_heavy_tails():
    """Monte Carlo: an effect of the MDE plus a fresh error from the same (t_4) law is beyond the
    test's critical value in 80 % of draws."""
    from likvard.evaluation.placebo import placebo_mde

    rng = np.random.default_rng(5)
    t = 1.5 * rng.standard_t(4, 4000)
    mde = placebo_mde(t, 0.90)
    q = placebo_inference(0.0, t, 0.90).critical
    fresh = 1.5 * rng.standard_t(4, 400_000)
    assert np.mean(np.abs(mde + fresh) > q) == pytest.approx(0.80, abs=0.015)


def test_placebo_mde_scales_with_a_badly_fitted_school():
    from likvard.evaluation.placebo import placebo_mde

    rng = np.random.default_rng(8)
    t, s = rng.normal(0, 1, 300), rng.uniform(0.5, 1.5, 300)
    m = float(np.median(s))
    base = placebo_mde(t, 0.9, scale=0.1 * m, placebo_scales=s)  # a perfect pre-fit is floored at the median
    assert base == pytest.approx(placebo_mde(t, 0.9, scale=m, placebo_scales=s))
    assert placebo_mde(t, 0.9, scale=3 * m, placebo_scales=s) == pytest.approx(3 * base)


def test_evaluation_mde_is_at_least_the_interval_half_width(panel):
    r = evaluate(panel, ["S01"], 2019)
    assert r.inference == "placebo"
    assert r.mde >= (r.ci_high - r.ci_low) / 2


def test_mde_for_staggered_schools_uses_the_staggered_design(panel):
    m = minimum_detectable_effect(panel, {"S01": 2020, "S02": 2021}, horizon=2)
    assert m.design == "did" and m.pseudo_start == 2018 and m.start == 2020 and m.mde > 0
    assert any("gemensam skenstart" in w for w in m.warnings)
    with pytest.raises(ParameterError, match="start"):
        minimum_detectable_effect(panel, {"S01": 2020}, 2020)


def test_mde_keeps_the_designs_pre_years(panel):
    """A synthetic control needs 3 pre-years before the pseudo-start: a 5-year horizon is cut."""
    m = minimum_detectable_effect(panel, ["S01"], 2020, horizon=5)
    assert m.design == "sc" and m.horizon_used == 3 and m.pseudo_start == 2017
    assert any("horisont" in w for w in m.warnings)
