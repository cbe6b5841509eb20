"""Explanations: hand-built cases for each deciding rule, and the stability property (under
deferred acceptance nobody is rejected by a school whose last admitted student had lower priority)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.placement.explain import explain, explain_table
from likvard.placement.scenarios import Scenario, apply_scenario, build_market
from likvard.placement.simulate import place_once, prepare


def _two_schools():
    """School A (capacity 1, sibling then relative proximity), B (3 seats), C (far, chosen by nobody)."""
    schools = pd.DataFrame(
        {
            "school_id": ["40000001", "40000002", "40000003"],
            "school_year": 2024,
            "name": ["Aska", "Björk", "Ceder"],
            "organiser": "Kommun",
            "organiser_type": "municipal",
            "municipality_code": "9999",
            "x": [0.0, 2000.0, 6000.0],
            "y": [0.0, 0.0, 0.0],
            "grade_min": 0,
            "grade_max": 9,
            "capacity_0": [1, 3, 5],
        }
    )
    students = pd.DataFrame(
        {
            "student_id": ["a", "b", "c", "sib"],
            "school_year": 2024,
            "school_id": ["", "", "", "40000001"],
            "grade": [0, 0, 0, 4],
            "parent_education": "upper_secondary",
            "migration_background": "swedish",
            "newly_arrived": False,
            "home_x": [100.0, 1500.0, 100.0, 0.0],
            "home_y": 0.0,
            "sibling_group": [None, "g", None, "g"],
        }
    )
    choices = pd.DataFrame(
        {
            "student_id": ["a", "a", "b", "b", "c", "c"],
            "school_year": 2024,
            "grade": 0,
            "rank": [1, 2, 1, 2, 1, 2],
            "school_id": ["40000001", "40000002"] * 3,
        }
    )
    return build_market(schools, students, choices, 2024, 0)


def test_sibling_priority_decides_and_text_says_so():
    market = _two_schools()
    prep = prepare(market)
    pl = place_once(prep, np.random.default_rng(0))
    # b has a sibling at Aska and takes its one seat although a and c live nearer
    assert list(market.school_ids[pl.assignment]) == ["40000002", "40000001", "40000002"]
    table = explain_table(prep, pl, 0)
    assert table["deciding_rule"].tolist() == ["sibling"]
    assert table.loc[0, "student_value"] == "nej" and table.loc[0, "cutoff_value"] == "ja"
    text = explain(prep, pl, "a")
    assert "Fick sitt 2:a val, Björk" in text
    assert "Avgörande urvalsgrund: syskonförtur" in text
    assert "Fick sitt 1:a val, Aska" in explain(prep, pl, "b")


def test_lottery_decides_between_equal_priorities():
    market = _two_schools()
    scen = apply_scenario(market, Scenario(name="Utan syskonförtur", rules={"default": _rules("lottery")}))
    prep = prepare(scen)
    winners = set()
    for seed in range(20):
        pl = place_once(prep, np.random.default_rng(seed))
        winner = int(np.flatnonzero(pl.assignment == 0)[0])
        winners.add(winner)
        loser = next(i for i in range(3) if i != winner)
        assert explain_table(prep, pl, loser)["deciding_rule"].tolist() == ["lottery"]
        assert "lottningen avgjorde" in explain(prep, pl, scen.student_ids[loser])
    assert winners == {0, 1, 2}


def _rules(*kinds):
    from likvard.placement.priorities import Rule, SchoolRules

    return SchoolRules([Rule(k) for k in kinds])


def test_closed_school_and_administrative_placement_are_explained():
    market = _two_schools()
    scen = apply_scenario(market, Scenario(name="Stäng Aska, krymp Björk", close=["40000001"], capacities={"40000002": 2}))
    prep = prepare(scen)
    pl = place_once(prep, np.random.default_rng(1))
    # Aska is gone from everyone's list; Björk takes two; the third is placed at Ceder by the municipality
    assert sorted(scen.school_ids[pl.assignment]) == ["40000002", "40000002", "40000003"]
    loser = scen.student_ids[int(np.flatnonzero(pl.admin)[0])]
    text = explain(prep, pl, loser)
    assert "placerades av kommunen vid Ceder" in text
    assert "1:a val Björk" in text


def test_deferred_acceptance_explanations_show_no_justified_envy():
    from test_placement_scenarios import BETA, town

    market = build_market(*town(n=400, seed=3), 2024, 0)
    market = apply_scenario(market, Scenario(capacities={sid: 45 for sid in market.school_ids}))
    prep = prepare(market, BETA)
    pl = place_once(prep, np.random.default_rng(7))
    n_rows = 0
    for i in range(market.n_students):
        table = explain_table(prep, pl, i)
        n_rows += len(table)
        if len(table):
            assert (table["student_rank"] > table["cutoff_rank"]).all()
            assert table["full"].all()
            assert table["deciding_rule"].isin(["sibling", "relative_proximity", "queue_date", "lottery"]).all()
    assert n_rows > 50  # the case is not trivial: many were turned away
