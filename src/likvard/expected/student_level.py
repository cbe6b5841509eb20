"""Student-level models for an authority's own records: expected merit and eligibility per student,
the share of variation between schools, and the school-composition effect.

Design (grade-9 students with a merit value, all years pooled unless a year is given):

- own background: parents' education (ref. post-secondary), migration background (ref. Swedish
  background), newly arrived, sex (ref. girls), and a dummy per school year;
- composition: the school's share of students (all its grades, that year) with post-secondary
  educated parents and with foreign background (born abroad, or born in Sweden to two parents born
  abroad).

Merit: linear model with random school intercepts (``multilevel.fit_random_intercept``, REML).
Eligibility: logistic regression on the same fixed terms (``likvard.expected.logistic``, the
estimate of statsmodels' ``Logit``). A student's expected values use only these terms, never the
school's own results; the residual is what the school and the student add beyond them.

Variance between schools (Raudenbush and Bryk 2002, ch. 4): the intraclass correlation
tau^2 / (tau^2 + sigma^2) of the empty model, after own background and after composition as well.
The composition effect is the coefficient of a composition share (merit points per unit share,
i.e. from 0 % to 100 %) beyond own background, and the share of the between-school variance left
after own background that composition explains, 1 - tau^2_composition / tau^2_own. Skolverket
(2018, "Analyser av familjebakgrundens betydelse för skolresultaten och skillnader mellan skolor")
reports this effect growing; ``composition_by_year`` fits it year by year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from likvard.errors import DataError
from likvard.expected.logistic import expit, fit_logistic
from likvard.expected.multilevel import RandomInterceptFit, fit_random_intercept
from likvard.validation import Boolean, Frame, validate_params

OWN_TERMS = {
    "parents_compulsory": ("parent_education", "compulsory"),
    "parents_upper_secondary": ("parent_education", "upper_secondary"),
    "parents_unknown": ("parent_education", "unknown"),
    "born_in_sweden_foreign_parents": ("migration_background", "born_in_sweden_foreign_parents"),
    "foreign_born": ("migration_background", "foreign_born"),
    "boy": ("sex", "M"),
}
COMPOSITION_TERMS = ("school_share_post_secondary", "school_share_foreign_background")


_STUDENTS = Frame(("school_id", "school_year", "parent_education", "migration_background"), expected="en elevtabell")
_G9 = Frame(("student_id", "school_id", "school_year", "grade", "parent_education", "migration_background",
             "newly_arrived", "sex", "merit_value"), expected="en elevtabell med meritvärden")


@validate_params(students=_STUDENTS)
def school_composition(students: pd.DataFrame) -> pd.DataFrame:
    """Per school and year (all grades): ``n_students`` and the composition shares."""
    st = students
    out = pd.DataFrame(
        {
            "school_id": st["school_id"].astype(str).to_numpy(),
            "school_year": st["school_year"].astype(int).to_numpy(),
            "school_share_post_secondary": st["parent_education"].astype(str).eq("post_secondary").to_numpy(float),
            "school_share_foreign_background": st["migration_background"].astype(str).ne("swedish").to_numpy(float),
        }
    )
    g = out.groupby(["school_id", "school_year"], sort=True)
    return g[list(COMPOSITION_TERMS)].mean().assign(n_students=g.size()).reset_index()


@validate_params(students=_G9)
def grade9_with_merit(students: pd.DataFrame) -> pd.DataFrame:
    """Grade-9 students with a merit value, with their school's composition that year."""
    comp = school_composition(students)
    g9 = students[(students["grade"].astype(int) == 9) & students["merit_value"].notna()].copy()
    if len(g9) < 30:
        raise DataError(f"Modellen kräver meritvärden för minst 30 elever i årskurs 9; underlaget har {len(g9)}.")
    g9["school_id"] = g9["school_id"].astype(str)
    g9["school_year"] = g9["school_year"].astype(int)
    return g9.merge(comp[["school_id", "school_year", *COMPOSITION_TERMS]], on=["school_id", "school_year"],
                    how="left", validate="many_to_one")


def design(g9: pd.DataFrame, *, composition: bool = True, own: bool = True) -> pd.DataFrame:
    """The fixed-effect design (intercept, own background, year dummies, composition); columns that
    are constant in the data (a category nobody has) are left out."""
    cols: dict[str, np.ndarray] = {"intercept": np.ones(len(g9))}
    if own:
        for name, (col, value) in OWN_TERMS.items():
            cols[name] = (g9[col].astype(str).to_numpy() == value).astype(float)
        cols["newly_arrived"] = g9["newly_arrived"].astype(bool).to_numpy(float)
    years = np.sort(g9["school_year"].unique())
    for y in years[1:]:
        cols[f"year_{y}"] = (g9["school_year"].to_numpy() == y).astype(float)
    if composition:
        for name in COMPOSITION_TERMS:
            cols[name] = g9[name].to_numpy(float)
    x = pd.DataFrame(cols, index=g9.index)
    varying = [c for c in x.columns if c == "intercept" or x[c].nunique() > 1]
    return x[varying]


@dataclass(frozen=True)
class StudentModel:
    """Fitted merit model (random school intercepts) and eligibility model (logistic)."""

    merit: RandomInterceptFit
    terms: list[str]
    eligibility_params: pd.Series | None

    def coefficients(self) -> pd.DataFrame:
        """``term, estimate, se`` of the merit model's fixed part."""
        return pd.DataFrame({"term": self.terms, "estimate": self.merit.beta, "se": self.merit.se_beta})


