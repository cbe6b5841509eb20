"""School effects pooled over years with empirical-Bayes shrinkage.

1. Student level: each grade-9 student's merit value is modelled (linear model with random school
   intercepts, REML, ``multilevel.fit_random_intercept``; design in ``student_level``) on own
   background (parents' education, migration background, newly arrived, sex) and the school's
   composition that year (shares of its students with post-secondary-educated parents and with
   foreign background), pooled over years with year dummies. The residual e_i is what the school adds beyond both.
2. School s: raw effect r_s = mean of its students' residuals over all years, sampling variance
   v_s = sigma^2 / N_s (sigma^2 the within-school residual variance, N_s its students).
3. Between-school variance tau^2: the REML estimate of the student-level model (or, for residuals
   from elsewhere, the DerSimonian-Laird moment estimator: weights w_s = 1/v_s,
   Q = sum w_s (r_s - r_w)^2, tau^2 = max(0, (Q - (S - 1)) / (sum w - sum w^2 / sum w))).
   Empirical-Bayes shrinkage with Morris's (1983, "Parametric empirical Bayes inference", JASA
   78:47-55, eq. 4.1-4.3) correction for estimating tau^2 from S schools:
   B_s = (S - 3)/S * v_s / (v_s + tau^2); posterior mean (1 - B_s) r_s; variance
   v_s (1 - (S - 1)/S * B_s) + 2/(S - 3) * B_s^2 r_s^2, plus (1 - B_s)^2 x_s' Cov(b) x_s for the
   estimated coefficients (x_s the school's mean covariates). Effects are relative to the model's
   intercept, i.e. to an average school. 90 % interval: mean +- 1.645 sd; probability above
   expectation Phi(mean / sd). ``shrinkage`` is B_s.

Small schools are kept: they get wide intervals and are pulled towards zero instead of being
dropped. Single-year deviations are given per school and year, but only where at least 10 students
stand behind them (Skolverket's rule); the pooled estimate uses every student.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from likvard.defaults import LEVEL
from likvard.expected.multilevel import fit_random_intercept
from likvard.expected.student_level import design, grade9_with_merit
from likvard.tables import MIN_SHOWN_STUDENTS
from likvard.validation import Frame, Level, validate_params

_COLUMNS = ("student_id", "school_id", "school_year", "grade", "parent_education", "migration_background",
            "newly_arrived", "sex", "merit_value")


@validate_params(students=Frame(_COLUMNS, expected="en elevtabell"))
def student_residuals(students: pd.DataFrame) -> pd.DataFrame:
    """Grade-9 students with known merit value: ``student_id, school_id, school_year, merit_value,
    expected, residual`` (see the module docstring, step 1)."""
    g9 = grade9_with_merit(students)
    x = design(g9, composition=True)
    y = g9["merit_value"].to_numpy(float)
    # random school intercepts, so that the composition coefficients are not confounded with the
    # school effects (they are identified between schools)
    fit = fit_random_intercept(y, x.to_numpy(), g9["school_id"].to_numpy())
    expected = x.to_numpy() @ fit.beta
    out = pd.DataFrame(
        {
            "student_id": g9["student_id"].astype(str).to_numpy(),
            "school_id": g9["school_id"].to_numpy(),
            "school_year": g9["school_year"].to_numpy(),
            "merit_value": y,
            "expected": expected,
            "residual": y - expected,
        }
    )
    # each student's row of x and the fixed effects' covariance, for the comparative variance
    out.attrs["beta_cov"] = fit.cov_beta
    out.attrs["x"] = x.to_numpy()
    out.attrs["tau2_reml"] = fit.tau2
    return out


@validate_params(residuals=Frame(("school_id", "school_year", "residual"), expected="residualer per elev"),
                 level=Level())
def pooled_school_effects(residuals: pd.DataFrame, *, level: float = LEVEL) -> pd.DataFrame:
    """One row per school: ``school_id, n_students, n_years, raw_effect, raw_se, effect, se, low,
    high, prob_above, shrinkage`` (see the module docstring, steps 2-3)."""
    r = residuals
    by_year = r.groupby(["school_id", "school_year"])["residual"]
    within = (r["residual"] - by_year.transform("mean")) ** 2
    dof = len(r) - by_year.ngroups
    sigma2 = float(within.sum() / max(dof, 1))
    g = r.groupby("school_id")
    out = pd.DataFrame(
        {
            "n_students": g.size(),
            "n_years": g["school_year"].nunique(),
            "raw_effect": g["residual"].mean(),
        }
    )
    v = sigma2 / out["n_students"]
    if "tau2_reml" in r.attrs:
        tau2 = float(r.attrs["tau2_reml"])
    else:
        tau2 = _dersimonian_laird(out["raw_effect"].to_numpy(), v.to_numpy())
    k = len(out)
    if k > 3:  # Morris's B_s, corrected for tau^2 estimated from k schools
        shrink = (k - 3) / k * v / (v + tau2)
        post_var = v * (1.0 - (k - 1) / k * shrink) + 2.0 / (k - 3) * shrink**2 * out["raw_effect"] ** 2
    else:
        shrink = v / (v + tau2)
        post_var = (1.0 - shrink) * v
    keep = 1.0 - shrink
    z = norm.ppf(0.5 + level / 2)
    out["raw_se"] = np.sqrt(v)
    out["shrinkage"] = shrink
    out["effect"] = keep * out["raw_effect"]
    if "x" in r.attrs and "beta_cov" in r.attrs:
        # uncertainty of the estimated coefficients moves a school's mean residual by x_s'(b - beta)
        xbar = pd.DataFrame(r.attrs["x"], index=r.index).groupby(r["school_id"].to_numpy()).mean().loc[out.index]
        extra = np.einsum("ij,jk,ik->i", xbar.to_numpy(), r.attrs["beta_cov"], xbar.to_numpy())
        post_var = post_var + keep**2 * extra
    out["se"] = np.sqrt(post_var)
    out["low"] = out["effect"] - z * out["se"]
    out["high"] = out["effect"] + z * out["se"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["prob_above"] = np.where(out["se"] > 0, norm.cdf(out["effect"] / out["se"]), 0.5)
    out.attrs["tau2"], out.attrs["sigma2"] = tau2, sigma2
    return out.reset_index()


def _dersimonian_laird(effects: np.ndarray, variances: np.ndarray) -> float:
    """Between-unit variance tau^2 (DerSimonian and Laird 1986)."""
    if len(effects) < 2:
        return 0.0
    w = 1.0 / variances
    mean_w = (w * effects).sum() / w.sum()
    q = (w * (effects - mean_w) ** 2).sum()
    return float(max(0.0, (q - (len(effects) - 1)) / (w.sum() - (w**2).sum() / w.sum())))


@validate_params(residuals=Frame(("school_id", "school_year", "residual"), expected="residualer per elev"))
def yearly_deviations(residuals: pd.DataFrame) -> pd.DataFrame:
    """Per school and year: ``n_students, deviation, se, shown`` (``shown`` False below 10 students:
    such a year still counts in the pooled estimate but its figure is not displayed)."""
    r = residuals
    by_year = r.groupby(["school_id", "school_year"])["residual"]
    within = ((r["residual"] - by_year.transform("mean")) ** 2).sum() / max(len(r) - by_year.ngroups, 1)
    out = by_year.agg(n_students="size", deviation="mean").reset_index()
    out["se"] = np.sqrt(within / out["n_students"])
    out["shown"] = out["n_students"] >= MIN_SHOWN_STUDENTS
    return out
