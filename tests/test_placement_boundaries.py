"""Bad tables and arguments at the placement engine's public functions: each refused with a
Likvärd error naming the parameter (and the row, student and school) instead of a silent drop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from likvard.errors import DataError, LikvardError, ParameterError
from likvard.placement import choice_model as cm
from likvard.placement.priorities import Quota, Rule
from likvard.placement.scenarios import (
    NewSchool,
    Scenario,
    apply_scenario,
    build_market,
)
from likvard.placement.simulate import LotteryRanks, prepare, simulate


def tables():
    schools = pd.DataFrame(
        {
            "school_id": ["40000001", "40000002", "40000003", "40000004"],
            "school_year": 2024,
            "name": ["Aska", "Björk", "Ceder", "Dal"],
            "organiser_type": ["municipal", "municipal", "independent", "municipal"],
            "x": [0.0, 2000.0, 6000.0, 100.0],
            "y": 0.0,
            "grade_min": [0, 0, 0, 7],
            "grade_max": [9, 9, 9, 9],
            "capacity_0": [2, 3, 5, 0],
        }
    )
    students = pd.DataFrame(
        {
            "student_id": ["a", "b", "c"],
            "school_year": 2024,
            "school_id": "",
            "grade": 0,
            "parent_education": "upper_secondary",
            "migration_background": "swedish",
            "newly_arrived": False,
            "home_x": [100.0, 1500.0, 5000.0],
            "home_y": 0.0,
        }
    )
    choices = pd.DataFrame(
        {
            "student_id": ["a", "a", "b", "c"],
            "school_year": 2024,
            "grade": 0,
            "rank": [1, 2, 1, 1],
            "school_id": ["40000001", "40000002", "40000002", "40000003"],
        }
    )
    return schools, students, choices


def test_valid_tables_give_the_observed_lists():
    market = build_market(*tables(), 2024, 0)
    assert market.observed_pref.tolist() == [[0, 1], [1, -1], [2, -1]]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda c: c.assign(school_id=["40000001", "49999999", "40000002", "40000003"]),
         "skolenheten 49999999 finns inte i skoltabellen"),
        (lambda c: c.assign(school_id=["40000001", "40000004", "40000002", "40000003"]),
         "skolenheten 40000004 erbjuder inte årskurs 0"),
        (lambda c: c.assign(rank=[1, 1, 1, 1]), "två skolor med samma rang"),
        (lambda c: c.assign(school_id=["40000001", "40000001", "40000002", "40000003"]),
         "samma skolenhet två gånger"),
        (lambda c: c.assign(rank=[1, 2.5, 1, 1]), "heltal ≥ 1"),
        (lambda c: c.assign(rank=[0, 2, 1, 1]), "heltal ≥ 1"),
        (lambda c: c.assign(student_id=["a", "a", "b", "z"]), "eleven finns inte bland eleverna"),
        (lambda c: c.drop(columns="rank"), "'rank' saknas"),
    ],
)
def test_bad_choices_are_refused(change, fragment):
    schools, students, choices = tables()
    with pytest.raises(ParameterError, match=fragment) as info:
        build_market(schools, students, change(choices), 2024, 0)
    assert info.value.parameter == "choices"


def test_estimation_data_refuses_the_same_way():
    schools, students, choices = tables()
    with pytest.raises(ParameterError, match="samma rang"):
        cm.build_choice_data(schools, students, choices.assign(rank=[1, 1, 1, 1]), 2024, 0)


@pytest.mark.parametrize(
    ("call", "error", "fragment"),
    [
        (lambda s, st, c: build_market(s.drop(columns="x"), st, c, 2024, 0), ParameterError, "'x' saknas"),
        (lambda s, st, c: build_market(s, st, c, "2024", 0), ParameterError, "school_year"),
        (lambda s, st, c: build_market(s, st, c, 2024, 12), ParameterError, "grade"),
        (lambda s, st, c: build_market(s, st, c, 2025, 0), DataError, "Ingen skola"),
        (lambda s, st, c: build_market(s, st.assign(home_x=np.nan), c, 2024, 0), DataError, "hemkoordinater"),
        (lambda s, st, c: build_market(s.assign(capacity_0=1e20), st, c, 2024, 0), DataError, "capacity_0"),
        (lambda s, st, c: build_market(s.assign(capacity_0=-3), st, c, 2024, 0), DataError, "capacity_0"),
    ],
)
def test_bad_tables_are_refused(call, error, fragment):
    with pytest.raises(error, match=fragment):
        call(*tables())


def test_scenario_values_are_checked():
    market = build_market(*tables(), 2024, 0)
    with pytest.raises(ParameterError, match="mechanism"):
        apply_scenario(market, Scenario(mechanism="boston"))
    with pytest.raises(ParameterError, match="lottery"):
        apply_scenario(market, Scenario(lottery="per-school"))
    with pytest.raises(ParameterError, match="capacities"):
        apply_scenario(market, Scenario(capacities={"40000001": -1}))
    with pytest.raises(ParameterError, match="close"):
        apply_scenario(market, Scenario(close=["49999999"]))
    with pytest.raises(ParameterError, match="open"):
        apply_scenario(market, Scenario(open=[NewSchool("4", "Ny", 0.0, 0.0, capacity=10**12)]))
    with pytest.raises(ParameterError, match="kind"):
        Rule("best_friends")
    with pytest.raises(ParameterError, match="share"):
        Quota("newly_arrived", share=1.5)
    with pytest.raises(ParameterError, match="order"):
        Quota("newly_arrived", share=0.1, order="reserved-first")


def test_simulation_options_are_checked():
    market = build_market(*tables(), 2024, 0)
    for kwargs, name in [({"n_replications": 0}, "n_replications"), ({"level": 95}, "level"),
                         ({"seed": -4}, "seed"), ({"beta": {"distance_km": "far"}}, "beta['distance_km']")]:
        with pytest.raises(ParameterError) as info:
            simulate(market, **kwargs)
        assert info.value.parameter == name
    with pytest.raises(ParameterError, match="lottery"):
        LotteryRanks(np.zeros((2, 3)), "per-school")


def test_lottery_pair_ranks_equal_dense_ranks_of_applicants():
    rng = np.random.default_rng(2)
    scores = rng.integers(0, 4, size=(5, 200)).astype(float)
    scores[1, :7] = np.nan
    pref = np.array([rng.choice(5, 3, replace=False) for _ in range(200)], dtype=np.int32)
    for lottery in ("single", "per_school"):
        pairs = LotteryRanks(scores, lottery).draw_pairs(pref, np.random.default_rng(5))
        for s in range(5):
            listed = pref == s
            who = np.flatnonzero(listed.any(axis=1))
            r = pairs[listed]
            ok = ~np.isnan(scores[s, who])
            assert (r[~ok] == -1).all()
            np.testing.assert_array_equal(np.sort(r[ok]), np.arange(ok.sum()))  # 0..k-1 among applicants
            order = np.argsort(r[ok])
            assert (np.diff(scores[s, who[ok]][order]) >= 0).all()  # better score, better rank


def test_prepare_refuses_a_market_without_lists_or_model():
    schools, students, _ = tables()
    market = build_market(schools, students, None, 2024, 0)
    with pytest.raises(LikvardError, match="valmodell"):
        prepare(market)
