"""Between/within decomposition, local scores and the Shapley decomposition of change."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from likvard.segregation import change, contributions, decompose, indices, local_scores
from likvard.segregation.change import ipf


def random_table(rng, n, k=3, prefix="s"):
    arr = rng.integers(0, 60, (n, k)).astype(float)
    arr[0] += 1
    return pd.DataFrame(
        arr,
        columns=[f"g{j}" for j in range(k)],
        index=[f"{prefix}{i}" for i in range(n)],
    )


def test_decomposition_adds_up_and_matches_definition():
    rng = np.random.default_rng(1)
    t = random_table(rng, 40, 4)
    by = pd.Series(rng.choice(["a", "b", "c"], 40), index=t.index)
    d = decompose(t, by)
    M = indices(t)["mutual_information"]
    H = indices(t)["theil_h"]
    assert d["total"] == pytest.approx(M, rel=1e-12)
    assert d["between"] + d["within"] == pytest.approx(M, rel=1e-12)
    assert d["h_between"] + d["h_within"] == pytest.approx(H, rel=1e-12)
    merged = t.groupby(by).sum()
    assert d["between"] == pytest.approx(
        indices(merged)["mutual_information"], rel=1e-12
    )
    parts = d["parts"].set_index("part")
    for part in ["a", "b", "c"]:
        sub = t[by == part]
        assert parts.loc[part, "m_within"] == pytest.approx(
            indices(sub)["mutual_information"], rel=1e-12
        )
        assert parts.loc[part, "h_within"] == pytest.approx(
            indices(sub)["theil_h"], rel=1e-12
        )
        assert parts.loc[part, "weight"] == pytest.approx(
            sub.to_numpy().sum() / t.to_numpy().sum()
        )
    assert parts["contribution"].sum() == pytest.approx(d["within"], rel=1e-12)


def test_decomposition_extremes():
    # parts identical in composition -> no between-part segregation
    t = pd.DataFrame(
        {"x": [8, 2, 8, 2], "y": [2, 8, 2, 8]}, index=list("abcd"), dtype=float
    )
    d = decompose(t, pd.Series(["p", "p", "q", "q"], index=t.index))
    assert d["between"] == pytest.approx(0.0, abs=1e-15)
    # one school per part -> all segregation is between parts
    d2 = decompose(t, pd.Series(list("1234"), index=t.index))
    assert d2["within"] == pytest.approx(0.0, abs=1e-15)


def test_decompose_missing_part_is_named():
    t = pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]}, index=["s1", "s2"])
    with pytest.raises(ValueError, match="s2"):
        decompose(t, pd.Series(["a", None], index=t.index))


def test_local_scores_weighted_mean_is_m_and_hand_values():
    rng = np.random.default_rng(2)
    t = random_table(rng, 50)
    t.iloc[3] = 0
    L = local_scores(t)
    assert math.isnan(L.iloc[3])
    w = t.sum(axis=1) / t.to_numpy().sum()
    assert np.nansum(w * L) == pytest.approx(
        indices(t)["mutual_information"], rel=1e-12
    )
    # hand: school (8, 2) against overall (0.5, 0.5): 0.8 ln 1.6 + 0.2 ln 0.4
    L2 = local_scores(pd.DataFrame({"x": [8.0, 2.0], "y": [2.0, 8.0]}))
    assert L2.iloc[0] == pytest.approx(0.8 * math.log(1.6) + 0.2 * math.log(0.4))
    c = contributions(t)
    assert c["share_of_m"].sum() == pytest.approx(1.0)
    assert c["contribution"].is_monotonic_decreasing
    assert list(c["rank"]) == list(range(1, len(c) + 1))
    assert "s3" not in set(c["school_id"])


def test_ipf_matches_margins_and_keeps_odds_ratios():
    rng = np.random.default_rng(3)
    seed = rng.random((6, 3)) + 0.1
    seed *= 4.0 / seed.sum()
    rows = rng.random(6) + 0.5
    rows *= 4.0 / rows.sum()
    cols = rng.random(3) + 0.5
    cols *= rows.sum() / cols.sum()
    fit = ipf(seed, rows, cols)
    np.testing.assert_allclose(fit.sum(axis=1), rows, rtol=1e-13)
    np.testing.assert_allclose(fit.sum(axis=0), cols, rtol=1e-13)
    def odds(a):
        return a[0, 0] * a[1, 1] / (a[0, 1] * a[1, 0])

    assert odds(fit) == pytest.approx(odds(seed), rel=1e-12)


def test_change_components_sum_to_total():
    rng = np.random.default_rng(4)
    before = random_table(rng, 30)
    after = random_table(rng, 34, prefix="s")
    after.index = [f"s{i}" for i in range(4, 38)]
    r = change(before, after)
    parts = ["additions", "removals", "group_marginal", "unit_marginal", "structural"]
    assert sum(r[p] for p in parts) == pytest.approx(r["total"], abs=1e-14)
    assert r["total"] == pytest.approx(
        indices(after)["mutual_information"] - indices(before)["mutual_information"]
    )
    assert (r["n_common"], r["n_added"], r["n_removed"]) == (26, 8, 4)
    # deterministic: same inputs, same numbers
    assert change(before, after) == r


def test_change_isolates_the_factor_that_changed():
    rng = np.random.default_rng(5)
    before = random_table(rng, 20) + 1.0  # no zero cells (their 1e-10 fill moves M by ~1e-13)
    # same structure, every school twice as large: nothing changes
    r = change(before, before * 2)
    for p in [
        "additions",
        "removals",
        "group_marginal",
        "unit_marginal",
        "structural",
        "total",
    ]:
        assert r[p] == pytest.approx(0.0, abs=1e-13), p
    # only school sizes change (same group totals, same odds ratios): all change is unit marginal
    arr = before.to_numpy()
    new_rows = arr.sum(axis=1) * rng.uniform(0.5, 2.0, 20)
    new_rows *= arr.sum() / new_rows.sum()
    after = pd.DataFrame(
        ipf(arr, new_rows, arr.sum(axis=0)), index=before.index, columns=before.columns
    )
    r = change(before, after)
    assert r["total"] != pytest.approx(0.0, abs=1e-6)
    assert r["unit_marginal"] == pytest.approx(r["total"], abs=1e-13)
    assert r["group_marginal"] == pytest.approx(0.0, abs=1e-13)
    assert r["structural"] == pytest.approx(0.0, abs=1e-13)
    # scaling groups keeps the odds ratios: nothing is structural
    after = before.mul([1.0, 3.0, 0.5], axis=1)
    r = change(before, after)
    assert r["group_marginal"] + r["unit_marginal"] == pytest.approx(
        r["total"], abs=1e-13
    )
    assert r["structural"] == pytest.approx(0.0, abs=1e-13)
    # same margins, different association: all change is structural
    shuffled = pd.DataFrame(
        ipf(rng.random(arr.shape) + 0.2, arr.sum(axis=1), arr.sum(axis=0)),
        index=before.index,
        columns=before.columns,
    )
    r = change(before, shuffled)
    assert r["structural"] == pytest.approx(r["total"], abs=1e-13)


def test_change_symmetric_shapley_against_brute_force():
    """Shapley values by their definition over subsets (|S|!(n-|S|-1)!/n! weights)."""
    rng = np.random.default_rng(6)
    b = random_table(rng, 8) + 1.0  # no zero cells: Elbers' fill value plays no part
    a = random_table(rng, 8) + 1.0
    r = change(b, a, method="symmetric_shapley")
    t = {1: b.to_numpy() / b.to_numpy().sum(), 2: a.to_numpy() / a.to_numpy().sum()}

    def v(coalition):  # factors in the coalition take their "after" value
        u = 2 if 0 in coalition else 1
        g = 2 if 1 in coalition else 1
        s = 2 if 2 in coalition else 1
        tab = (
            t[s] if (u, g) == (s, s) else ipf(t[s], t[u].sum(axis=1), t[g].sum(axis=0))
        )
        return indices(pd.DataFrame(tab))["mutual_information"]

    shap = []
    for f in range(3):
        others = [x for x in range(3) if x != f]
        total = 0.0
        for size in range(3):
            for sub in itertools.combinations(others, size):
                weight = math.factorial(size) * math.factorial(2 - size) / 6
                total += weight * (v(set(sub) | {f}) - v(set(sub)))
        shap.append(total)
    assert r["unit_marginal"] == pytest.approx(shap[0], abs=1e-13)
    assert r["group_marginal"] == pytest.approx(shap[1], abs=1e-13)
    assert r["structural"] == pytest.approx(shap[2], abs=1e-13)


def test_change_bootstrap_is_reproducible_and_covers_estimate():
    from likvard.segregation.change import change_bootstrap

    rng = np.random.default_rng(8)
    before = random_table(rng, 25)
    after = before.copy()
    after.iloc[:8, 0] += (
        80  # group g0 concentrates in eight schools, g1 in eight others
    )
    after.iloc[8:16, 1] += 80
    a = change_bootstrap(before, after, n_replications=60, seed=2)
    b = change_bootstrap(before, after, n_replications=60, seed=2)
    pd.testing.assert_frame_equal(a, b)
    assert a.loc["total", "estimate"] == pytest.approx(change(before, after)["total"])
    assert (a["se"] > 0).loc[["total", "structural"]].all()
    assert a.loc["total", "ci_low"] > 0  # the built-in rise is detected
