"""Need index: the mean predicted risk of not becoming eligible, per school, scaled to mean 100.

Like Skolverket's socioeconomic index (an SCB model of each student's probability of
eligibility for upper-secondary school from background variables), a logistic regression

    logit P(not eligible_i) = b0 + sum_k b_k x_ik

is fitted on grade-9 students with known eligibility (the authority's cohorts, or a
``reference`` table) with the background variables available in the registers: parents'
education (ref. post-secondary), migration background (ref. Swedish background), newly arrived
and sex. As every regressor is an indicator, the fit uses the number of students and of those not
eligible per background combination (a binomial GLM on at most a few dozen rows, the same maximum
likelihood estimate and covariance as the logit on the students; ``likvard.expected.logistic``). Every student, in every grade,
then gets the predicted risk r_i. A school's need index is

    need_s = 100 * mean_{i in s} r_i / mean_{all i in the year} r_i,

so the student-weighted mean over the schools of a year is exactly 100. The 90 % interval
reflects the uncertainty of the estimated coefficients: coefficient vectors are drawn from their
asymptotic normal distribution N(b, V) (seeded) and the index recomputed for each draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from likvard.defaults import LEVEL, N_REPLICATIONS, SEED
from likvard.errors import DataError
from likvard.expected.logistic import expit, fit_logistic
from likvard.validation import (
    Frame,
    Level,
    Nullable,
    Replications,
    Seed,
    validate_params,
)

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


def _indicators(values: pd.Series, wanted: tuple[str, ...]) -> list[np.ndarray]:
    """values == w for each w in ``wanted``, hashing the distinct values once (fast on strings)."""
    codes, uniques = pd.factorize(values, sort=False)
    text = [str(u) for u in uniques]
    out = []
    for w in wanted:
        hit = np.array([t == w for t in text] + [False], dtype=bool)  # code -1 (missing) -> False
        out.append(hit[codes])
    return out


def design(students: pd.DataFrame) -> np.ndarray:
    """Background indicators in ``FEATURES`` order, with a leading intercept column."""
    cols = [
        *_indicators(students["parent_education"], ("compulsory", "upper_secondary", "unknown")),
        *_indicators(students["migration_background"], ("born_in_sweden_foreign_parents", "foreign_born")),
        students["newly_arrived"].astype(bool).to_numpy(),
        *_indicators(students["sex"], ("M",)),
    ]
    x = np.empty((len(students), len(cols) + 1))
    x[:, 0] = 1.0
    for k, c in enumerate(cols):
        x[:, k + 1] = c
    return x


@validate_params(reference=Frame(("grade", "parent_education", "migration_background", "newly_arrived", "sex"),
                                 expected="en elevtabell"))
def fit_need_model(reference: pd.DataFrame) -> NeedModel:
    """Fit the logistic model on grade-9 students whose ``eligible`` is known."""
    if "eligible" not in reference.columns:
        raise DataError("Behovsindex kräver kolumnen 'eligible' (behörighet) för elever i årskurs 9.")
    ref = reference[(reference["grade"].astype(int) == 9) & reference["eligible"].notna()]
    if len(ref) < 50:
        raise DataError(
            f"Behovsindex kräver minst 50 elever i årskurs 9 med känd behörighet; underlaget har {len(ref)}."
        )
    y = (~ref["eligible"].astype(bool)).to_numpy(dtype=float)
    x = design(ref)
    keep = np.asarray(x[:, 1:].any(axis=0) & ~x[:, 1:].all(axis=0))  # drop constant indicators
    cols = np.r_[True, keep]
    names = ["intercept", *[f for f, k in zip(FEATURES, keep) if k]]
    # the likelihood depends on the students only through the counts per background combination
    combos, code = background_combinations(x[:, cols])
    failures = np.bincount(code, weights=y, minlength=len(combos))
    totals = np.bincount(code, minlength=len(combos)).astype(float)
    fit = fit_logistic(combos, failures, totals)
    if not fit.converged or not np.isfinite(fit.cov).all() or (np.diag(fit.cov) > 1e4).any():
        raise DataError(
            "Behovsmodellen kan inte skattas på underlaget: någon bakgrundsgrupp har alla eller inga elever "
            "behöriga (fullständig separation). Använd ett större referensunderlag."
        )
    params = pd.Series(fit.params, index=names)
    cov = pd.DataFrame(fit.cov, index=names, columns=names)
    return NeedModel(params=params, cov=cov, n_students=len(ref), share_not_eligible=float(y.mean()))


def _risk(x: np.ndarray, beta: np.ndarray) -> np.ndarray:
    return expit(x @ beta)


def _columns(model: NeedModel) -> np.ndarray:
    order = ["intercept", *FEATURES]
    return np.array([order.index(n) for n in model.params.index])


_BACKGROUND = ("school_id", "school_year", "grade", "parent_education", "migration_background", "newly_arrived", "sex")
_STUDENTS = Frame(_BACKGROUND, expected="en elevtabell")


@validate_params(students=_STUDENTS, reference=Nullable(Frame(_BACKGROUND + ("eligible",))))
def predict_not_eligible_risk(students: pd.DataFrame, *, reference: pd.DataFrame | None = None) -> pd.Series:
    """Each student's predicted risk of not becoming eligible (index aligned with ``students``).

    The model is fitted on ``reference`` (default: the grade-9 students of ``students`` with known
    eligibility, all years pooled).
    """
    model = fit_need_model(students if reference is None else reference)
    x = design(students)[:, _columns(model)]
    return pd.Series(_risk(x, model.params.to_numpy()), index=students.index, name="risk_not_eligible")


def background_combinations(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a 0/1 design ``x`` (``combos``, one per background combination) and
    each student's combination (``code``): the indicators packed into the bits of an integer."""
    bits = (x[:, 1:] > 0.5).astype(np.int64) @ (1 << np.arange(x.shape[1] - 1, dtype=np.int64))
    code, packed = pd.factorize(bits, sort=True)
    combos = np.column_stack(
        [np.ones(len(packed)), ((np.asarray(packed)[:, None] >> np.arange(x.shape[1] - 1)) & 1).astype(float)]
    )
    return combos, code


