"""Equity measures and teacher distribution against hand-computed and independent references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from likvard.allocation.equity import (
    compensation_ratio,
    concentration_curve,
    concentration_index,
    fractional_rank,
    quintile_means,
)
from likvard.allocation.teachers import (
    dissimilarity_teachers_students,
    published_certification_gap,
    teacher_distribution,
    teacher_gaps,
)


def concentration_index_expanded(h, need, n):
    """Independent reference: expand to individual students, then C = 1 - 2 * area under the
    concentration curve (students ranked least needy first), amounts averaged within ties."""
    hh = np.repeat(h, n)
    nn = np.repeat(need, n)
    # average amounts within tie groups so that the curve does not depend on order within ties
    df = pd.DataFrame({"h": hh, "need": nn})
    df["h_tie"] = df.groupby("need")["h"].transform("mean")
    df = df.sort_values("need", kind="stable")
    L = np.r_[0, np.cumsum(df["h_tie"].to_numpy()) / df["h_tie"].sum()]
    p = np.linspace(0, 1, len(L))
    area = np.trapezoid(L, p)
    return 1 - 2 * area


def test_concentration_index_hand_computed():
    # 2 schools x 1 student: least needy gets 1, neediest 3; R = 1/4, 3/4; mean 2
    # cov = ((1-2)(1/4-1/2) + (3-2)(3/4-1/2)) / 2 = 0.25  -> C = 2*0.25/2 = 0.25
    assert concentration_index(np.array([1.0, 3.0]), np.array([10.0, 20.0]), np.array([1, 1])) == pytest.approx(0.25)
    # equal amounts -> 0
    assert concentration_index(np.array([5.0, 5.0, 5.0]), np.array([1.0, 2.0, 3.0]), np.array([3, 4, 5])) == pytest.approx(0.0)


@pytest.mark.parametrize("seed", range(5))
def test_concentration_index_against_expanded_students(seed):
    rng = np.random.default_rng(seed)
    k = 12
    n = rng.integers(1, 30, k)
    need = rng.choice([60.0, 80.0, 100.0, 120.0, 150.0, 170.0, 200.0], k)  # with ties
    h = rng.uniform(40000, 90000, k)
    ours = concentration_index(h, need, n)
    ref = concentration_index_expanded(h, need, n)
    # with mid-point ranks the covariance formula and 1 - 2 * (trapezoid area) agree exactly
    assert ours == pytest.approx(ref, abs=1e-9)


def test_fractional_rank_ties_share_mean_rank():
    r = fractional_rank(np.array([3.0, 1.0, 3.0, 2.0]), np.array([1.0, 1.0, 1.0, 1.0]))
    assert r.tolist() == pytest.approx([0.75, 0.125, 0.75, 0.375])


def test_compensation_ratio_hand_computed():
    # 10 schools of 10 students, need 1..10, amount = need * 1000: neediest fifth are schools 9, 10
    # (mean 9,500), least needy 1, 2 (mean 1,500) -> ratio 19/3
    need = np.arange(1, 11, dtype=float)
    assert compensation_ratio(need * 1000, need, np.full(10, 10)) == pytest.approx(9500 / 1500)


def test_quintile_border_splits_a_school():
    # 3 schools of 5, 5, 10 students: quintile size 4; school 2 spans groups 2 and 3
    means = quintile_means(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0]), np.array([5, 5, 10]))
    # group1: 4 of school1 -> 1; group2: 1 of s1 + 3 of s2 -> 1.75; group3: 2 of s2 + 2 of s3 -> 2.5
    assert means.tolist() == pytest.approx([1.0, 1.75, 2.5, 3.0, 3.0])


def test_concentration_curve_ends():
    c = concentration_curve(np.array([10.0, 30.0]), np.array([1.0, 2.0]), np.array([1, 1]))
    assert c["cum_students"].tolist() == [0.0, 0.5, 1.0]
    assert c["cum_amount"].tolist() == [0.0, 0.75, 1.0]  # neediest first


def test_teacher_distribution_hand_computed():
    staff = pd.DataFrame(
        {
            "staff_id": ["a", "b", "c", "d", "a", "b", "e", "f"],
            "school_year": [2023, 2023, 2023, 2023, 2024, 2024, 2024, 2024],
            "school_id": ["S1", "S1", "S1", "S2", "S1", "S2", "S1", "S2"],
            "certified": [True, True, False, True, True, True, False, False],
            "lead_teacher": [True, False, False, False, True, False, False, False],
            "fte": [1.0, 0.5, 1.0, 1.0, 1.0, 1.0, 0.5, 1.0],
            "experience_years": [10, 4, 1, 20, 11, 5, 0, 2],
        }
    )
    students = pd.DataFrame({"school_id": ["S1"] * 50 + ["S2"] * 25, "school_year": 2024})
    d = teacher_distribution(staff, students).set_index(["school_id", "school_year"])
    s1 = d.loc[("S1", 2024)]
    assert s1["teacher_fte"] == 1.5 and s1["share_certified"] == pytest.approx(1.0 / 1.5)
    assert s1["lead_teachers_per_100"] == pytest.approx(2.0)
    assert s1["mean_experience"] == pytest.approx((11 * 1.0 + 0 * 0.5) / 1.5)
    # S1 had a, b, c in 2023; only a is still there -> turnover 2/3. S2 had d; d left -> 1
    assert s1["turnover"] == pytest.approx(2 / 3)
    assert d.loc[("S2", 2024)]["turnover"] == pytest.approx(1.0)
    assert np.isnan(d.loc[("S1", 2023)]["turnover"])


def test_dissimilarity_teachers_students():
    assert dissimilarity_teachers_students(np.array([2.0, 1.0]), np.array([200, 100])) == pytest.approx(0.0)
    # all certified at school 1, students split evenly -> D = 0.5
    assert dissimilarity_teachers_students(np.array([3.0, 0.0]), np.array([100, 100])) == pytest.approx(0.5)


def test_teacher_gaps_direction():
    rng = np.random.default_rng(0)
    k = 50
    need = rng.uniform(50, 150, k)
    n = rng.integers(100, 400, k)
    share = 0.95 - 0.003 * (need - 50)  # needier schools have fewer certified teachers
    fte = n / 12
    dist = pd.DataFrame({"n_students": n, "need_index": need, "share_certified": share,
                         "certified_fte": share * fte, "teacher_fte": fte})
    g = teacher_gaps(dist)
    assert g["share_certified"]["gap_neediest_minus_least"] < -0.15
    assert g["concentration_index_certified"] < 0
    assert 0 < g["dissimilarity_certified"] < 0.2


def test_published_certification_gap_groups():
    units = pd.DataFrame({
        "students_total": [100] * 10,
        "share_post_secondary": np.linspace(0.9, 0.2, 10),
        "share_foreign_background": np.linspace(0.05, 0.8, 10),
        "share_certified_teachers": np.linspace(0.85, 0.55, 10),
    })
    g = published_certification_gap(units)
    assert g["share_certified"].tolist() == pytest.approx(np.linspace(0.85, 0.55, 10).reshape(5, 2).mean(axis=1).tolist())
