"""Exempelstad: determinism, column contracts, panel, choices and placement, home schools."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy.spatial import cKDTree

from likvard import tables
from likvard.demo import DemoData, generate_exempelstad


@pytest.fixture(scope="module")
def demo(exempelstad) -> DemoData:
    return exempelstad  # the session fixture of conftest.py (default seed)


@pytest.fixture(scope="module")
def small() -> DemoData:
    return generate_exempelstad(seed=11, n_years=3, first_year=2021, scale=0.3)


def _frames(d: DemoData) -> dict[str, pd.DataFrame]:
    return {k: getattr(d, k) for k in ("schools", "students", "choices", "staff", "survey", "areas")}


def test_same_seed_gives_identical_frames(small):
    again = generate_exempelstad(seed=11, n_years=3, first_year=2021, scale=0.3)
    for kind, df in _frames(small).items():
        pd.testing.assert_frame_equal(df, getattr(again, kind), obj=kind)
    for key, value in small.truth.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(value, again.truth[key], obj=key)
        else:
            assert value == again.truth[key], key


def test_different_seed_gives_different_data(small):
    other = generate_exempelstad(seed=12, n_years=3, first_year=2021, scale=0.3)
    assert not small.students[["home_x", "home_y"]].equals(other.students[["home_x", "home_y"]])
    assert not small.truth["school_effects"]["effect"].equals(other.truth["school_effects"]["effect"])


def test_years_and_sizes(demo):
    assert demo.years() == list(range(2014, 2025))
    per_year = demo.students.groupby("school_year").size()
    assert per_year.between(10_500, 13_500).all(), per_year
    assert 20 <= demo.schools["school_id"].nunique() <= 30
    types = demo.schools.drop_duplicates("school_id")
    assert set(types["organiser_type"]) == {"municipal", "independent"}
    spans = set(zip(types["grade_min"], types["grade_max"]))
    assert {(0, 6), (7, 9), (0, 9)} <= spans
    assert (types["profile"] != "").sum() >= 2


def test_contract_columns_and_codes(demo):
    for kind, contract in (("schools", tables.SCHOOLS_COLUMNS), ("students", tables.STUDENTS_COLUMNS),
                           ("choices", tables.CHOICES_COLUMNS), ("staff", tables.STAFF_COLUMNS),
                           ("survey", tables.SURVEY_COLUMNS), ("areas", tables.AREAS_COLUMNS)):
        df = getattr(demo, kind)
        assert set(contract) <= set(df.columns), (kind, set(contract) - set(df.columns))
        assert len(df) > 0, kind
    s = demo.students
    assert set(s["sex"]) <= set(tables.SEX)
    assert set(s["parent_education"]) == set(tables.PARENT_EDUCATION)
    assert set(s["migration_background"]) == set(tables.MIGRATION_BACKGROUND)
    assert s["grade"].between(0, 9).all()
    assert not s.duplicated(["student_id", "school_year"]).any()
    assert s["school_id"].str.fullmatch(r"\d{8}").all()
    assert demo.schools["municipality_code"].str.fullmatch(r"\d{4}").all()
    assert set(demo.schools["organiser_type"]) <= set(tables.ORGANISER_TYPE)
    assert set(demo.survey["respondent"]) <= set(tables.RESPONDENT)
    assert set(demo.survey["area"]) <= set(tables.SURVEY_AREAS)
    assert demo.survey["value"].between(0, 10).all()
    assert demo.areas["area_type"].between(1, 5).all() and demo.areas["area_type"].nunique() == 5
    # SWEREF99 TM inside Sweden, around the town centre
    assert s["home_x"].between(480_000, 520_000).all() and s["home_y"].between(6_550_000, 6_590_000).all()
    g9 = s["grade"] == 9
    assert s.loc[g9, "merit_value"].between(tables.MERIT_MIN, tables.MERIT_MAX).all()
    assert s.loc[~g9, "merit_value"].isna().all() and s.loc[~g9, "eligible"].isna().all()
    assert s.loc[g9, "eligible"].notna().all()
    # no personal identity numbers: ids are short pseudonyms
    assert not s["student_id"].str.fullmatch(r"\d{10}|\d{12}").any()
    assert 0 < s["protected_identity"].mean() < 0.02
    st = demo.staff
    assert not st.duplicated(["staff_id", "school_year", "school_id"]).any()
    assert st["fte"].between(0.1, 1.0).all()


def test_registers_pass_the_import_validation(small, tmp_path):
    from likvard.sources.registers import read_register

    paths = small.write(tmp_path)
    known = small.schools.groupby("school_year")["school_id"].apply(set).to_dict()
    for kind in tables.KINDS:
        df = read_register(kind, paths[kind], known_school_ids=None if kind == "schools" else known, key=b"k" * 32)
        assert len(df) == len(getattr(small, kind)), kind


def test_panel_grades_advance_by_one(demo):
    s = demo.students.sort_values(["student_id", "school_year"])
    nxt = s.groupby("student_id")[["school_year", "grade"]].shift(-1)
    both = nxt["school_year"].notna()
    assert (nxt.loc[both, "school_year"] - s.loc[both, "school_year"] == 1).all()  # no gaps
    assert (nxt.loc[both, "grade"] - s.loc[both, "grade"] == 1).all()
    assert s.loc[both, "grade"].max() == 8  # grade 9 leaves
    first = s.groupby("student_id").first()
    later = first[first["school_year"] > 2019]
    assert (later["grade"] == 0).mean() > 0.5  # new cohorts enter grade 0 ...
    assert (later["grade"] > 0).sum() > 200  # ... and some move in to other grades
    last = s.groupby("student_id").last()
    moved_out = last[(last["school_year"] < 2024) & (last["grade"] < 9)]
    assert len(moved_out) > 200
    # constant attributes over the years
    const = s.groupby("student_id")[["sex", "parent_education", "migration_background", "home_x", "sibling_group"]].nunique()
    assert (const == 1).all().all()
    na = s[s["newly_arrived"]]
    assert (na["migration_background"] == "foreign_born").all()
    assert na["grade"].nunique() == 10  # newly arrived arrive in all grades


def test_students_attend_open_schools_offering_their_grade(demo):
    sch = demo.schools[["school_id", "school_year", "grade_min", "grade_max"]]
    m = demo.students.merge(sch, on=["school_id", "school_year"], how="left", validate="many_to_one")
    assert m["grade_min"].notna().all()
    assert ((m["grade"] >= m["grade_min"]) & (m["grade"] <= m["grade_max"])).all()


def test_non_entry_grades_stay_at_their_school(demo):
    s = demo.students.sort_values(["student_id", "school_year"])
    nxt = s.groupby("student_id")[["school_year", "school_id", "grade"]].shift(-1)
    cont = nxt["school_year"].notna() & ~nxt["grade"].isin([0, 7])
    assert (nxt.loc[cont, "school_id"] == s.loc[cont, "school_id"]).all()


def test_families_have_one_to_four_children(demo):
    sizes = demo.students.groupby("sibling_group")["student_id"].nunique()
    assert sizes.between(1, 4).all() and set(sizes.unique()) == {1, 2, 3, 4}
    homes = demo.students.groupby("sibling_group")[["home_x", "home_y"]].nunique()
    assert (homes == 1).all().all()


def test_choices_are_ranked_and_valid(demo):
    c = demo.choices
    assert set(c["grade"]) == {0, 7}
    assert not c.duplicated(["student_id", "school_year", "rank"]).any()
    assert not c.duplicated(["student_id", "school_year", "school_id"]).any()
    ranks = c.groupby(["student_id", "school_year"])["rank"].agg(["min", "max", "count"])
    assert (ranks["min"] == 1).all() and (ranks["max"] == ranks["count"]).all() and (ranks["count"] == 3).all()
    sch = demo.schools[["school_id", "school_year", "grade_min", "grade_max"]]
    m = c.merge(sch, on=["school_id", "school_year"], how="left")
    assert m["grade_min"].notna().all()
    assert ((m["grade"] >= m["grade_min"]) & (m["grade"] <= m["grade_max"])).all()
    # every student in an entry grade chose, in that grade
    s = demo.students
    entry = s[s["grade"].isin([0, 7])][["student_id", "school_year", "grade"]]
    chosen = c[c["rank"] == 1][["student_id", "school_year", "grade"]]
    pd.testing.assert_frame_equal(entry.sort_values(["student_id", "school_year"]).reset_index(drop=True),
                                  chosen.sort_values(["student_id", "school_year"]).reset_index(drop=True),
                                  check_dtype=False)


def test_placement_respects_choices_and_capacity(demo):
    s, c = demo.students, demo.choices
    admin = demo.truth["administrative_placements"].assign(admin=True)
    entry = s[s["grade"].isin([0, 7])].merge(admin[["student_id", "school_year", "admin"]],
                                              on=["student_id", "school_year"], how="left")
    entry["admin"] = entry["admin"].fillna(False).astype(bool)
    got = entry.merge(c, on=["student_id", "school_year", "school_id"], how="left")
    by_choice = got[~got["admin"]]
    assert by_choice["rank"].notna().all()  # placed by choice means at one of the ranked schools
    assert (got["rank"] == 1).mean() > 0.75
    assert got["admin"].mean() < 0.08
    placed = entry[~entry["admin"]].groupby(["school_id", "school_year", "grade"]).size().rename("n").reset_index()
    caps = demo.schools.melt(id_vars=["school_id", "school_year"], value_vars=["capacity_0", "capacity_7"],
                             var_name="g", value_name="cap")
    caps["grade"] = caps["g"].str[-1].astype(int)
    m = placed.merge(caps, on=["school_id", "school_year", "grade"])
    assert len(m) == len(placed)
    assert (m["n"] <= m["cap"]).all()


def test_home_school_is_the_nearest_school_offering_the_grade(demo):
    home = demo.truth["home_school"]
    s = demo.students.merge(home.rename(columns={"school_id": "home"}), on=["student_id", "school_year"])
    assert len(s) == len(demo.students)
    sch = demo.schools
    for (t, g), part in s.groupby(["school_year", "grade"]):
        offer = sch[(sch["school_year"] == t) & (sch["grade_min"] <= g) & (sch["grade_max"] >= g)]
        _, idx = cKDTree(offer[["x", "y"]].to_numpy()).query(part[["home_x", "home_y"]].to_numpy())
        assert (offer["school_id"].to_numpy()[idx] == part["home"].to_numpy()).all(), (t, g)


def test_scale_multiplies_schools_and_students(small):
    s1 = small.students.groupby("school_year").size().mean()
    assert 0.3 * 10_500 <= s1 <= 0.3 * 13_500
    assert 5 <= small.schools["school_id"].nunique() <= 12


def test_population_scale_grows_the_students_not_the_schools(small):
    dense = generate_exempelstad(seed=11, n_years=3, first_year=2021, scale=0.3, population_scale=0.6)
    ids = sorted(small.schools["school_id"].unique())
    assert sorted(dense.schools["school_id"].unique()) == ids
    per_year = dense.students.groupby("school_year").size()
    assert per_year.between(0.6 * 10_500, 0.6 * 13_500).all()
    assert set(dense.students["school_id"]) <= set(ids)
    # municipal places follow the students (nearest-school demand), so they grow with them
    cap = [d.schools.loc[d.schools["organiser_type"] == "municipal", "capacity_0"].sum() for d in (small, dense)]
    assert cap[1] > 1.5 * cap[0]


def test_scale_four_gives_about_a_hundred_schools():
    big = generate_exempelstad(seed=2026, n_years=2, scale=4)
    assert 85 <= big.schools["school_id"].nunique() <= 115
    per_year = big.students.groupby("school_year").size()
    assert per_year.between(4 * 10_500, 4 * 13_500).all()
    assert big.areas["area_id"].is_unique and len(big.areas) == 160
    # homes spread over a larger town, schools still near the students
    sch = big.schools.drop_duplicates("school_id")
    assert (sch["x"].max() - sch["x"].min()) > 15_000
