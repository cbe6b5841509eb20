"""``generate_exempelstad``: the built-in demo municipality, deterministic for a seed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.demo import calibration as cal
from likvard.demo import choice, results
from likvard.demo.allocation import allocate
from likvard.demo.geography import make_areas
from likvard.demo.interventions import (
    apply_survey_effects,
    intervention_effects,
    plant_interventions,
    planted_summary,
)
from likvard.demo.population import make_population
from likvard.demo.schools import make_schools, set_capacities
from likvard.demo.staff import make_staff
from likvard.demo.survey import make_survey
from likvard.demo.truth import DemoData, residential_vs_choice

BURN_IN_YEARS = 1
"""Years simulated before the first recorded one (so its choices see a real previous-year mix)."""

SCHOOL_COLUMNS = ["school_id", "school_year", "name", "organiser", "organiser_type", "municipality_code", "x", "y",
                  "grade_min", "grade_max", *[f"capacity_{g}" for g in range(10)], "profile"]
STUDENT_COLUMNS = ["student_id", "school_year", "school_id", "grade", "sex", "parent_education",
                   "migration_background", "newly_arrived", "home_x", "home_y", "home_area", "sibling_group",
                   "protected_identity", "merit_value", "eligible"]


def generate_exempelstad(seed: int = 2026, n_years: int = 11, first_year: int = 2014, scale: float = 1.0,
                         population_scale: float | None = None) -> DemoData:
    """Exempelstad: ~25 schools and ~12,000 students a year (times ``scale``) over ``n_years``;
    ``population_scale`` (default ``scale``) scales the students alone, so schools grow larger.

    Returns the registers (schools, students, choices, staff, survey, areas) and ``truth``,
    among them the planted interventions (``likvard.demo.interventions``).
    """
    if n_years < 1:
        raise ValueError("n_years must be at least 1")
    if scale <= 0 or (population_scale is not None and population_scale <= 0):
        raise ValueError("scale must be positive")
    years = list(range(first_year, first_year + n_years))
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(9)]
    areas = make_areas(rngs[0], scale)
    sim_years = [first_year - BURN_IN_YEARS + k for k in range(BURN_IN_YEARS)] + years
    pop = make_population(rngs[1], areas, sim_years, scale if population_scale is None else population_scale)
    children, panel_all = pop.children, pop.panel

    schools = make_schools(rngs[2], areas, scale)
    first = panel_all["school_year"].to_numpy() == first_year
    ch0 = panel_all["child"].to_numpy()[first]
    schools = set_capacities(schools, panel_all["grade"].to_numpy()[first], children["home_x"].to_numpy()[ch0],
                             children["home_y"].to_numpy()[ch0])

    beta = dict(choice.CHOICE_PARAMETERS)
    alloc = allocate(rngs[3], children, panel_all, schools, sim_years, beta, burn_in=BURN_IN_YEARS)
    keep = panel_all["school_year"].to_numpy() >= first_year
    panel = panel_all[keep].reset_index(drop=True)
    alloc.school, alloc.home_school, alloc.administrative = (
        alloc.school[keep], alloc.home_school[keep], alloc.administrative[keep])
    school_ids = schools["school_id"].to_numpy(dtype=object)

    ch = children.iloc[panel["child"].to_numpy()].reset_index(drop=True)
    students = pd.DataFrame({
        "student_id": ch["student_id"].to_numpy(dtype=object),
        "school_year": panel["school_year"].to_numpy(np.int64),
        "school_id": school_ids[alloc.school],
        "grade": panel["grade"].to_numpy(np.int64),
        "sex": ch["sex"].to_numpy(dtype=object),
        "parent_education": ch["parent_education"].to_numpy(dtype=object),
        "migration_background": ch["migration_background"].to_numpy(dtype=object),
        "newly_arrived": panel["newly_arrived"].to_numpy(bool),
        "home_x": ch["home_x"].to_numpy(float),
        "home_y": ch["home_y"].to_numpy(float),
        "home_area": ch["home_area"].to_numpy(dtype=object),
        "sibling_group": ch["sibling_group"].to_numpy(dtype=object),
        "protected_identity": ch["protected_identity"].to_numpy(bool),
    })

    comp = _composition(students, alloc.school, len(schools))
    has9 = (schools["grade_max"] == 9).to_numpy()
    effects = results.school_effects(rngs[4], len(schools), has9)

    # planted interventions (effects on grade-9 merit; the null one is placed where results were low)
    g9 = np.flatnonzero(students["grade"].to_numpy() == 9)
    s9 = alloc.school[g9]
    y9 = students["school_year"].to_numpy()[g9]
    share_map = comp.set_index(["school_index", "school_year"])["share_post_secondary"]
    share9 = share_map.reindex(pd.MultiIndex.from_arrays([s9, y9])).to_numpy(float)
    cohort = results.cohort_shocks(rngs[8], len(schools), years)
    shock9 = cohort[s9, np.searchsorted(years, y9)]
    base_latent_rng = np.random.default_rng(rngs[5].integers(2**63))
    latent0 = results.merit_latent(
        base_latent_rng, students["parent_education"].to_numpy()[g9], students["migration_background"].to_numpy()[g9],
        students["newly_arrived"].to_numpy()[g9], students["sex"].to_numpy()[g9], share9, effects[s9] + shock9,
        np.zeros(len(g9)))
    comp["school_id"] = school_ids[comp["school_index"].to_numpy()]
    staff = make_staff(rngs[6], comp[["school_id", "school_year", "n_students", "share_post_secondary"]])
    n_teachers = staff.groupby(["school_id", "school_year"]).size().rename("n_teachers").reset_index()
    counts = comp.merge(n_teachers, on=["school_id", "school_year"], how="left").fillna({"n_teachers": 0})
    survey0 = make_survey(rngs[7], counts, pd.Series(effects, index=school_ids))

    municipal = (schools["organiser_type"] == "municipal").to_numpy() & (schools["open_from"] == 0).to_numpy()
    has5 = ((schools["grade_min"] <= 5) & (schools["grade_max"] >= 5)).to_numpy()
    interventions = plant_interventions(rngs[8], school_ids, np.flatnonzero(has9 & municipal),
                                        np.flatnonzero(has5 & municipal), years, s9, y9, latent0,
                                        comp.groupby("school_index")["share_post_secondary"].std()
                                        .reindex(range(len(schools))).fillna(1.0).to_numpy(),
                                        comp.groupby("school_index")["n_grade5"].mean()
                                        .reindex(range(len(schools))).fillna(0.0).to_numpy(), survey0)
    interv = intervention_effects(interventions, school_ids, s9, y9)
    latent = latent0 + interv
    merit, eligible = results.merit_and_eligibility(rngs[5], latent)
    mv = np.full(len(students), np.nan)
    mv[g9] = merit
    el = pd.array(np.full(len(students), pd.NA), dtype="boolean")
    el[g9] = eligible
    students["merit_value"] = mv
    students["eligible"] = el

    survey = apply_survey_effects(survey0, interventions)

    schools_table = _schools_table(schools, years)
    home = pd.DataFrame({"student_id": students["student_id"], "school_year": students["school_year"],
                         "school_id": school_ids[alloc.home_school]})
    truth = {
        "seed": seed, "scale": scale, "years": years,
        "municipality": {"name": cal.MUNICIPALITY_NAME, "municipality_code": cal.MUNICIPALITY_CODE},
        "school_effects": pd.DataFrame({"school_id": school_ids, "effect": effects}),
        "merit_model": dict(results.MERIT_MODEL),
        "composition_effect": results.MERIT_MODEL["composition_effect"],
        "eligibility_model": dict(results.ELIGIBILITY_MODEL),
        "choice_parameters": beta,
        "choice_model": {"model": "rank-ordered (exploded) conditional logit, Gumbel errors",
                         "n_ranked": choice.N_RANKED, "entry_grades": list(choice.ENTRY_GRADES),
                         "choice_set": "all open schools offering the grade",
                         "sibling": "a student with the same sibling_group attends the school that year in another "
                                    "grade, as placed before the chooser (other grades and newcomers first, grade 7 "
                                    "before grade 0)",
                         "placement": "deferred acceptance; priorities: siblings, then relative proximity "
                                      "(municipal) or queue (independent), then lottery; no seat: nearest free seat",
                         "share_post_secondary": "previous school year, all grades (for the first recorded year: "
                                                 "an unrecorded burn-in year before it); see choice_school_share"},
        "choice_school_share": alloc.feature_share,
        "home_school": home,
        "administrative_placements": students.loc[alloc.administrative, ["student_id", "school_year", "school_id"]]
        .reset_index(drop=True),
        "interventions": interventions,
        "planted_interventions": planted_summary(interventions),
        "school_composition": comp[["school_id", "school_year", "n_students", "share_post_secondary",
                                    "share_foreign_background"]],
        "area_advantage": areas[["area_id", "advantage", "area_type"]].copy(),
        "school_openings": pd.DataFrame({"school_id": school_ids,
                                         "first_year": [years[min(int(o), n_years - 1)] for o in schools["open_from"]]}),
        "residential_vs_choice": residential_vs_choice(students, home),
    }
    return DemoData(schools=schools_table, students=students[STUDENT_COLUMNS], choices=alloc.choices,
                    staff=staff, survey=survey, areas=areas[["area_id", "name", "area_type", "x", "y"]].copy(),
                    name=cal.MUNICIPALITY_NAME, truth=truth)


def _composition(students: pd.DataFrame, school_index: np.ndarray, n_schools: int) -> pd.DataFrame:
    """Per school index and year: n_students, n_grade5, n_grade8, share_post_secondary, share_foreign_background."""
    d = pd.DataFrame({
        "school_index": school_index, "school_year": students["school_year"].to_numpy(),
        "ps": (students["parent_education"] == "post_secondary").to_numpy(float),
        "fb": (students["migration_background"] != "swedish").to_numpy(float),
        "g5": (students["grade"] == 5).to_numpy(int), "g8": (students["grade"] == 8).to_numpy(int),
    })
    g = d.groupby(["school_index", "school_year"], sort=True)
    out = pd.DataFrame({"n_students": g.size(), "n_grade5": g["g5"].sum(), "n_grade8": g["g8"].sum(),
                        "share_post_secondary": g["ps"].mean(), "share_foreign_background": g["fb"].mean()})
    return out.reset_index()


def _schools_table(schools: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    rows = []
    for yi, t in enumerate(years):
        s = schools[schools["open_from"] <= yi].copy()
        s["school_year"] = t
        rows.append(s)
    out = pd.concat(rows, ignore_index=True)
    out["municipality_code"] = cal.MUNICIPALITY_CODE
    out["profile"] = out["profile"].fillna("")
    out["grade_min"] = out["grade_min"].astype("int64")
    out["grade_max"] = out["grade_max"].astype("int64")
    out["school_year"] = out["school_year"].astype("int64")
    return out[SCHOOL_COLUMNS].reset_index(drop=True)
