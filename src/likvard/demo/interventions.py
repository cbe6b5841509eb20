"""Interventions planted in Exempelstad's history, with their hidden truths.

Three interventions (the truth says which is which; start years with the default 2014/15-2024/25):

- ``I1`` one municipal school with grade 5, from the eighth school year (2021/22): +1.4 on the
  grade-5 students' Skolenkät index studiero (0-10). The pilot school is the one, among the
  municipal grade-5 schools with the more stable intake, whose minimum detectable effect at
  decision time (``likvard.evaluation.minimum_detectable_effect``, data before the start only,
  a 3-year horizon) is smallest: the authority used the pre-registration to pick a school where
  the pilot can be evaluated. The expected effect it decided on is 1.0;
- ``I2`` three municipal schools with grade 5 starting in the seventh, eighth and ninth school
  years (2020/21-2022/23, staggered): +0.9 on the grade-5 students' index trygghet (0-10),
  expected 0.6;
- ``I3`` two municipal schools with grade 9 chosen *because* their mean merit value was the
  lowest in the year before the start (the eighth school year): no effect at all, the
  regression-to-the-mean trap; the authority expected +5 merit points, less than a comparison of
  two schools with Exempelstad's few grade-9 schools can detect.

The sizes are chosen so that each effective intervention's true effect is at least 1.5 times,
and its expected effect at least, the minimum detectable effect the engine computes at decision
time, and I3's expected effect at most that (docs/exempelstad.md has the figures per seed).

Each carries a Swedish name, one of the five categories of Skolverket's PM (Dnr 2018:00332), the
schools and start year per school, the outcome, the true effect, whether the schools were
selected for low results, and the effect the authority expected when it decided. With fewer
than eight school years the start years move to the last year that leaves two pre-years.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

CATEGORIES = (
    "Ny- och ombyggnation av skolor",
    "Val av skola och placering av elever",
    "Skolans profil och status",
    "Resursfördelning, stöd och utvecklingsinsatser",
    "Insatser med kompensatorisk prägel",
)
PLAN: tuple[dict[str, Any], ...] = (
    {"intervention_id": "I1", "name": "Tvålärarsystem och gemensamma ordningsregler i årskurs 4–6",
     "category": CATEGORIES[3], "n_schools": 1, "start_index": (7,), "effect": 1.4, "expected_effect": 1.0,
     "selected_for_low_results": False, "outcome": "studiero", "respondent": "student_grade5",
     "decision_horizon": 3},
    {"intervention_id": "I2", "name": "Trygghetsteam och normarbete mot kränkningar",
     "category": CATEGORIES[4], "n_schools": 3, "start_index": (6, 7, 8), "effect": 0.9, "expected_effect": 0.6,
     "selected_for_low_results": False, "outcome": "trygghet", "respondent": "student_grade5"},
    {"intervention_id": "I3", "name": "Förstärkt skolutveckling för skolor med låga resultat",
     "category": CATEGORIES[3], "n_schools": 2, "start_index": (7, 7), "effect": 0.0, "expected_effect": 5.0,
     "selected_for_low_results": True, "outcome": "merit_value", "respondent": None},
)
COLUMNS = ["intervention_id", "name", "category", "school_id", "start_year", "outcome", "respondent", "effect",
           "expected_effect", "selected_for_low_results"]


def plant_interventions(rng: np.random.Generator, school_ids: np.ndarray, grade9: np.ndarray, grade5: np.ndarray,
                        years: list[int], s9: np.ndarray, y9: np.ndarray, latent9: np.ndarray,
                        instability: np.ndarray, size: np.ndarray, survey: pd.DataFrame) -> pd.DataFrame:
    """One row per intervention and school (``COLUMNS``). ``grade9``/``grade5``: indices of the
    municipal schools with grade 9 / grade 5; ``s9``, ``y9``, ``latent9``: grade-9 students'
    school index, year and merit before any intervention (used to pick the low-result schools);
    ``survey``: the survey before any intervention. The effective interventions go to pilot
    schools an authority can evaluate: the more stable half by ``instability`` (per school index,
    the standard deviation over the years of its share of students with post-secondary-educated
    parents: intake did not change under its feet), of those the half whose mean outcome before
    the start lies closest to the median of all schools with the outcome (a typical school, inside
    the range of the comparison schools), and of those the largest by ``size`` (students per year
    in grade 5: cohorts are not tiny). A single-school pilot is instead the school of the stable
    half whose minimum detectable effect at decision time is smallest (``_most_evaluable``). A
    school gets at most one intervention."""
    n_years = len(years)
    used: set[int] = set()
    order9 = [int(i) for i in rng.permutation(np.asarray(grade9))]
    order5 = [int(i) for i in rng.permutation(np.asarray(grade5))]
    rows = []
    for plan in PLAN:
        starts = [years[max(2, min(i, n_years - 1))] if n_years > 2 else years[-1] for i in plan["start_index"]]
        pool = [i for i in (order9 if plan["outcome"] == "merit_value" else order5) if i not in used]
        k = min(plan["n_schools"], len(pool))
        if k == 0:
            continue
        if plan["selected_for_low_results"]:
            before = starts[0] - 1
            means = {i: float(np.clip(latent9[(s9 == i) & (y9 == before)], 0, 340).mean())
                     for i in pool if ((s9 == i) & (y9 == before)).any()}
            chosen = sorted(means, key=lambda i: means[i])[:k]
        else:
            sv = survey[(survey["area"] == plan["outcome"]) & (survey["respondent"] == plan["respondent"])
                        & (survey["school_year"] < min(starts))]
            level = sv.groupby("school_id")["value"].mean()
            distance = {i: abs(float(level.get(str(school_ids[i]), np.inf)) - float(level.median())) for i in pool}
            stable = sorted(pool, key=lambda i: instability[i])[: max(k, (len(pool) + 1) // 2)]
            if k == 1:
                chosen = [_most_evaluable(stable, school_ids, sv, min(starts), size, plan["decision_horizon"])]
            else:
                central = sorted(stable, key=lambda i: distance[i])[: max(k, (len(stable) + 1) // 2)]
                chosen = sorted(central, key=lambda i: -size[i])[:k]
        used.update(chosen)
        for i, start in zip(chosen, starts):
            rows.append((plan["intervention_id"], plan["name"], plan["category"], str(school_ids[i]), int(start),
                         plan["outcome"], plan["respondent"], plan["effect"], plan["expected_effect"],
                         plan["selected_for_low_results"]))
    return pd.DataFrame(rows, columns=COLUMNS)


def _most_evaluable(candidates: list[int], school_ids: np.ndarray, survey: pd.DataFrame, start: int,
                    size: np.ndarray, horizon: int) -> int:
    """The candidate whose minimum detectable effect at decision time (``likvard.evaluation``, data
    before ``start`` only) is smallest; ties go to the larger school."""
    from likvard.errors import LikvardError
    from likvard.evaluation import minimum_detectable_effect

    panel = pd.DataFrame({"school_id": survey["school_id"].astype(str), "school_year": survey["school_year"],
                          "value": survey["value"], "n_students": survey["n_respondents"]})
    best, best_key = candidates[0], (np.inf, 0.0)
    for i in candidates:
        try:
            mde = minimum_detectable_effect(panel, [str(school_ids[i])], start, horizon).mde
        except LikvardError:
            continue
        key = (np.inf if mde is None else round(mde, 2), -float(size[i]))
        if key < best_key:
            best, best_key = i, key
    return best


def intervention_effects(interventions: pd.DataFrame, school_ids: np.ndarray, s9: np.ndarray, y9: np.ndarray) -> np.ndarray:
    """Merit points added to each grade-9 student by the planted interventions on merit."""
    out = np.zeros(len(s9))
    index = {str(s): i for i, s in enumerate(school_ids)}
    for r in interventions[interventions["outcome"] == "merit_value"].itertuples(index=False):
        out[(s9 == index[r.school_id]) & (y9 >= r.start_year)] += r.effect
    return out


def apply_survey_effects(survey: pd.DataFrame, interventions: pd.DataFrame) -> pd.DataFrame:
    """The survey with the planted effects on survey indices added (clipped to 0-10, 0.1 steps)."""
    out = survey.copy()
    for r in interventions[interventions["outcome"] != "merit_value"].itertuples(index=False):
        hit = ((out["school_id"] == r.school_id) & (out["school_year"] >= r.start_year) & (out["area"] == r.outcome)
               & (out["respondent"] == r.respondent))
        out.loc[hit, "value"] = np.clip(np.round(out.loc[hit, "value"] + r.effect, 1), 0.0, 10.0)
    return out


def planted_summary(interventions: pd.DataFrame) -> list[dict]:
    """The interventions as a list (for ``truth.json``): schools with their start years."""
    out = []
    for iid, g in interventions.groupby("intervention_id", sort=True):
        first = g.iloc[0]
        out.append({"intervention_id": iid, "name": first["name"], "category": first["category"],
                    "outcome": first["outcome"], "respondent": first["respondent"], "effect": float(first["effect"]),
                    "expected_effect": float(first["expected_effect"]),
                    "selected_for_low_results": bool(first["selected_for_low_results"]),
                    "schools": {r.school_id: int(r.start_year) for r in g.itertuples(index=False)}})
    return out
