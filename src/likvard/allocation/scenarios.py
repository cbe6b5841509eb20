"""How each school's amount moves when a placement scenario changes the student mix.

For every scenario of a placement scenario file (``likvard.placement``), the applicants of the
round are placed many times (lotteries and choice draws, seeded); each replication gives the
year's student table with the applicants at their new schools, from which the need index and the
allocation are recomputed with the same model. Reported per scenario and school: the mean
amount and a 90 % interval over replications, and the change against the baseline scenario.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.allocation.compute import allocate, school_inputs
from likvard.allocation.model import AllocationModel
from likvard.defaults import LEVEL, N_REPLICATIONS
from likvard.validation import InstanceOf, Level, Replications, validate_params


def students_after_placement(students: pd.DataFrame, student_ids: np.ndarray, school_ids: np.ndarray) -> pd.DataFrame:
    """The year's students with the given applicants moved to the given schools (others unchanged)."""
    out = students.copy()
    moved = dict(zip(np.asarray(student_ids).astype(str), np.asarray(school_ids).astype(str)))
    sid = out["student_id"].astype(str)
    mask = sid.isin(moved.keys())
    out.loc[mask, "school_id"] = sid[mask].map(moved).to_numpy()
    return out


@validate_params(model=InstanceOf(AllocationModel, "en fördelningsmodell"), n_replications=Replications(1),
                 level=Level())
def allocation_under_scenarios(
    model: AllocationModel,
    data,
    scenario_file,
    *,
    n_replications: int = N_REPLICATIONS,
    level: float = LEVEL,
) -> pd.DataFrame:
    """One row per scenario and school: ``scenario, school_id, n_students, total, total_low,
    total_high, change_vs_baseline`` (kronor; means over ``n_replications`` replications, the
    interval at ``level``). Replication r uses the scenario file's seed and r, as the placement
    simulation does."""
    from likvard.expected import need_index
    from likvard.placement.scenarios import apply_scenario, build_market
    from likvard.placement.simulate import place_once, prepare

    sf = scenario_file
    graded = data.students[data.students["grade"].astype(int) == sf.grade]
    year = sf.school_year or int(graded["school_year"].max())
    market = build_market(data.schools, data.students, data.choices, year, sf.grade)
    beta = sf.choice_model if isinstance(sf.choice_model, dict) else None
    if sf.choice_model == "skattad":
        from likvard.placement import choice_model as cm

        beta = cm.estimate_from_tables(data.schools, data.students, data.choices, sf.grade).beta
    year_students = data.students[data.students["school_year"].astype(int) == year]
    reference = data.students if "eligible" in data.students else None
    rows = []
    for scenario in sf.scenarios_for(market):
        scen = apply_scenario(market, scenario)
        prep = prepare(scen, beta)
        totals: dict[str, list[float]] = {}
        sizes: dict[str, list[int]] = {}
        for r in range(n_replications):
            placement = place_once(prep, np.random.default_rng([sf.seed, r]))
            placed = placement.assignment >= 0
            st = students_after_placement(
                year_students, scen.student_ids[placed], scen.school_ids[placement.assignment[placed]]
            )
            need = need_index(st, reference=reference, n_replications=1) if model.need_index_weight else None
            res = allocate(model, school_inputs(st, data.schools, need))
            for s, t, n in zip(res["school_id"], res["total"], res["n_students"]):
                totals.setdefault(s, []).append(float(t))
                sizes.setdefault(s, []).append(int(n))
        tail = (1 - level) / 2
        for s, values in totals.items():
            v = np.array(values + [0.0] * (n_replications - len(values)))  # a closed school gets nothing
            rows.append(
                {
                    "scenario": scenario.name,
                    "school_id": s,
                    "n_students": float(np.mean(sizes[s] + [0] * (n_replications - len(sizes[s])))),
                    "total": float(v.mean()),
                    "total_low": float(np.quantile(v, tail)),
                    "total_high": float(np.quantile(v, 1 - tail)),
                }
            )
    out = pd.DataFrame(rows)
    base = out[out["scenario"] == out["scenario"].iloc[0]].set_index("school_id")["total"]
    out["change_vs_baseline"] = out["total"] - out["school_id"].map(base).fillna(0.0)
    return out
