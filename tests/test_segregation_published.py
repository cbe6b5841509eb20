"""Indices from published shares with suppressed cells: estimate, exclusion and exact ranges."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from likvard.segregation import indices
from likvard.segregation.published import possible_share_range, published_indices


def composition(totals, shares, statuses, year=2020, muni="0180"):
    return pd.DataFrame(
        {
            "school_year": year,
            "municipality_code": muni,
            "students_total": np.asarray(totals, dtype=float),
            "share_foreign_background": np.asarray(shares, dtype=float),
            "share_foreign_background_status": statuses,
        }
    )


def two_group(t, p):
    t = np.asarray(t, float)
    p = np.asarray(p, float)
    return pd.DataFrame({"focal": t * p, "other": t * (1 - p)})


def test_possible_ranges():
    low, high = possible_share_range(
        np.array([0.3, np.nan, np.nan, np.nan, np.nan]),
        np.array(
            ["value", "suppressed", "near_total", "approx_100", "missing"], dtype=object
        ),
        np.array([100.0, 200.0, 50.0, 40.0, 30.0]),
    )
    np.testing.assert_allclose(low[:4], [0.3, 0.0, 41 / 50, 36 / 40])
    np.testing.assert_allclose(high[:4], [0.3, 9 / 200, 1.0, 39 / 40])
    assert np.isnan(low[4]) and np.isnan(high[4])
    # a suppressed unit with 5 students can hold 0..5 focal students
    lo, hi = possible_share_range(
        np.array([np.nan]), np.array(["suppressed"], dtype=object), np.array([5.0])
    )
    assert (lo[0], hi[0]) == (0.0, 1.0)


def test_no_suppression_equals_indices_and_range_is_a_point():
    rng = np.random.default_rng(1)
    t = rng.integers(20, 400, 30).astype(float)
    p = rng.uniform(0.02, 0.9, 30)
    res = published_indices(composition(t, p, ["value"] * 30))
    ref = indices(two_group(t, p))
    row = res.iloc[0]
    for name in ["dissimilarity", "theil_h"]:
        for col in [name, f"{name}_low", f"{name}_high", f"{name}_excluded"]:
            assert row[col] == pytest.approx(ref[name], rel=1e-12), col
    assert row["n_units_uncertain"] == 0 and row["n_students"] == t.sum()


def test_suppressed_units_ranges_against_brute_force():
    t = np.array([300.0, 250, 120, 80, 60, 400, 45, 90])
    p = np.array([0.4, 0.1, 0.6, 0.2, np.nan, 0.35, np.nan, np.nan])
    status = [
        "value",
        "value",
        "value",
        "value",
        "suppressed",
        "value",
        "near_total",
        "suppressed",
    ]
    res = published_indices(composition(t, p, status)).iloc[0]
    low, high = possible_share_range(p, np.array(status, dtype=object), t)
    free = np.flatnonzero(low < high)
    # exhaustive: a fine grid (vertices included) over the uncertain shares, indices computed
    # directly from their two-group definitions for all grid points at once
    grids = [np.linspace(low[i], high[i], 41) for i in free]
    combos = np.array(list(itertools.product(*grids)))
    q = np.tile(p, (len(combos), 1))
    q[:, free] = combos
    T = t.sum()
    P = (q * t).sum(axis=1, keepdims=True) / T
    d = (t * np.abs(q - P)).sum(axis=1) / (2 * T * P[:, 0] * (1 - P[:, 0]))
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = np.nan_to_num(q * np.log(q / P)) + np.nan_to_num(
            (1 - q) * np.log((1 - q) / (1 - P))
        )
    h = (
        (t * kl).sum(axis=1)
        / T
        / -(P[:, 0] * np.log(P[:, 0]) + (1 - P[:, 0]) * np.log(1 - P[:, 0]))
    )
    vertex = np.all(
        [np.isin(combos[:, j], [low[i], high[i]]) for j, i in enumerate(free)], axis=0
    )
    q0 = p.copy()
    q0[free] = combos[0]
    assert d[0] == pytest.approx(indices(two_group(t, q0))["dissimilarity"], rel=1e-12)
    assert h[0] == pytest.approx(indices(two_group(t, q0))["theil_h"], rel=1e-12)
    for name, vals in {"dissimilarity": d, "theil_h": h}.items():
        assert res[f"{name}_high"] == pytest.approx(vals.max(), rel=1e-12)
        assert res[f"{name}_high"] == pytest.approx(vals[vertex].max(), rel=1e-12)
        assert res[f"{name}_low"] <= vals.min() + 1e-12
        assert res[f"{name}_low"] >= vals.min() - 1e-4
        assert res[f"{name}_low"] <= res[name] <= res[f"{name}_high"]
    known = [i for i, s in enumerate(status) if s == "value"]
    assert res["dissimilarity_excluded"] == pytest.approx(
        indices(two_group(t[known], p[known]))["dissimilarity"]
    )
    assert res["n_units_uncertain"] == 3
    assert res["n_students_uncertain"] == 60 + 45 + 90


def test_by_municipality_and_nation():
    rng = np.random.default_rng(3)
    frames = []
    for muni in ["0180", "1880"]:
        for year in [2015, 2016]:
            t = rng.integers(20, 300, 12).astype(float)
            frames.append(
                composition(t, rng.uniform(0.05, 0.8, 12), ["value"] * 12, year, muni)
            )
    comp = pd.concat(frames, ignore_index=True)
    per_muni = published_indices(comp)
    assert len(per_muni) == 4
    national = published_indices(comp, by=None)
    assert list(national["school_year"]) == [2015, 2016]
    sub = comp[(comp.school_year == 2016)]
    ref = indices(two_group(sub.students_total, sub.share_foreign_background))[
        "dissimilarity"
    ]
    assert national.loc[1, "dissimilarity"] == pytest.approx(ref)
    sub = comp[(comp.school_year == 2015) & (comp.municipality_code == "1880")]
    ref = indices(two_group(sub.students_total, sub.share_foreign_background))[
        "theil_h"
    ]
    row = per_muni[
        (per_muni.school_year == 2015) & (per_muni.municipality_code == "1880")
    ].iloc[0]
    assert row["theil_h"] == pytest.approx(ref)


def test_missing_column_is_named():
    with pytest.raises(ValueError, match="share_post_secondary"):
        published_indices(
            composition([10.0], [0.1], ["value"]), share="share_post_secondary"
        )
