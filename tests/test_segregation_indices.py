"""Indices against hand-computed tables, a plain second implementation, PySAL, and properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from likvard.segregation import indices, ordinal_information

SCALARS = [
    "dissimilarity",
    "gini",
    "mutual_information",
    "theil_h",
    "normalized_exposure",
    "relative_diversity",
    "squared_coefficient_of_variation",
]
TWO_GROUP = ["atkinson", "hutchens", "correlation_ratio"]


# A second, deliberately plain implementation (loops, definitions as written in Reardon &
# Firebaugh 2002, Elbers 2023, Hutchens 2004, Atkinson 1970), used only to check the engine.
def reference_indices(rows: list[list[float]], b: float = 0.5) -> dict:
    rows = [r for r in rows if sum(r) > 0]
    K_all = len(rows[0])
    G = [sum(r[k] for r in rows) for k in range(K_all)]
    keep = [k for k in range(K_all) if G[k] > 0]
    T = sum(G)
    P = {k: G[k] / T for k in keep}
    I = sum(P[k] * (1 - P[k]) for k in keep)
    E = -sum(P[k] * math.log(P[k]) for k in keep)
    t = [sum(r) for r in rows]
    out = {}
    out["dissimilarity"] = sum(
        t[i] * abs(rows[i][k] / t[i] - P[k]) for i in range(len(rows)) for k in keep
    ) / (2 * T * I)
    g = 0.0
    for k in keep:
        for i in range(len(rows)):
            for j in range(len(rows)):
                g += t[i] * t[j] * abs(rows[i][k] / t[i] - rows[j][k] / t[j])
    out["gini"] = g / (2 * T * T * I)
    M = 0.0
    for i, r in enumerate(rows):
        for k in keep:
            if r[k] > 0:
                M += r[k] / T * math.log((r[k] / T) / ((t[i] / T) * P[k]))
    out["mutual_information"] = M
    out["theil_h"] = M / E
    sq = {
        k: sum(t[i] * (rows[i][k] / t[i] - P[k]) ** 2 for i in range(len(rows)))
        for k in keep
    }
    out["normalized_exposure"] = sum(sq[k] / (1 - P[k]) for k in keep) / T
    out["relative_diversity"] = sum(sq.values()) / (T * I)
    out["squared_coefficient_of_variation"] = sum(sq[k] / P[k] for k in keep) / (
        T * (len(keep) - 1)
    )
    if K_all == 2:
        X, Y = G
        p = [r[0] / sum(r) for r in rows]
        Pf = X / T
        s = sum((1 - p[i]) ** (1 - b) * p[i] ** b * t[i] for i in range(len(rows))) / (
            Pf * T
        )
        out["atkinson"] = 1 - Pf / (1 - Pf) * abs(s) ** (1 / (1 - b))
        out["hutchens"] = 1 - sum(math.sqrt(r[0] / X * r[1] / Y) for r in rows)
        out["correlation_ratio"] = (
            sum(r[0] / X * r[0] / sum(r) for r in rows) - Pf
        ) / (1 - Pf)
    return out


def table(rows, cols=None, index=None):
    arr = np.asarray(rows, dtype=float)
    cols = cols or [f"g{k}" for k in range(arr.shape[1])]
    return pd.DataFrame(arr, columns=cols, index=index)


def random_table(rng, n, k, high=60, zero_share=0.1):
    arr = rng.integers(0, high, (n, k)).astype(float)
    arr[rng.random((n, k)) < zero_share] = 0
    arr[0] += 1  # no empty groups
    return table(arr)


def test_hand_computed_two_schools():
    r = indices(table([[8, 2], [2, 8]]))
    assert r["dissimilarity"] == pytest.approx(0.6)
    assert r["mutual_information"] == pytest.approx(
        0.8 * math.log(1.6) + 0.2 * math.log(0.4)
    )
    assert r["theil_h"] == pytest.approx(r["mutual_information"] / math.log(2))
    assert r["hutchens"] == pytest.approx(1 - 2 * math.sqrt(0.8 * 0.2))
    # exposure: an average g0 member's school is 8/10 * 0.8 + 2/10 * 0.2 = 0.68 g0
    assert r["exposure"]["g0"]["g0"] == pytest.approx(0.68)
    assert r["exposure"]["g0"]["g1"] == pytest.approx(0.32)
    # gini: only the pair of schools differs: 2 * 10 * 10 * 0.6 * 2 groups / (2 * 400 * 0.5)
    assert r["gini"] == pytest.approx(2 * 100 * 0.6 * 2 / 400)
    assert r["correlation_ratio"] == pytest.approx((0.68 - 0.5) / 0.5)


def test_even_distribution_gives_zero():
    r = indices(table([[5, 10, 15], [1, 2, 3], [20, 40, 60]]))
    for name in SCALARS:
        assert r[name] == pytest.approx(0.0, abs=1e-12), name


def test_complete_segregation_gives_maximum():
    r = indices(table([[30, 0, 0], [0, 10, 0], [0, 0, 5], [7, 0, 0]]))
    for name in [
        "dissimilarity",
        "gini",
        "theil_h",
        "normalized_exposure",
        "relative_diversity",
    ]:
        assert r[name] == pytest.approx(1.0), name
    assert r["mutual_information"] == pytest.approx(r["entropy"])
    r2 = indices(table([[30, 0], [0, 10]]))
    for name in TWO_GROUP:
        assert r2[name] == pytest.approx(1.0), name


def test_bits_on_request():
    t = table([[8, 2], [2, 8]])
    assert indices(t, log_base=2)["mutual_information"] == pytest.approx(
        indices(t)["mutual_information"] / math.log(2)
    )


def test_empty_schools_and_groups_do_not_raise():
    base = table([[8, 2, 0], [2, 8, 0], [0, 0, 0]])
    r = indices(base)
    ref = indices(table([[8, 2], [2, 8]]))
    for name in SCALARS:
        assert r[name] == pytest.approx(ref[name]), name
    assert r["n_schools"] == 2
    assert math.isnan(r["exposure"]["g2"]["g0"])
    assert all(math.isnan(indices(table([[0, 0], [0, 0]]))[n]) for n in SCALARS)
    assert all(math.isnan(indices(table([[3, 0], [4, 0]]))[n]) for n in SCALARS)


def test_bad_cell_named_in_error():
    t = table([[1, 2], [3, -1]], cols=["a", "b"], index=["s1", "s2"])
    with pytest.raises(ValueError, match=r"'s2'.*'b'"):
        indices(t)


@pytest.mark.parametrize("seed", range(6))
def test_against_plain_reference(seed):
    rng = np.random.default_rng(seed)
    k = [2, 3, 4, 2, 5, 3][seed]
    t = random_table(rng, 25, k)
    r = indices(t)
    ref = reference_indices(t.to_numpy().tolist())
    for name, value in ref.items():
        assert r[name] == pytest.approx(value, rel=1e-12, abs=1e-14), name


@pytest.mark.parametrize("seed", range(5))
def test_against_pysal(seed):
    from segregation import multigroup as mg
    from segregation import singlegroup as sg

    rng = np.random.default_rng(100 + seed)
    t = random_table(rng, 120, 3 + seed % 2)
    groups = list(t.columns)
    r = indices(t)
    pairs = {
        "dissimilarity": mg.MultiDissim,
        "gini": mg.MultiGini,
        "mutual_information": mg.MultiDivergence,
        "theil_h": mg.MultiInfoTheory,
        "normalized_exposure": mg.MultiNormExposure,
        "relative_diversity": mg.MultiRelativeDiversity,
        "squared_coefficient_of_variation": mg.MultiSquaredCoefVar,
    }
    for name, cls in pairs.items():
        assert r[name] == pytest.approx(cls(t, groups=groups).statistic, rel=1e-12), (
            name
        )
    two = t[groups[:2]]
    r2 = indices(two, atkinson_b=0.3)
    d = two.assign(total=two.sum(axis=1))
    # PySAL's Atkinson class does not pass b on (always 0.5); its function does
    from segregation.singlegroup.atkinson import _atkinson

    assert r2["atkinson"] == pytest.approx(
        _atkinson(d, groups[0], "total", b=0.3)[0], rel=1e-12
    )
    assert indices(two)["atkinson"] == pytest.approx(
        sg.Atkinson(d, groups[0], "total").statistic, rel=1e-12
    )
    assert r2["correlation_ratio"] == pytest.approx(
        sg.CorrelationR(d, groups[0], "total").statistic, rel=1e-12
    )
    assert r2["dissimilarity"] == pytest.approx(
        sg.Dissim(d, groups[0], "total").statistic, rel=1e-12
    )
    assert r2["gini"] == pytest.approx(
        sg.Gini(d, groups[0], "total").statistic, rel=1e-12
    )
    assert r2["exposure"][groups[0]][groups[0]] == pytest.approx(
        sg.Isolation(d, groups[0], "total").statistic, rel=1e-12
    )
    assert r2["exposure"][groups[0]][groups[1]] == pytest.approx(
        sg.Interaction(d, groups[0], "total").statistic, rel=1e-12
    )


def test_gini_with_many_ties_matches_reference():
    rng = np.random.default_rng(7)
    arr = np.zeros((300, 3))
    arr[:, 0] = rng.choice([0, 5, 10], 300)
    arr[:, 1] = 10 - arr[:, 0]
    arr[:, 2] = rng.choice([0, 1], 300)
    t = table(arr)
    ref = reference_indices(arr.tolist())
    assert indices(t)["gini"] == pytest.approx(ref["gini"], rel=1e-12)


tables = st.integers(2, 4).flatmap(
    lambda k: st.lists(
        st.lists(st.integers(0, 40), min_size=k, max_size=k), min_size=2, max_size=15
    )
)


@settings(max_examples=60, deadline=None)
@given(tables, st.integers(1, 7), st.randoms(use_true_random=False))
def test_invariance_properties(rows, factor, rnd):
    t = table(rows)
    if (t.sum(axis=0) == 0).any():
        return
    r = indices(t)
    scaled = indices(t * factor)
    order = list(range(len(rows)))
    rnd.shuffle(order)
    cols = list(t.columns)
    rnd.shuffle(cols)
    permuted = indices(t.iloc[order][cols])
    for name in SCALARS:
        assert scaled[name] == pytest.approx(r[name], rel=1e-9, abs=1e-12), name
        assert permuted[name] == pytest.approx(r[name], rel=1e-9, abs=1e-12), name
        assert -1e-12 <= r[name] <= 1 + 1e-9 or name in (
            "mutual_information",
            "squared_coefficient_of_variation",
        )


def test_ordinal_information_hand_computed():
    # three ordered categories; overall cumulative shares 1/3, 2/3
    even = table([[1, 1, 1], [2, 2, 2]])
    assert ordinal_information(even) == pytest.approx(0.0, abs=1e-12)
    complete = table([[5, 0, 0], [0, 5, 0], [0, 0, 5]])
    assert ordinal_information(complete) == pytest.approx(1.0)
    # two categories: equals Theil's H (Reardon 2009: Lambda reduces to H for K = 2), in bits or nats
    t = table([[8, 2], [3, 7], [1, 9]])
    assert ordinal_information(t) == pytest.approx(indices(t)["theil_h"])
    # ordering matters: swapping the middle category changes the value
    t3 = table([[10, 0, 0], [0, 10, 0], [0, 0, 10], [5, 0, 5]])
    assert ordinal_information(t3) != pytest.approx(
        ordinal_information(t3[["g0", "g2", "g1"]])
    )
