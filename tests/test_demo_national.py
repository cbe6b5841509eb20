"""The national benchmark set at a small size: sizes, contract columns, calibration, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial import cKDTree

from likvard import tables
from likvard.demo import generate_national


@pytest.fixture(scope="module")
def nat():
    return generate_national(seed=3, n_schools=300, n_students=60_000, school_year=2023)


def test_sizes_and_columns(nat):
    assert nat.schools["school_id"].nunique() == 300 and len(nat.schools) == 300
    assert len(nat.students) == 60_000 and nat.students["student_id"].is_unique
    assert (nat.students["school_year"] == 2023).all()
    assert nat.schools["municipality_code"].nunique() == 300 // 17
    for kind, contract in (("schools", tables.SCHOOLS_COLUMNS), ("students", tables.STUDENTS_COLUMNS),
                           ("choices", tables.CHOICES_COLUMNS), ("staff", tables.STAFF_COLUMNS),
                           ("survey", tables.SURVEY_COLUMNS), ("areas", tables.AREAS_COLUMNS)):
        assert set(contract) <= set(getattr(nat, kind).columns), kind
    s = nat.students
    assert set(s["parent_education"]) == set(tables.PARENT_EDUCATION)
    assert set(s["migration_background"]) == set(tables.MIGRATION_BACKGROUND)
    assert s["school_id"].str.fullmatch(r"\d{8}").all()
    assert s["home_x"].between(180_000, 1_090_000).all() and s["home_y"].between(6_050_000, 7_700_000).all()


def test_students_at_schools_offering_their_grade_and_choices_valid(nat):
    m = nat.students.merge(nat.schools[["school_id", "grade_min", "grade_max"]], on="school_id")
    assert len(m) == len(nat.students)
    assert ((m["grade"] >= m["grade_min"]) & (m["grade"] <= m["grade_max"])).all()
    c = nat.choices.merge(nat.schools[["school_id", "grade_min", "grade_max"]], on="school_id")
    assert set(c["grade"]) == {0, 7}
    assert ((c["grade"] >= c["grade_min"]) & (c["grade"] <= c["grade_max"])).all()
    assert (c.groupby("student_id")["rank"].apply(lambda r: sorted(r) == [1, 2, 3])).all()
    first = nat.choices[nat.choices["rank"] == 1].merge(nat.students[["student_id", "school_id"]], on="student_id")
    assert (first["school_id_x"] == first["school_id_y"]).all()  # simplified: placed at the first choice


def test_home_school_is_nearest(nat):
    home = nat.truth["home_school"].merge(nat.students, on="student_id", suffixes=("_home", ""))
    for lo, hi in ((0, 6), (7, 9)):
        offer = nat.schools[(nat.schools["grade_min"] <= lo) & (nat.schools["grade_max"] >= hi)]
        part = home[home["grade"].between(lo, hi)]
        _, idx = cKDTree(offer[["x", "y"]].to_numpy()).query(part[["home_x", "home_y"]].to_numpy())
        assert (offer["school_id"].to_numpy()[idx] == part["school_id_home"].to_numpy()).mean() > 0.999


def test_national_calibration(nat):
    s = nat.students
    assert 0.22 <= (s["migration_background"] != "swedish").mean() <= 0.33
    assert 0.58 <= (s["parent_education"] == "post_secondary").mean() <= 0.70
    g9 = s[s["grade"] == 9]
    assert 220 <= g9["merit_value"].mean() <= 238 and 58 <= g9["merit_value"].std() <= 72
    assert 0.80 <= g9["eligible"].astype(float).mean() <= 0.92
    fb = s["migration_background"] != "swedish"
    tab = pd.crosstab(s["school_id"], fb).to_numpy(float)
    d = 0.5 * np.abs(tab[:, 1] / tab[:, 1].sum() - tab[:, 0] / tab[:, 0].sum()).sum()
    assert 0.30 <= d <= 0.55  # national D of foreign background across school units ~0.41 (2023/24)
    st = nat.staff
    assert 0.65 <= np.average(st["certified"], weights=st["fte"]) <= 0.80


def test_national_is_deterministic():
    a = generate_national(seed=9, n_schools=40, n_students=5_000)
    b = generate_national(seed=9, n_schools=40, n_students=5_000)
    c = generate_national(seed=10, n_schools=40, n_students=5_000)
    pd.testing.assert_frame_equal(a.students, b.students)
    pd.testing.assert_frame_equal(a.choices, b.choices)
    assert not a.students["home_x"].equals(c.students["home_x"])
