"""Allocation under placement scenarios: closing a school moves its money with its students."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from likvard.allocation import allocate, load_model, school_inputs
from likvard.allocation.scenarios import (
    allocation_under_scenarios,
    students_after_placement,
)
from likvard.placement.scenario_file import read_scenario_file

ROOT = Path(__file__).resolve().parents[1] / "src" / "likvard"


def test_students_after_placement_moves_only_applicants():
    st = pd.DataFrame({"student_id": ["a", "b", "c"], "school_id": ["1", "1", "2"], "grade": [0, 0, 5]})
    out = students_after_placement(st, np.array(["a"]), np.array(["2"]))
    assert out["school_id"].tolist() == ["2", "1", "2"] and st["school_id"].tolist() == ["1", "1", "2"]


def test_closing_a_school_moves_its_money(exempelstad):
    model = load_model(ROOT / "allocation" / "examples" / "bakgrundsvikter.yaml")
    sf = read_scenario_file(ROOT / "placement" / "examples" / "exempelstad_stang_skola.yaml")
    res = allocation_under_scenarios(model, exempelstad, sf, n_replications=3)
    scenarios = res["scenario"].unique()
    assert len(scenarios) >= 2
    # the budget is the same in every scenario when the number of students is unchanged (base
    # amounts are per student, the pot is fixed): totals agree to within rounding
    sums = res.groupby("scenario")["total"].sum()
    assert np.allclose(sums, sums.iloc[0], rtol=0, atol=len(res))
    # the baseline equals a direct allocation of the observed year up to the applicants' lottery
    base = res[res["scenario"] == scenarios[0]].set_index("school_id")
    year = int(exempelstad.students.loc[exempelstad.students["grade"] == sf.grade, "school_year"].max())
    direct = allocate(model, school_inputs(exempelstad.students[exempelstad.students["school_year"] == year], exempelstad.schools))
    direct = direct.set_index("school_id")["total"]
    common = base.index.intersection(direct.index)
    assert np.corrcoef(base.loc[common, "total"], direct.loc[common])[0, 1] > 0.99
    # some school loses money and others gain in the closure scenario
    closure = res[res["scenario"] == scenarios[1]]
    assert (closure["change_vs_baseline"] < 0).any() and (closure["change_vs_baseline"] > 0).any()