@validate_params(students=_G9, composition=Boolean())
def fit_student_model(students: pd.DataFrame, *, composition: bool = True) -> StudentModel:
    """Fit the merit and eligibility models on grade-9 students (see the module docstring)."""
    g9 = grade9_with_merit(students)
    x = design(g9, composition=composition)
    merit = fit_random_intercept(g9["merit_value"].to_numpy(float), x.to_numpy(), g9["school_id"].to_numpy())
    elig = None
    if "eligible" in g9 and g9["eligible"].notna().sum() >= 50:
        known = g9["eligible"].notna().to_numpy()
        yv = g9.loc[known, "eligible"].astype(bool).to_numpy(float)
        if 0 < yv.mean() < 1:
            fit = fit_logistic(x.to_numpy()[known], yv)
            elig = pd.Series(fit.params, index=x.columns)
    return StudentModel(merit=merit, terms=list(x.columns), eligibility_params=elig)


@validate_params(students=_G9)
def student_expected(students: pd.DataFrame, model: StudentModel | None = None) -> pd.DataFrame:
    """One row per grade-9 student with a merit value: ``student_id, school_id, school_year,
    merit_value, expected_merit, merit_residual, eligible, expected_eligible`` (probability)."""
    model = model or fit_student_model(students)
    g9 = grade9_with_merit(students)
    x = design(g9, composition=any(t in model.terms for t in COMPOSITION_TERMS)).reindex(columns=model.terms,
                                                                                            fill_value=0.0)
    exp_merit = x.to_numpy() @ model.merit.beta
    out = pd.DataFrame(
        {
            "student_id": g9["student_id"].astype(str).to_numpy(),
            "school_id": g9["school_id"].to_numpy(),
            "school_year": g9["school_year"].to_numpy(),
            "merit_value": g9["merit_value"].to_numpy(float),
            "expected_merit": exp_merit,
        }
    )
    out["merit_residual"] = out["merit_value"] - out["expected_merit"]
    if model.eligibility_params is not None:
        out["eligible"] = g9["eligible"].astype("boolean").to_numpy()
        out["expected_eligible"] = expit(x.to_numpy() @ model.eligibility_params.to_numpy())
    return out


@validate_params(students=_G9)
def variance_between_schools(students: pd.DataFrame) -> pd.DataFrame:
    """``model, tau2, sigma2, icc`` for the empty model (year dummies only), own background, and own
    background plus composition; ``explained_between`` is the share of the empty model's between-
    school variance each model accounts for."""
    g9 = grade9_with_merit(students)
    y = g9["merit_value"].to_numpy(float)
    groups = g9["school_id"].to_numpy()
    rows = []
    for name, own, comp in (("empty", False, False), ("own_background", True, False),
                            ("own_background_and_composition", True, True)):
        f = fit_random_intercept(y, design(g9, composition=comp, own=own).to_numpy(), groups)
        rows.append({"model": name, "tau2": f.tau2, "sigma2": f.sigma2, "icc": f.icc})
    out = pd.DataFrame(rows)
    out["explained_between"] = 1.0 - out["tau2"] / out["tau2"].iloc[0] if out["tau2"].iloc[0] > 0 else np.nan
    return out


@validate_params(students=_G9)
def composition_effect(students: pd.DataFrame) -> dict:
    """The composition effect (see the module docstring): coefficients with standard errors and the
    share of the between-school variance after own background that composition explains."""
    g9 = grade9_with_merit(students)
    y = g9["merit_value"].to_numpy(float)
    groups = g9["school_id"].to_numpy()
    x_own = design(g9, composition=False)
    x_all = design(g9, composition=True)
    own = fit_random_intercept(y, x_own.to_numpy(), groups)
    full = fit_random_intercept(y, x_all.to_numpy(), groups)
    terms = list(x_all.columns)
    out: dict = {"n_students": len(g9), "n_schools": int(g9["school_id"].nunique()),
                 "icc_own_background": own.icc, "tau2_own_background": own.tau2, "tau2_with_composition": full.tau2,
                 "between_explained_by_composition": (1.0 - full.tau2 / own.tau2) if own.tau2 > 0 else float("nan")}
    for t in COMPOSITION_TERMS:
        if t in terms:
            k = terms.index(t)
            out[t] = {"estimate": float(full.beta[k]), "se": float(full.se_beta[k])}
    return out


@validate_params(students=_G9)
def composition_by_year(students: pd.DataFrame) -> pd.DataFrame:
    """``composition_effect`` fitted separately for each school year: ``school_year, n_students,
    n_schools, <term>, <term>_se, icc_own_background, between_explained_by_composition``."""
    rows = []
    for year, part in students.groupby(students["school_year"].astype(int)):
        try:
            ce = composition_effect(part)
        except (ValueError, np.linalg.LinAlgError):
            continue
        row = {"school_year": int(year), "n_students": ce["n_students"], "n_schools": ce["n_schools"]}
        for t in COMPOSITION_TERMS:
            if t in ce:
                row[t], row[f"{t}_se"] = ce[t]["estimate"], ce[t]["se"]
        row["icc_own_background"] = ce["icc_own_background"]
        row["between_explained_by_composition"] = ce["between_explained_by_composition"]
        rows.append(row)
    return pd.DataFrame(rows)
