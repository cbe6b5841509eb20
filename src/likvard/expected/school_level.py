"""School-level expected results from published composition (an open, extended SALSA).

Skolverket's SALSA regresses a school's grade-9 results on its students' composition (parents'
education, share of boys, share newly arrived) and publishes the residual. Here the school's mean
merit value in a year is modelled by least squares on the composition Skolverket publishes per
school unit (``read_composition_series``: shares of students with post-secondary-educated parents,
with foreign background and of girls, grades 1-9) with the ``"likvard"`` form

    y = b0 + b1 pe + b2 fb + b3 pe^2 + b4 fb^2 + b5 pe*fb + b6 girls + b7 log(n) + e,

or the ``"salsa"`` form y = b0 + b1 pe + b2 boys + e. The model is fitted on one year and applied to
another (or, within one year, by K-fold cross-fitting: each school's expected value comes from a
model fitted on the other folds), so the expected value never uses the school's own results. The
standard error of a deviation is that of a new observation, se = sqrt(x' V x + s^2) (V the
coefficients' covariance, s^2 the residual variance); a deviation is "reliably" above or below
when |dev| > 1.645 se (90 %).

Shares (share eligible, share passing all subjects) use the same regressors in a quasi-binomial
GLM with logit link (Papke and Wooldridge 1996, fractional logit), weighted by the school's number
of grade-9 students n: expected p = expit(x'b), and a new observation's standard error
se = sqrt(phi p (1 - p) / n + (p (1 - p))^2 x' V x), phi the Pearson dispersion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.special import expit

FORMS = ("likvard", "salsa")


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


def design(features: pd.DataFrame, form: str = "likvard") -> pd.DataFrame:
    """Regressors of the chosen form, with a constant; rows with missing inputs dropped."""
    f = features
    if form == "salsa":
        x = pd.DataFrame({"pe": f["pe"], "boys": 1.0 - f["girls"]})
    elif form == "likvard":
        x = pd.DataFrame(
            {
                "pe": f["pe"], "fb": f["fb"], "pe2": f["pe"] ** 2, "fb2": f["fb"] ** 2,
                "pe_fb": f["pe"] * f["fb"], "girls": f["girls"], "log_n": np.log(f["n"].where(f["n"] > 0)),
            }
        )
    else:
        raise ValueError(f"okänd modellform {form!r}; välj {' eller '.join(FORMS)}")
    return sm.add_constant(x.dropna(), has_constant="add")


@dataclass(frozen=True)
class SchoolModel:
    """A fitted school-level model; ``kind`` is ``"mean"`` (least squares) or ``"share"``
    (fractional logit, ``resid_var`` then the dispersion phi)."""

    form: str
    params: pd.Series
    cov: pd.DataFrame
    resid_var: float
    r2: float
    n_schools: int
    kind: str = "mean"


def fit_school_model(features: pd.DataFrame, actual: pd.Series, form: str = "likvard") -> SchoolModel:
    """Least squares of ``actual`` (indexed by school_id) on the composition ``features``."""
    x = design(features, form)
    d = x.join(actual.rename("_y"), how="inner").dropna()
    fit = sm.OLS(d["_y"], d.drop(columns="_y")).fit()
    return SchoolModel(form, fit.params, fit.cov_params(), float(fit.scale), float(fit.rsquared), int(fit.nobs))


def fit_share_model(features: pd.DataFrame, actual: pd.Series, n: pd.Series, form: str = "likvard") -> SchoolModel:
    """Fractional logit of the share ``actual`` (0-1, indexed by school_id) weighted by ``n``."""
    x = design(features, form)
    d = x.join(actual.rename("_y"), how="inner").join(n.rename("_n"), how="inner").dropna()
    d = d[d["_n"] > 0]
    fit = sm.GLM(d["_y"], d.drop(columns=["_y", "_n"]), family=sm.families.Binomial(),
                 var_weights=d["_n"]).fit(scale="X2")
    r2 = r_squared(d["_y"], fit.fittedvalues)
    return SchoolModel(form, fit.params, fit.cov_params(), float(fit.scale), r2, int(fit.nobs), kind="share")


def expected_results(model: SchoolModel, features: pd.DataFrame, actual: pd.Series | None = None,
                     n: pd.Series | None = None) -> pd.DataFrame:
    """``school_id, expected, se`` and, with ``actual``, ``actual, deviation, reliably`` (``över``,
    ``under`` or ``inom`` the 90 % band). Share models need ``n`` (grade-9 students) for the se."""
    x = design(features, model.form)[model.params.index]
    lin = x.to_numpy() @ model.params.to_numpy()
    quad = np.einsum("ij,jk,ik->i", x.to_numpy(), model.cov.to_numpy(), x.to_numpy())
    if model.kind == "share":
        if n is None:
            raise ValueError("andelsmodeller kräver antalet elever i årskurs 9 per skola")
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
        out["reliably"] = np.where(z > 1.645, "över", np.where(z < -1.645, "under", "inom"))
        out = out[["school_id", "actual", "expected", "deviation", "se", "reliably"]]
    return out.reset_index(drop=True)


def r_squared(actual: np.ndarray, predicted: np.ndarray) -> float:
    """1 - SS_res / SS_tot."""
    a, p = np.asarray(actual, float), np.asarray(predicted, float)
    return float(1.0 - ((a - p) ** 2).sum() / ((a - a.mean()) ** 2).sum())


def cross_fitted(features: pd.DataFrame, actual: pd.Series, n: pd.Series | None = None, form: str = "likvard",
                 folds: int = 10, seed: int = 2026) -> pd.DataFrame:
    """Within one year: each school's expected value from a model fitted on the other ``folds - 1``
    folds (schools assigned at random, seeded). With ``n`` the outcome is a share (fractional
    logit), otherwise a mean (least squares). Columns as ``expected_results`` with ``actual``."""
    x = design(features, form)
    schools = x.index.intersection(actual.dropna().index)
    if n is not None:
        schools = schools.intersection(n[n > 0].dropna().index)
    schools = schools.sort_values()
    fold = np.random.default_rng(seed).permutation(len(schools)) % folds
    parts = []
    for k in range(folds):
        train, test = schools[fold != k], schools[fold == k]
        if n is None:
            model = fit_school_model(features.loc[train], actual.loc[train], form)
        else:
            model = fit_share_model(features.loc[train], actual.loc[train], n.loc[train], form)
        parts.append(expected_results(model, features.loc[test], actual.loc[test], n))
    return pd.concat(parts).sort_values("school_id").reset_index(drop=True)
