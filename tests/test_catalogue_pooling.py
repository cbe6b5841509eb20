"""Random-effects pooling (likvard.catalogue.pooling) against statsmodels' combine_effects
(DerSimonian–Laird and its iterated Paule–Mandel), REML against a direct maximisation of the
restricted likelihood, the prediction interval against Higgins et al. (2009) computed by hand,
and the context filter."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from scipy.stats import norm, t
from statsmodels.stats.meta_analysis import combine_effects

from likvard.catalogue import context_filter, pool, pool_evaluations
from likvard.catalogue.pooling import reml_loglik, tau2_dl
from likvard.catalogue.records import LocalEvaluation
from likvard.errors import DataError, ParameterError

# heterogeneous inputs (Q well above k - 1) so that every method gives tau² > 0
Y = np.array([0.9, 1.6, 0.3, 1.2, 2.1, 0.5])
V = np.array([0.10, 0.25, 0.08, 0.15, 0.30, 0.12])


@pytest.mark.parametrize("ours,theirs", [("dl", "dl"), ("pm", "iterated")])
def test_pooled_estimate_and_interval_equal_statsmodels(ours, theirs):
    r = pool(Y, V, method=ours, level=0.95)
    kw = {"atol": 1e-12, "maxiter": 1000} if theirs == "iterated" else {}
    sm = combine_effects(Y, V, method_re=theirs, alpha=0.05, **kw)
    assert sm.tau2 > 0
    assert r.tau2 == pytest.approx(sm.tau2, rel=1e-8)
    assert r.estimate == pytest.approx(sm.mean_effect_re, rel=1e-10)
    assert r.se == pytest.approx(sm.sd_eff_w_re, rel=1e-10)
    lo, hi = sm.conf_int(alpha=0.05)[1]
    assert (r.ci_low, r.ci_high) == pytest.approx((lo, hi), rel=1e-10)
    assert r.q == pytest.approx(sm.q, rel=1e-12)


def test_dl_truncates_tau2_at_zero_where_the_moment_estimate_is_negative():
    # nearly equal effects: Q < k - 1; the DL estimate is max(0, ...) and the pooled effect is
    # then the fixed-effect (inverse-variance) mean, statsmodels' mean_effect_fe
    y, v = np.array([1.0, 1.05, 0.98]), np.array([0.2, 0.3, 0.25])
    sm = combine_effects(y, v, method_re="dl")
    assert sm.q < 2
    r = pool(y, v, method="dl")
    assert r.tau2 == 0.0 and r.i2 == 0.0
    assert r.estimate == pytest.approx(sm.mean_effect_fe, rel=1e-12)
    assert (r.ci_low, r.ci_high) == pytest.approx(tuple(sm.conf_int()[0]), rel=1e-12)


def test_reml_maximises_the_restricted_likelihood():
    r = pool(Y, V, method="reml")
    best = minimize_scalar(lambda s: -reml_loglik(Y, V, s), bounds=(0, 10), method="bounded",
                           options={"xatol": 1e-10})
    assert r.tau2 == pytest.approx(best.x, rel=1e-5)
    assert reml_loglik(Y, V, r.tau2) >= reml_loglik(Y, V, r.tau2 * 1.01)
    assert reml_loglik(Y, V, r.tau2) >= reml_loglik(Y, V, r.tau2 * 0.99)


def test_prediction_interval_follows_higgins_2009_by_hand():
    r = pool(Y, V, method="dl", level=0.95)
    # by hand: DL tau², weights, mean, se, then mu ± t_{k-2} sqrt(tau² + se²)
    w = 1 / V
    ybar = (w * Y).sum() / w.sum()
    q = (w * (Y - ybar) ** 2).sum()
    tau2 = max(0.0, (q - 5) / (w.sum() - (w**2).sum() / w.sum()))
    ws = 1 / (V + tau2)
    mu = (ws * Y).sum() / ws.sum()
    se = ws.sum() ** -0.5
    half = t.ppf(0.975, 4) * math.sqrt(tau2 + se**2)
    assert tau2_dl(Y, V) == pytest.approx(tau2)
    assert (r.pi_low, r.pi_high) == pytest.approx((mu - half, mu + half))
    assert r.pi_low < r.ci_low and r.pi_high > r.ci_high
    assert r.i2 == pytest.approx((q - 5) / q)


def test_two_evaluations_pool_but_have_no_prediction_interval():
    r = pool([1.0, 2.0], [0.1, 0.2], method="dl")
    assert r.k == 2 and r.pi_low is None and r.pi_high is None


def test_bad_inputs_are_refused_in_swedish():
    with pytest.raises(DataError, match="minst två"):
        pool([1.0], [0.1])
    with pytest.raises(DataError, match="varianserna positiva"):
        pool([1.0, 2.0], [0.1, 0.0])
    with pytest.raises(ParameterError, match="method"):
        pool([1.0, 2.0], [0.1, 0.2], method="ml")


def _ev(i: int, est: float | None, lo: float | None, hi: float | None, **kw) -> LocalEvaluation:
    base = dict(utvardering_id=f"h{i}/x/studiero", insats_typ_id="se.likvard/insats/tvalararsystem", version=1,
                huvudman=f"H{i}", huvudman_typ="kommunal", antal_skolor=1, period_start=2020, period_slut=2022,
                design="sc", indikator="studiero", utlatande="effekt", n_elever_band="50–99",
                likvard_version="0.1.0", data_hash="0" * 64, skattad_effekt=est, ki_lag=lo, ki_hog=hi, ki_niva=0.9)
    base.update(kw)
    return LocalEvaluation(**base)


def test_pool_evaluations_uses_the_interval_and_subtracts_regression_to_the_mean():
    evs = [_ev(1, 1.0, 0.5, 1.5), _ev(2, 2.0, 1.0, 3.0, rtm_justering=0.5), _ev(3, 1.2, None, None),
           _ev(4, 3.0, 2.0, 4.0, indikator="trygghet")]
    groups = {g.indikator: g for g in pool_evaluations(evs, method="dl", level=0.95)}
    g = groups["studiero"]
    assert g.left_out == (("h3/x/studiero", "saknar skattning eller intervall"),)
    z = norm.ppf(0.95)
    y = np.array([1.0, 1.5])
    v = np.array([(1.0 / (2 * z)) ** 2, (2.0 / (2 * z)) ** 2])
    sm = combine_effects(y, v, method_re="dl")
    expected = sm.mean_effect_re if sm.tau2 >= 0 else sm.mean_effect_fe
    assert g.pooled.estimate == pytest.approx(expected)
    assert groups["trygghet"].pooled is None and "Färre än två" in groups["trygghet"].note


def test_context_filter_keeps_schools_like_ours():
    evs = [_ev(1, 1, 0, 2, behovsband="högt", omradestyp="1;2", storleksband="200–399"),
           _ev(2, 1, 0, 2, behovsband="medel", omradestyp="3", storleksband="200–399"),
           _ev(3, 1, 0, 2, behovsband="högt", omradestyp=None, storleksband="400–599")]
    assert [e.huvudman for e in context_filter(evs, need_band="högt")] == ["H1", "H3"]
    assert [e.huvudman for e in context_filter(evs, area_type=2)] == ["H1"]
    assert [e.huvudman for e in context_filter(evs, size_band="200–399", need_band="medel")] == ["H2"]
    assert len(context_filter(evs)) == 3
