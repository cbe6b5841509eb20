"""Need index: the mean predicted risk of not becoming eligible, per school, scaled to mean 100.

Like Skolverket's socioeconomic index (an SCB model of each student's probability of
eligibility for upper-secondary school from background variables), a logistic regression

    logit P(not eligible_i) = b0 + sum_k b_k x_ik

is fitted on grade-9 students with known eligibility (the authority's cohorts, or a
``reference`` table) with the background variables available in the registers: parents'
education (ref. post-secondary), migration background (ref. Swedish background), newly arrived
and sex. Every student, in every grade, then gets the predicted risk r_i. A school's need index is

    need_s = 100 * mean_{i in s} r_i / mean_{all i in the year} r_i,

so the student-weighted mean over the schools of a year is exactly 100. The 90 % interval
reflects the uncertainty of the estimated coefficients: coefficient vectors are drawn from their
asymptotic normal distribution N(b, V) (seeded) and the index recomputed for each draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.special import expit

FEATURES = (
    "parents_compulsory",
    "parents_upper_secondary",
    "parents_unknown",
    "born_in_sweden_foreign_parents",
    "foreign_born",
    "newly_arrived",
    "boy",
)


@dataclass(frozen=True)
class NeedModel:
    """Fitted coefficients (intercept first), their covariance and the number of students used."""

    params: pd.Series
    cov: pd.DataFrame
    n_students: int
    share_not_eligible: float


def design(students: pd.DataFrame) -> np.ndarray:
    """Background indicators in ``FEATURES`` order, with a leading intercept column."""
    pe = students["parent_education"].astype(str).to_numpy()
    mb = students["migration_background"].astype(str).to_numpy()
    cols = [
        pe == "compulsory",
        pe == "upper_secondary",
        pe == "unknown",
        mb == "born_in_sweden_foreign_parents",
        mb == "foreign_born",
        students["newly_arrived"].astype(bool).to_numpy(),
        students["sex"].astype(str).to_numpy() == "M",
    ]
    return np.column_stack([np.ones(len(students)), *cols]).astype(float)


def fit_need_model(reference: pd.DataFrame) -> NeedModel:
    """Fit the logistic model on grade-9 students whose ``eligible`` is known."""
    if "eligible" not in reference.columns:
        raise ValueError("Behovsindex kräver kolumnen 'eligible' (behörighet) för elever i årskurs 9.")
    ref = reference[(reference["grade"].astype(int) == 9) & reference["eligible"].notna()]
    if len(ref) < 50:
        raise ValueError(
            f"Behovsindex kräver minst 50 elever i årskurs 9 med känd behörighet; underlaget har {len(ref)}."
        )
    y = (~ref["eligible"].astype(bool)).to_numpy(dtype=float)
    x = design(ref)
    keep = np.asarray(x[:, 1:].any(axis=0) & ~x[:, 1:].all(axis=0))  # drop constant indicators
    cols = np.r_[True, keep]
    names = ["intercept", *[f for f, k in zip(FEATURES, list(keep)) if k]]
    fit = sm.Logit(y, x[:, cols]).fit(disp=0, method="newton", maxiter=100)
    params = pd.Series(fit.params, index=names)
    cov = pd.DataFrame(fit.cov_params(), index=names, columns=names)
    return NeedModel(params=params, cov=cov, n_students=len(ref), share_not_eligible=float(y.mean()))


def _risk(x: np.ndarray, beta: np.ndarray) -> np.ndarray:
    return expit(x @ beta)


def _columns(model: NeedModel) -> np.ndarray:
    order = ["intercept", *FEATURES]
    return np.array([order.index(n) for n in model.params.index])


def predict_not_eligible_risk(students: pd.DataFrame, reference: pd.DataFrame | None = None) -> pd.Series:
    """Each student's predicted risk of not becoming eligible (index aligned with ``students``).

    The model is fitted on ``reference`` (default: the grade-9 students of ``students`` with known
    eligibility, all years pooled).
    """
    model = fit_need_model(students if reference is None else reference)
    x = design(students)[:, _columns(model)]
    return pd.Series(_risk(x, model.params.to_numpy()), index=students.index, name="risk_not_eligible")


def need_index(
    students: pd.DataFrame,
    reference: pd.DataFrame | None = None,
    n_draws: int = 200,
    seed: int = 2026,
    level: float = 0.90,
) -> pd.DataFrame:
    """One row per school and year: ``school_id, school_year, n_students, mean_risk, need_index,
    need_index_low, need_index_high`` (see the module docstring)."""
    model = fit_need_model(students if reference is None else reference)
    x = design(students)[:, _columns(model)]
    keys = students[["school_id", "school_year"]].astype({"school_id": str})
    groups = keys.groupby(["school_id", "school_year"], sort=True).ngroup().to_numpy()
    year_of_group = keys.groupby(["school_id", "school_year"], sort=True)["school_year"].first().to_numpy()
    n_groups = groups.max() + 1 if len(groups) else 0
    n = np.bincount(groups, minlength=n_groups).astype(float)
    years, year_idx = np.unique(keys["school_year"].to_numpy(), return_inverse=True)

    def index_for(beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r = _risk(x, beta)
        school_mean = np.bincount(groups, weights=r, minlength=n_groups) / n
        year_mean = np.bincount(year_idx, weights=r) / np.bincount(year_idx)
        year_of = np.searchsorted(years, year_of_group)
        return 100.0 * school_mean / year_mean[year_of], school_mean

    point, mean_risk = index_for(model.params.to_numpy())
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(model.params.to_numpy(), model.cov.to_numpy(), size=n_draws)
    sims = np.stack([index_for(b)[0] for b in draws])
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(sims, [tail, 1.0 - tail], axis=0)
    first = keys.groupby(["school_id", "school_year"], sort=True).size().reset_index()[["school_id", "school_year"]]
    return first.assign(
        n_students=n.astype(int),
        mean_risk=mean_risk,
        need_index=point,
        need_index_low=np.minimum(low, point),
        need_index_high=np.maximum(high, point),
    )
