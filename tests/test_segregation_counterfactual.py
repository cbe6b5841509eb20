"""Residential versus choice segregation on synthetic cities with a known answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from likvard.segregation import indices
from likvard.segregation.counterfactual import (
    nearest_school,
    residential_vs_choice,
    school_comparison,
)


def city(seed=0, n=3000):
    rng = np.random.default_rng(seed)
    schools = pd.DataFrame(
        {
            "school_id": [f"S{i}" for i in range(6)],
            "school_year": 2024,
            "x": [0.0, 2000, 4000, 6000, 1000, 5000],
            "y": [0.0, 0, 0, 0, 1500, 1500],
            "grade_min": [0, 0, 0, 0, 7, 7],
            "grade_max": [6, 6, 9, 6, 9, 9],
        }
    )
    x = rng.uniform(-500, 6500, n)
    y = rng.uniform(-500, 2000, n)
    post = rng.random(n) < 0.2 + 0.6 * (
        x / 6500
    )  # the east is better off: residential segregation
    students = pd.DataFrame(
        {
            "student_id": [f"e{i}" for i in range(n)],
            "school_year": 2024,
            "grade": rng.integers(0, 10, n),
            "home_x": x,
            "home_y": y,
            "parent_education": np.where(post, "post_secondary", "upper_secondary"),
        }
    )
    return students, schools


def brute_nearest(students, schools):
    out = []
    for _, s in students.iterrows():
        cand = schools[(schools.grade_min <= s.grade) & (schools.grade_max >= s.grade)]
        d = np.hypot(cand.x - s.home_x, cand.y - s.home_y)
        out.append(cand.school_id.iloc[int(np.argmin(d.to_numpy()))])
    return out


def test_nearest_school_matches_brute_force_and_respects_grades():
    students, schools = city(1, 400)
    got = nearest_school(students, schools)
    assert list(got) == brute_nearest(students, schools)
    upper = students.grade >= 7
    assert set(got[upper]) <= {"S2", "S4", "S5"}
    assert not set(got[~upper]) & {"S4", "S5"}


def test_everyone_at_nearest_school_means_no_choice_part():
    students, schools = city(2)
    students["school_id"] = nearest_school(students, schools)
    r = residential_vs_choice(students, schools).iloc[0]
    assert r["m_actual"] > 0.01
    assert r["m_residential"] == pytest.approx(r["m_actual"], abs=1e-15)
    assert r["m_choice"] == pytest.approx(0.0, abs=1e-15)


def test_choice_by_background_adds_segregation_and_split_is_exact():
    students, schools = city(3)
    home = nearest_school(students, schools)
    # post-secondary families in the west choose the eastern school instead
    actual = home.copy()
    move = (students.parent_education == "post_secondary") & home.isin(["S0", "S1"])
    actual[move] = "S3"
    move7 = (students.parent_education == "post_secondary") & (students.grade >= 7)
    actual[move7] = "S5"
    students["school_id"] = actual
    r = residential_vs_choice(students, schools).iloc[0]
    m_act = indices(pd.crosstab(actual, students.parent_education).astype(float))[
        "mutual_information"
    ]
    m_home = indices(pd.crosstab(home, students.parent_education).astype(float))[
        "mutual_information"
    ]
    assert r["m_actual"] == pytest.approx(m_act)
    assert r["m_residential"] == pytest.approx(m_home)
    assert r["m_choice"] == pytest.approx(m_act - m_home)
    assert r["m_choice"] > 0.02 and 0 < r["choice_share"] < 1
    comp = school_comparison(students, home, "parent_education").set_index("school_id")
    assert (
        comp.loc["S3", "share_post_secondary_actual"]
        > comp.loc["S3", "share_post_secondary_residential"]
    )
    assert comp["n_actual"].sum() == comp["n_residential"].sum() == len(students)


def test_catchment_and_area_variants():
    students, schools = city(4, 1500)
    students["school_id"] = nearest_school(students, schools)
    catch = pd.Series(np.where(students.grade >= 7, "S2", "S1"), index=students.index)
    r = residential_vs_choice(students, schools, catchment=catch).iloc[0]
    # a single catchment school per stage mixes everyone: residential part near zero
    assert r["m_residential"] < 0.001 < r["m_actual"]
    # area variant: 1 km x ~1 km cells as areas with their centre points
    students["home_area"] = (
        (students.home_x // 1000).astype(int).astype(str)
        + "_"
        + (students.home_y // 1250).astype(int).astype(str)
    )
    cells = students.groupby("home_area")[["home_x", "home_y"]].mean()
    areas = pd.DataFrame(
        {
            "area_id": cells.index,
            "x": cells.home_x.to_numpy(),
            "y": cells.home_y.to_numpy(),
        }
    )
    ra = residential_vs_choice(students, schools, areas=areas).iloc[0]
    expected_m_areas = indices(
        pd.crosstab(students.home_area, students.parent_education).astype(float)
    )["mutual_information"]
    assert ra["m_areas"] == pytest.approx(expected_m_areas)
    assert ra["m_residential"] == pytest.approx(r["m_actual"], rel=0.5)


def test_count_table_equals_pandas_crosstab_with_missing_values_and_unaligned_series():
    from likvard.segregation.counterfactual import _table

    rng = np.random.default_rng(5)
    units = pd.Series(rng.choice(["S3", "S1", "S2", None], 400), index=rng.permutation(400), name="school_id")
    groups = pd.Series(rng.choice(["low", "high", None], 420), index=rng.permutation(420), name="grp")
    for unit, group in [(units, groups), (units, groups.reindex(units.index)), (units.iloc[:50], groups)]:
        pd.testing.assert_frame_equal(_table(unit, group), pd.crosstab(unit, group).astype(float))


def test_nearest_school_equals_brute_force_distances():
    from likvard.segregation.counterfactual import nearest_school

    rng = np.random.default_rng(8)
    schools = pd.DataFrame({"school_id": [f"S{i}" for i in range(30)], "school_year": np.repeat([2023, 2024], 15),
                            "x": rng.uniform(0, 1e4, 30), "y": rng.uniform(0, 1e4, 30),
                            "grade_min": rng.choice([0, 4, 7], 30), "grade_max": rng.choice([6, 9], 30)})
    students = pd.DataFrame({"school_year": rng.choice([2023, 2024], 500), "grade": rng.integers(0, 10, 500),
                             "home_x": rng.uniform(0, 1e4, 500), "home_y": rng.uniform(0, 1e4, 500)},
                            index=rng.permutation(np.arange(1000, 1500)))
    students.iloc[:7, 2] = np.nan  # homes not known
    got = nearest_school(students, schools)
    for i, st in students.iterrows():
        cand = schools[(schools.school_year == st.school_year) & (schools.grade_min <= st.grade)
                       & (schools.grade_max >= st.grade)]
        if cand.empty or np.isnan(st.home_x):
            assert pd.isna(got[i])
            continue
        d = np.hypot(cand.x - st.home_x, cand.y - st.home_y)
        assert got[i] == cand.school_id.iloc[int(np.argmin(d.to_numpy()))]
