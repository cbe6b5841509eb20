"""On Exempelstad, the residential-versus-choice split recovers what the generator built in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from likvard.segregation.counterfactual import nearest_school, residential_vs_choice


@pytest.fixture(scope="module")
def demo():
    from likvard.demo import generate_exempelstad

    return generate_exempelstad(seed=2026, n_years=2, scale=0.5)


def test_nearest_school_is_the_generators_home_school(demo):
    st = demo.students
    got = nearest_school(st, demo.schools)
    truth = demo.truth["home_school"].set_index(["student_id", "school_year"])[
        "school_id"
    ]
    expected = truth.reindex(
        pd.MultiIndex.from_frame(st[["student_id", "school_year"]])
    ).to_numpy()
    known = st["home_x"].notna().to_numpy()
    assert known.mean() > 0.9
    agree = got.to_numpy()[known].astype(str) == expected[known].astype(str)
    assert agree.mean() == 1.0


def test_split_matches_the_generators_figures(demo):
    st = demo.students.assign(
        post_secondary=np.where(
            demo.students["parent_education"] == "post_secondary", "yes", "no"
        ),
        foreign_background=np.where(
            demo.students["migration_background"] != "swedish", "yes", "no"
        ),
    )
    truth = demo.truth["residential_vs_choice"].set_index(
        ["school_year", "grouping", "allocation"]
    )
    for grouping in ["post_secondary", "foreign_background", "parent_education"]:
        ours = residential_vs_choice(st, demo.schools, group=grouping).set_index(
            "school_year"
        )
        assert (ours["n_students_left_out"] == 0).all()
        for year, row in ours.iterrows():
            assert row["m_actual"] == pytest.approx(
                truth.loc[(year, grouping, "actual"), "mutual_information"], rel=1e-9
            )
            assert row["m_residential"] == pytest.approx(
                truth.loc[(year, grouping, "home_school"), "mutual_information"],
                rel=1e-9,
            )
            if grouping != "parent_education":
                assert row["d_actual"] == pytest.approx(
                    truth.loc[(year, grouping, "actual"), "dissimilarity"], rel=1e-9
                )
                assert row["d_residential"] == pytest.approx(
                    truth.loc[(year, grouping, "home_school"), "dissimilarity"],
                    rel=1e-9,
                )
            assert row["m_choice"] == pytest.approx(
                row["m_actual"] - row["m_residential"]
            )