@validate_params(
    students=_STUDENTS,
    reference=Nullable(Frame(_BACKGROUND + ("eligible",))),
    n_replications=Replications(1),
    seed=Seed(),
    level=Level(),
)
def need_index(
    students: pd.DataFrame,
    *,
    reference: pd.DataFrame | None = None,
    n_replications: int = N_REPLICATIONS,
    seed: int = SEED,
    level: float = LEVEL,
) -> pd.DataFrame:
    """One row per school and year: ``school_id, school_year, n_students, mean_risk, need_index,
    need_index_low, need_index_high`` (see the module docstring; ``n_replications`` coefficient
    draws for the interval at ``level``).

    The risk depends on a student only through the combination of background indicators, so
    every school's mean risk is computed from its number of students in each combination (at most
    a few dozen): the cost of a coefficient draw is schools x combinations, not students. A pure
    function of its inputs: the caller may cache it per data version.
    """
    model = fit_need_model(students if reference is None else reference)
    x = design(students)[:, _columns(model)]
    combos, code = background_combinations(x)
    keys = pd.DataFrame({"school_id": students["school_id"].astype(str).to_numpy(),
                         "school_year": students["school_year"].to_numpy()})
    grouped = keys.groupby(["school_id", "school_year"], sort=True)
    groups = grouped.ngroup().to_numpy()
    first = grouped.size().reset_index()[["school_id", "school_year"]]
    n_groups = len(first)
    k = len(combos)
    counts = np.bincount(groups * k + code, minlength=n_groups * k).reshape(n_groups, k).astype(float)
    n = counts.sum(axis=1)
    year_codes, years = pd.factorize(first["school_year"].to_numpy(), sort=True)
    year_counts = np.zeros((len(years), k))
    np.add.at(year_counts, year_codes, counts)

    def index_for(betas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r = _risk(combos, betas.T)  # combinations x draws
        school_mean = (counts @ r) / n[:, None]
        year_mean = (year_counts @ r) / year_counts.sum(axis=1)[:, None]
        return 100.0 * school_mean / year_mean[year_codes], school_mean

    point, mean_risk = index_for(model.params.to_numpy()[None, :])
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(model.params.to_numpy(), model.cov.to_numpy(), size=n_replications)
    sims = index_for(draws)[0]
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(sims, [tail, 1.0 - tail], axis=1)
    return first.assign(
        n_students=n.astype(int),
        mean_risk=mean_risk[:, 0],
        need_index=point[:, 0],
        need_index_low=np.minimum(low, point[:, 0]),
        need_index_high=np.maximum(high, point[:, 0]),
    )
