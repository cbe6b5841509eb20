"""Need index from published composition, and disagreement between need measures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from likvard.expected.need_published import (
    composition_need_index,
    need_disagreement,
    rank_correlations,
)


def synthetic_country(n_units=800, seed=1):
    rng = np.random.default_rng(seed)
    ids = [f"{20000000 + i}" for i in range(n_units)]
    pe = rng.uniform(0.15, 0.95, n_units)
    fb = np.clip(1.1 - pe + rng.normal(0, 0.15, n_units), 0.01, 0.99)
    n = rng.integers(30, 900, n_units)
    g9 = np.where(rng.random(n_units) < 0.4, np.round(n / 9), 0)
    comp = pd.DataFrame({"school_id": ids, "school_year": 2024, "share_post_secondary": pe,
                         "share_foreign_background": fb, "share_girls": rng.uniform(0.45, 0.55, n_units),
                         "students_total": n})
    p = expit(-0.5 + 3.5 * pe - 0.8 * fb)
    has = g9 > 0
    res = pd.DataFrame({"share_eligible": rng.binomial(g9[has].astype(int), p[has]) / g9[has],
                        "n_students": g9[has]}, index=np.array(ids)[has])
    return comp, res, 1 - p


def test_student_weighted_mean_is_100_and_every_unit_gets_an_index():
    comp, res, true_risk = synthetic_country()
    out = composition_need_index(comp, res, 2024, 2024)
    assert len(out) == len(comp)  # units without grade 9 included
    assert np.average(out["need_index"], weights=out["n_students"]) == pytest.approx(100.0, abs=1e-9)
    assert (out["need_index_low"] <= out["need_index"]).all() and (out["need_index"] <= out["need_index_high"]).all()
    # the composition index ranks units like the true risk
    rho = pd.Series(out["expected_not_eligible"].to_numpy()).corr(pd.Series(true_risk), method="spearman")
    assert rho > 0.95


def test_disagreement_hand_case():
    m = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [4.0, 3.0, 2.0, 1.0], "c": [1.0, 2.0, 3.0, 4.0]},
                     index=list("wxyz"))
    same = need_disagreement(m, {"a": True, "c": True})
    assert (same["disagreement"] == 0).all() and not same["disagrees"].any()
    # b says "less need when higher": it then agrees fully with a
    agree = need_disagreement(m, {"a": True, "b": False})
    assert (agree["disagreement"] == 0).all()
    # read the other way, b ranks every school opposite to a: 25,50,75,100 vs 100,75,50,25
    opposite = need_disagreement(m, {"a": True, "b": True})
    np.testing.assert_allclose(opposite["disagreement"], [75, 25, 25, 75])
    assert opposite["disagrees"].tolist() == [True, False, False, True]
    corr = rank_correlations(m, {"a": True, "b": False})
    assert corr.loc["a", "b"] == pytest.approx(1.0)


def test_published_need_measures(real_data):
    """On Skolverket's files: an index for every unit with composition (also without grade 9),
    agreeing with SALSA's parental-education index and with actual non-eligibility, less so with
    the area type of the school's surroundings."""
    from likvard.sources.skolverket import (
        read_composition_series,
        read_grade9_results,
        read_skolkarta,
    )

    comp = read_composition_series(real_data)
    res = read_grade9_results(next((real_data / "skolverket_slutbetyg_ak9").glob("*Skolenhet.csv")))
    res = res.drop_duplicates("school_id").set_index("school_id")
    karta = read_skolkarta(next(real_data.rglob("skolkarta_grundskolor_ak9_*.csv")))
    karta = karta.drop_duplicates("school_id").set_index("school_id")
    ni = composition_need_index(comp, res, 2024, 2024).set_index("school_id")
    assert len(ni) > 2 * res["merit_value"].notna().sum()
    area = comp[comp["school_year"] == 2025].drop_duplicates("school_id").set_index("school_id")["area_type"]
    m = pd.DataFrame({"need_index": ni["need_index"], "area_type": area, "salsa_parents": karta["salsa_parents"],
                      "not_eligible": 1 - res["share_eligible"]})
    corr = rank_correlations(m, {"need_index": True, "area_type": False, "salsa_parents": False,
                                 "not_eligible": True})
    assert corr.loc["need_index", "salsa_parents"] > 0.85
    assert corr.loc["need_index", "not_eligible"] > 0.5
    assert 0.3 < corr.loc["need_index", "area_type"] < corr.loc["need_index", "salsa_parents"]
