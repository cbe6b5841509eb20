"""SCB's socioeconomic area type of RegSO areas: hand cases and Stockholm's published types."""

from __future__ import annotations

import numpy as np
import pytest

from likvard.expected.area_type import (
    area_types,
    reference_from_types,
    socioeconomic_index,
)


def test_index_is_mean_of_three_shares_in_percent():
    assert socioeconomic_index([0.03], [0.06], [0.09])[0] == pytest.approx(6.0)


def test_types_by_standard_deviations_hand_case():
    # m = 10, s = 5: boundaries at 0, 5 (type 5|4), 10, 15, 20
    idx = np.array([4.9, 5.0, 9.0, 10.0, 12.0, 15.0, 16.0, 20.0, 20.1, np.nan])
    t = area_types(idx, mean=10, sd=5)
    np.testing.assert_array_equal(t[:-1], [5, 5, 4, 4, 3, 3, 2, 2, 1])
    assert np.isnan(t[-1])


def test_types_invariant_to_scaling_the_index():
    rng = np.random.default_rng(1)
    idx = rng.gamma(2.0, 4.0, 500)
    np.testing.assert_array_equal(area_types(idx), area_types(3.7 * idx))


def test_reference_recovered_from_simulated_types():
    rng = np.random.default_rng(2)
    idx = np.round(rng.gamma(2.0, 4.5, 3000), 1)
    t = area_types(idx, mean=9.0, sd=5.5)
    ref = reference_from_types(idx, t)
    assert ref["feasible"]
    assert ref["mean"][0] <= 9.0 <= ref["mean"][1] and ref["mean"][1] - ref["mean"][0] < 0.2
    assert ref["sd"][0] <= 5.5 <= ref["sd"][1]
    shuffled = rng.permutation(t)
    assert not reference_from_types(idx, shuffled)["feasible"]


def test_stockholm_published_index_and_types(real_data):
    """Stockholm 2024 (102 RegSO): the index is the mean of the three published shares (within the
    rounding of the shares) and one national (mean, sd) reproduces every published area type."""
    from likvard.sources.skolverket.scb import read_stockholm_socioeconomic

    d = read_stockholm_socioeconomic(real_data / "scb_regso_deso" / "stockholm_socioekonomiskt_2024.csv")
    assert len(d) == 102
    idx = socioeconomic_index(d["share_assistance"], d["share_compulsory_education"],
                              d["share_low_economic_standard"])
    assert np.abs(idx - d["socioeconomic_index"]).max() <= 0.05 + 1e-9
    ref = reference_from_types(idx, d["area_type"])
    assert ref["feasible"]
    m, s = np.mean(ref["mean"]), np.mean(ref["sd"])
    assert (area_types(idx, mean=m, sd=s) == d["area_type"]).all()
    # Stockholm is better off than the country: its own mean and SD would misclassify many areas
    assert (area_types(idx) == d["area_type"]).mean() < 0.8
    assert m > np.mean(idx)
