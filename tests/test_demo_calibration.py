"""Exempelstad's distributions lie in the ranges of the real data (see likvard/demo/calibration.py)."""

from __future__ import annotations

import numpy as np
import pytest

from likvard.demo import generate_exempelstad


@pytest.fixture(scope="module", params=[2026, 3])
def demo(request):
    return generate_exempelstad(seed=request.param)


def _dissimilarity(counts_a: np.ndarray, counts_b: np.ndarray) -> float:
    return 0.5 * np.abs(counts_a / counts_a.sum() - counts_b / counts_b.sum()).sum()


def test_population_shares(demo):
    s = demo.students
    fb = (s["migration_background"] != "swedish").mean()
    ps = (s["parent_education"] == "post_secondary").mean()
    assert 0.20 <= fb <= 0.35
    assert 0.50 <= ps <= 0.65
    assert 0.01 <= s["newly_arrived"].mean() <= 0.07
    assert 0.45 <= (s["sex"] == "F").mean() <= 0.53


def test_segregation_between_schools_like_a_mid_sized_municipality(demo):
    s = demo.students[demo.students["school_year"] == 2024]
    fb = s["migration_background"] != "swedish"
    a = s[fb].groupby("school_id").size()
    b = s[~fb].groupby("school_id").size().reindex(a.index.union(s["school_id"].unique()), fill_value=0)
    a = a.reindex(b.index, fill_value=0)
    d_fb = _dissimilarity(a.to_numpy(float), b.to_numpy(float))
    assert 0.30 <= d_fb <= 0.50  # real mid-sized municipalities: IQR 0.35-0.46
    share = fb.groupby(s["school_id"]).mean()
    size = s.groupby("school_id").size()
    share = share[size >= 50]
    assert share.min() < 0.10 and share.max() > 0.60
    ps = s["parent_education"] == "post_secondary"
    c = ps.groupby(s["school_id"]).agg(["sum", "count"])
    d_ps = _dissimilarity(c["sum"].to_numpy(float), (c["count"] - c["sum"]).to_numpy(float))
    assert 0.18 <= d_ps <= 0.40


def test_residential_segregation_by_area_type(demo):
    s = demo.students.merge(demo.areas[["area_id", "area_type"]], left_on="home_area", right_on="area_id")
    fb = (s["migration_background"] != "swedish").groupby(s["area_type"]).mean()
    ps = (s["parent_education"] == "post_secondary").groupby(s["area_type"]).mean()
    assert fb.is_monotonic_decreasing and fb[1] > 0.6 and fb[5] < 0.2
    assert ps.is_monotonic_increasing and ps[5] - ps[1] > 0.3


def test_merit_and_eligibility(demo):
    g9 = demo.students[demo.students["grade"] == 9]
    m = g9["merit_value"]
    assert 220 <= m.mean() <= 235
    assert 60 <= m.std() <= 70
    assert 0.80 <= g9["eligible"].astype(float).mean() <= 0.90
    by_edu = m.groupby(g9["parent_education"]).mean()
    assert by_edu["compulsory"] < by_edu["upper_secondary"] < by_edu["post_secondary"]
    assert by_edu["post_secondary"] - by_edu["compulsory"] > 50
    # eligible students have higher merit values
    el = g9["eligible"].astype(bool)
    assert m[el].mean() - m[~el].mean() > 80
    # spread of school means like the real schools' (SD 28 nationally; a municipality's is smaller)
    school_means = g9.groupby("school_id")["merit_value"].mean()
    assert 12 <= school_means.std() <= 40


def test_certified_share_lower_in_challenged_schools(demo):
    st = demo.staff
    comp = demo.truth["school_composition"]
    cert = st.groupby(["school_id", "school_year"]).apply(
        lambda d: np.average(d["certified"], weights=d["fte"]), include_groups=False).rename("cert").reset_index()
    m = cert.merge(comp, on=["school_id", "school_year"])
    assert 0.65 <= np.average(m["cert"], weights=m["n_students"]) <= 0.80
    r = np.corrcoef(m["cert"], m["share_post_secondary"])[0, 1]
    assert r > 0.2
    lead = st["lead_teacher"].mean()
    assert 0.05 <= lead <= 0.15 and not (st["lead_teacher"] & ~st["certified"]).any()
    per_teacher = m["n_students"].sum() / st["fte"].sum()
    assert 10 <= per_teacher <= 14
    # turnover: some teachers stay from one year to the next, more so in advantaged schools
    ids = st.groupby("school_year")["staff_id"].apply(set)
    stayed = len(ids[2020] & ids[2019]) / len(ids[2019])
    assert 0.7 <= stayed <= 0.95


def test_survey_values(demo):
    sv = demo.survey
    assert {"student_grade5", "student_grade8", "guardian", "teacher"} == set(sv["respondent"])
    assert {"trygghet", "studiero", "stod"} == set(sv["area"])
    mean = sv.groupby(["respondent", "area"])["value"].mean()
    assert 7.5 <= mean[("student_grade5", "trygghet")] <= 9.0
    assert 4.5 <= mean[("student_grade8", "studiero")] <= 6.8
    assert (sv["n_respondents"] > 0).all()
    g5 = sv[sv["respondent"] == "student_grade5"].merge(
        demo.students[demo.students["grade"] == 5].groupby(["school_id", "school_year"]).size().rename("n").reset_index())
    assert (g5["n_respondents"] <= g5["n"]).all()
