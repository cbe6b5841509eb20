"""School-level expected results from published composition (an open, extended SALSA).

Skolverket's SALSA regresses a school's grade-9 results on its students' composition (parents'
education, share of boys, share newly arrived) and publishes the residual. Here the school's mean
merit value in a year is modelled by least squares on the composition Skolverket publishes per
school unit (``read_composition_series``: shares of students with post-secondary-educated parents,
with foreign background and of girls, grades 1-9) with the ``"likvard"`` form

    y = b0 + b1 pe + b2 fb + b3 pe^2 + b4 fb^2 + b5 pe*fb + b6 girls + b7 log(n) + e,

or the ``"salsa"`` form y = b0 + b1 pe + b2 boys + e. The model is fitted on one year and applied to
another, so the expected value never uses the school's own results. The standard error of a
deviation is that of a new observation, se = sqrt(x' V x + s^2) (V the coefficients' covariance,
s^2 the residual variance); a deviation is "reliably" above or below when |dev| > 1.645 se (90 %).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

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
    """A fitted school-level model."""

    form: str
    params: pd.Series
    cov: pd.DataFrame
    resid_var: float
    r2: float
    n_schools: int


def fit_school_model(features: pd.DataFrame, actual: pd.Series, form: str = "likvard") -> SchoolModel:
    """Least squares of ``actual`` (indexed by school_id) on the composition ``features``."""
    x = design(features, form)
    d = x.join(actual.rename("_y"), how="inner").dropna()
    fit = sm.OLS(d["_y"], d.drop(columns="_y")).fit()
    return SchoolModel(form, fit.params, fit.cov_params(), float(fit.scale), float(fit.rsquared), int(fit.nobs))


def expected_results(model: SchoolModel, features: pd.DataFrame, actual: pd.Series | None = None) -> pd.DataFrame:
    """``school_id, expected, se`` and, with ``actual``, ``actual, deviation, reliably`` (``över``,
    ``under`` or ``inom`` the 90 % band)."""
    x = design(features, model.form)[model.params.index]
    expected = x.to_numpy() @ model.params.to_numpy()
    var = np.einsum("ij,jk,ik->i", x.to_numpy(), model.cov.to_numpy(), x.to_numpy()) + model.resid_var
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
