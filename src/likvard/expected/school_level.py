"""School-level expected results from published composition (an open, extended SALSA).

Skolverket's SALSA regresses a school's grade-9 results on its students' composition (parents'
education, share of boys, share newly arrived) and publishes the residual. Here the school's mean
merit value in a year is modelled by least squares on the composition Skolverket publishes per
school unit (``read_composition_series``: shares of students with post-secondary-educated parents,
with foreign background and of girls, grades 1-9) with the ``"likvard"`` form

    y = b0 + b1 pe + b2 fb + b3 pe^2 + b4 fb^2 + b5 pe*fb + b6 girls + b7 log(n) + e,

or the ``"salsa"`` form y = b0 + b1 pe + b2 boys + e. What a school's expected value rests on:

* ``fit_school_model`` (or ``fit_share_model``) and ``expected_results``: the model is fitted on
  every school of one year (the fit year) and applied to the composition of another year. The
  school's result of the applied year is not used, but its own result of the fit year is one of the
  observations behind the coefficients (one of about 1,500 nationally; measured on the mean merit
  values of Skolverket's skolkarta, fitted on 2023/24 and applied to 2024/25, 1,496 school units:
  R² 0.563 with the school's own 2023/24 result in the fit, 0.558 with ``cross_fitted_years``).
* ``cross_fitted_years``: the same years, but each school's expected value comes from a model
  fitted on the fit year's results of the other schools only (K folds, seeded), so no result of the
  school itself is used.
* ``cross_fitted``: within one year, each school's expected value comes from a model fitted on the
  other folds.

The standard error of a deviation is that of a new observation, se = sqrt(x' V x + s^2) (V the
coefficients' covariance, s^2 the residual variance); a deviation is "reliably" above or below
when |dev| > z se, z the normal quantile of the interval ``level`` (1.645 at the default 90 %).

Shares (share eligible, share passing all subjects) use the same regressors in a quasi-binomial
GLM with logit link (Papke and Wooldridge 1996, fractional logit), weighted by the school's number
of grade-9 students n: expected p = expit(x'b), and a new observation's standard error
se = sqrt(phi p (1 - p) / n + (p (1 - p))^2 x' V x), phi the Pearson dispersion.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from likvard.defaults import LEVEL, SEED
from likvard.errors import DataError, ParameterError
from likvard.validation import (
    Frame,
    InstanceOf,
    Integer,
    Level,
    Nullable,
    Seed,
    options_of,
    validate_params,
)

Form = Literal["likvard", "salsa"]
FORMS: tuple[str, ...] = typing.get_args(Form)
_FEATURES = Frame(("pe", "fb", "girls", "n"), expected="sammansättning per skolenhet (composition_features)")
_SERIES = InstanceOf(pd.Series, "en serie per skolenhet (index school_id)")


@validate_params(
    composition=Frame(("school_id", "school_year", "share_post_secondary", "share_foreign_background",
                       "share_girls", "students_total"), expected="en tabell från read_composition_series"),
    school_year=Integer(min=1900, max=2200),
)
def composition_features(composition: pd.DataFrame, school_year: int) -> pd.DataFrame:
    """Per school unit of ``school_year``: ``pe, fb, girls, n`` from ``read_composition_series``."""
    c = composition[composition["school_year"] == school_year].drop_duplicates("school_id").set_index("school_id")
    return pd.DataFrame(
        {
            "pe": c["share_post_secondary"],
            "fb": c["share_foreign_background"],
            "girls": c["share_girls"],
            "n": c["students_total"],
        }
    )


@validate_params(features=_FEATURES, form=options_of(Form))
def design(features: pd.DataFrame, *, form: Form = "likvard") -> pd.DataFrame:
    """Regressors of the chosen form, with a constant; rows with missing inputs dropped."""
    f = features
    if form == "salsa":
        x = pd.DataFrame({"pe": f["pe"], "boys": 1.0 - f["girls"]})
    else:
        x = pd.DataFrame(
            {
                "pe": f["pe"], "fb": f["fb"], "pe2": f["pe"] ** 2, "fb2": f["fb"] ** 2,
                "pe_fb": f["pe"] * f["fb"], "girls": f["girls"], "log_n": np.log(f["n"].where(f["n"] > 0)),
            }
        )
    from statsmodels.tools.tools import add_constant  # statsmodels is imported where a model is fitted

    return add_constant(x.dropna(), has_constant="add")


@dataclass(frozen=True)
class SchoolModel:
    """A fitted school-level model; ``kind`` is ``"mean"`` (least squares) or ``"share"``
    (fractional logit, ``resid_var`` then the dispersion phi)."""

    form: Form
    params: pd.Series
    cov: pd.DataFrame
    resid_var: float
    r2: float
    n_schools: int
    kind: str = "mean"


def _enough(d: pd.DataFrame, x: pd.DataFrame) -> None:
    if len(d) <= x.shape[1]:
        raise DataError(
            f"För få skolenheter med både sammansättning och resultat ({len(d)}) för en modell med "
            f"{x.shape[1]} koefficienter."
        )


@validate_params(features=_FEATURES, actual=_SERIES, form=options_of(Form))
def fit_school_model(features: pd.DataFrame, actual: pd.Series, *, form: Form = "likvard") -> SchoolModel:
    """Least squares of ``actual`` (indexed by school_id) on the composition ``features``."""
    x = design(features, form=form)
    d = x.join(actual.rename("_y"), how="inner").dropna()
    _enough(d, x)
    from statsmodels.regression.linear_model import OLS

    fit = OLS(d["_y"], d.drop(columns="_y")).fit()
    return SchoolModel(form, fit.params, fit.cov_params(), float(fit.scale), float(fit.rsquared), int(fit.nobs))


@validate_params(features=_FEATURES, actual=_SERIES, n=_SERIES, form=options_of(Form))
def fit_share_model(features: pd.DataFrame, actual: pd.Series, n: pd.Series, *, form: Form = "likvard") -> SchoolModel:
    """Fractional logit of the share ``actual`` (0-1, indexed by school_id) weighted by ``n``."""
    x = design(features, form=form)
    d = x.join(actual.rename("_y"), how="inner").join(n.rename("_n"), how="inner").dropna()
    d = d[d["_n"] > 0]
    _enough(d, x)
    if ((d["_y"] < 0) | (d["_y"] > 1)).any():
        raise ParameterError("actual", "andelarna ska ligga mellan 0 och 1.")
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    fit = GLM(d["_y"], d.drop(columns=["_y", "_n"]), family=families.Binomial(),
                 var_weights=d["_n"]).fit(scale="X2")
    r2 = r_squared(d["_y"], fit.fittedvalues)
    return SchoolModel(form, fit.params, fit.cov_params(), float(fit.scale), r2, int(fit.nobs), kind="share")


@validate_params(
    model=InstanceOf(SchoolModel, "en skattad modell (SchoolModel)"),
    features=_FEATURES,
    actual=Nullable(_SERIES),
    n=Nullable(_SERIES),
    level=Level(),
)
def expected_results(model: SchoolModel, features: pd.DataFrame, actual: pd.Series | None = None,
                     n: pd.Series | None = None, *, level: float = LEVEL) -> pd.DataFrame:
    """``school_id, expected, se`` and, with ``actual``, ``actual, deviation, reliably`` (``över``,
    ``under`` or ``inom`` the band at ``level``). Share models need ``n`` (grade-9 students) for
    the se."""
    from scipy.special import expit, ndtri  # scipy is imported where a model is used

    x = design(features, form=model.form)[model.params.index]
    lin = x.to_numpy() @ model.params.to_numpy()
    quad = np.einsum("ij,jk,ik->i", x.to_numpy(), model.cov.to_numpy(), x.to_numpy())
    if model.kind == "share":
        if n is None:
            raise ParameterError("n", "andelsmodeller kräver antalet elever i årskurs 9 per skola.")
        expected = expit(lin)
        pq = expected * (1.0 - expected)
        n_s = n[~n.index.duplicated()].reindex(x.index).to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            var = model.resid_var * pq / np.where(n_s > 0, n_s, np.nan) + pq**2 * quad
    else:
        expected = lin
        var = quad + model.resid_var
    out = pd.DataFrame({"school_id": x.index, "expected": expected, "se": np.sqrt(var)})
    if actual is not None:
        out = out.merge(actual.rename("actual").rename_axis("school_id").reset_index(), on="school_id", how="inner")
        out = out.dropna(subset=["actual"])
        out["deviation"] = out["actual"] - out["expected"]
        z = out["deviation"] / out["se"]
        crit = float(ndtri(0.5 + level / 2.0))
        out["reliably"] = np.where(z > crit, "över", np.where(z < -crit, "under", "inom"))
        out = out[["school_id", "actual", "expected", "deviation", "se", "reliably"]]
    return out.reset_index(drop=True)


def r_squared(actual: np.ndarray, predicted: np.ndarray) -> float:
    """1 - SS_res / SS_tot."""
    a, p = np.asarray(actual, float), np.asarray(predicted, float)
    return float(1.0 - ((a - p) ** 2).sum() / ((a - a.mean()) ** 2).sum())


@validate_params(
    features=_FEATURES, actual=_SERIES, n=Nullable(_SERIES), form=options_of(Form), folds=Integer(min=2),
    seed=Seed(), level=Level(),
)
def cross_fitted(features: pd.DataFrame, actual: pd.Series, n: pd.Series | None = None, *, form: Form = "likvard",
                 folds: int = 10, seed: int = SEED, level: float = LEVEL) -> pd.DataFrame:
    """Within one year: each school's expected value from a model fitted on the other ``folds - 1``
    folds (schools assigned at random, seeded). With ``n`` the outcome is a share (fractional
    logit), otherwise a mean (least squares). Columns as ``expected_results`` with ``actual``."""
    x = design(features, form=form)
    schools = x.index.intersection(actual.dropna().index)
    if n is not None:
        schools = schools.intersection(n[n > 0].dropna().index)
    schools = schools.sort_values()
    fold = np.random.default_rng(seed).permutation(len(schools)) % folds
    parts = []
    for k in range(folds):
        train, test = schools[fold != k], schools[fold == k]
        if n is None:
            model = fit_school_model(features.loc[train], actual.loc[train], form=form)
        else:
            model = fit_share_model(features.loc[train], actual.loc[train], n.loc[train], form=form)
        parts.append(expected_results(model, features.loc[test], actual.loc[test], n, level=level))
    return pd.concat(parts).sort_values("school_id").reset_index(drop=True)


@validate_params(
    fit_features=_FEATURES, fit_actual=_SERIES, features=_FEATURES, actual=Nullable(_SERIES),
    fit_n=Nullable(_SERIES), n=Nullable(_SERIES), form=options_of(Form), folds=Integer(min=2), seed=Seed(),
    level=Level(),
)
def cross_fitted_years(
    fit_features: pd.DataFrame,
    fit_actual: pd.Series,
    features: pd.DataFrame,
    actual: pd.Series | None = None,
    fit_n: pd.Series | None = None,
    n: pd.Series | None = None,
    *,
    form: Form = "likvard",
    folds: int = 10,
    seed: int = SEED,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Fitted on one year, applied to another, without any result of the school itself: the
    schools of the applied year (``features``) are split into ``folds`` folds (seeded); each
    fold's expected values come from a model fitted on the fit year's results (``fit_features``,
    ``fit_actual``) of the schools outside the fold. With ``fit_n`` and ``n`` (grade-9 students
    in the fit and applied years) the outcome is a share, otherwise a mean. Columns as
    ``expected_results``."""
    if (fit_n is None) != (n is None):
        raise ParameterError("n", "ange antalet elever för båda åren (fit_n och n) för andelar, eller för inget.")
    schools = design(features, form=form).index.sort_values()
    fold = np.random.default_rng(seed).permutation(len(schools)) % folds
    parts = []
    for k in range(folds):
        test = schools[fold == k]
        train = fit_features.index.difference(test)
        if fit_n is None:
            model = fit_school_model(fit_features.loc[train], fit_actual.reindex(train), form=form)
        else:
            model = fit_share_model(fit_features.loc[train], fit_actual.reindex(train), fit_n.reindex(train), form=form)
        test_actual = None if actual is None else actual.reindex(test)
        parts.append(expected_results(model, features.loc[test], test_actual, n, level=level))
    return pd.concat(parts).sort_values("school_id").reset_index(drop=True)
