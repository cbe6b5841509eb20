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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from likvard.expected.multilevel import fit_random_intercept
from likvard.expected.student_level import design, grade9_with_merit
from likvard.defaults import LEVEL
from likvard.tables import MIN_SHOWN_STUDENTS
from likvard.validation import Frame, Level, validate_params


@dataclass(frozen=True)
class ResidualFit:
    """Student residuals of the random-intercept model and what their uncertainty needs.

    ``table``: one row per grade-9 student with known merit value, ``student_id, school_id,
    school_year, merit_value, expected, residual``; ``design``: the covariates of each row of
    ``table`` (same order); ``beta_cov``: covariance of the fixed effects; ``tau2``: the REML
    between-school variance.
    """

    table: pd.DataFrame
    design: np.ndarray
    beta_cov: np.ndarray
    tau2: float

    def subset(self, mask: pd.Series | np.ndarray) -> ResidualFit:
        """The same fit restricted to the rows of ``table`` where ``mask`` is true."""
        keep = np.asarray(mask, dtype=bool)
        return ResidualFit(self.table[keep].reset_index(drop=True), self.design[keep], self.beta_cov, self.tau2)


_COLUMNS = ("student_id", "school_id", "school_year", "grade", "parent_education", "migration_background",
            "newly_arrived", "sex", "merit_value")


@validate_params(students=Frame(_COLUMNS, expected="en elevtabell"))
def student_residuals(students: pd.DataFrame) -> ResidualFit:
    """Grade-9 students with known merit value and their residuals (module docstring, step 1)."""
    g9 = grade9_with_merit(students)
    x = design(g9, composition=True)
    y = g9["merit_value"].to_numpy(float)
    # random school intercepts, so that the composition coefficients are not confounded with the
    # school effects (they are identified between schools)
    fit = fit_random_intercept(y, x.to_numpy(), g9["school_id"].to_numpy())
    expected = x.to_numpy() @ fit.beta
    table = pd.DataFrame(
        {
            "student_id": g9["student_id"].astype(str).to_numpy(),
            "school_id": g9["school_id"].to_numpy(),
            "school_year": g9["school_year"].to_numpy(),
            "merit_value": y,
            "expected": expected,
            "residual": y - expected,
        }
    )
    return ResidualFit(table, x.to_numpy(float), np.asarray(fit.cov_beta, float), float(fit.tau2))


def within_school_variance(residuals: pd.DataFrame) -> float:
    """sigma^2: pooled variance of the residuals around their school-and-year means."""
    by_year = residuals.groupby(["school_id", "school_year"])["residual"]
    within = (residuals["residual"] - by_year.transform("mean")) ** 2
    return float(within.sum() / max(len(residuals) - by_year.ngroups, 1))


def between_school_variance(residuals: ResidualFit | pd.DataFrame) -> float:
    """tau^2: the REML estimate of a :class:`ResidualFit`, else DerSimonian-Laird on the residuals."""
    if isinstance(residuals, ResidualFit):
        return residuals.tau2
    sigma2 = within_school_variance(residuals)
    g = residuals.groupby("school_id")["residual"]
    return _dersimonian_laird(g.mean().to_numpy(), (sigma2 / g.size()).to_numpy())


@validate_params(level=Level())
def pooled_school_effects(residuals: ResidualFit | pd.DataFrame, *, level: float = LEVEL) -> pd.DataFrame:
    """One row per school: ``school_id, n_students, n_years, raw_effect, raw_se, effect, se, low,
    high, prob_above, shrinkage`` (see the module docstring, steps 2-3).

    ``residuals`` is :func:`student_residuals`' fit, or any table ``school_id, school_year,
    residual`` (then tau^2 is the DerSimonian-Laird estimate and the coefficients are taken as known).
    """
    r = residuals.table if isinstance(residuals, ResidualFit) else residuals
    sigma2 = within_school_variance(r)
    g = r.groupby("school_id")
    out = pd.DataFrame(
        {
            "n_students": g.size(),
            "n_years": g["school_year"].nunique(),
            "raw_effect": g["residual"].mean(),
        }
    )
    v = sigma2 / out["n_students"]
    tau2 = between_school_variance(residuals)
    k = len(out)
    if k > 3:  # Morris's B_s, corrected for tau^2 estimated from k schools
        shrink = (k - 3) / k * v / (v + tau2)
        post_var = v * (1.0 - (k - 1) / k * shrink) + 2.0 / (k - 3) * shrink**2 * out["raw_effect"] ** 2
    else:
        shrink = v / (v + tau2)
        post_var = (1.0 - shrink) * v
    keep = 1.0 - shrink
    from scipy.special import ndtr, ndtri  # scipy is imported where effects are estimated

    z = ndtri(0.5 + level / 2)
    out["raw_se"] = np.sqrt(v)
    out["shrinkage"] = shrink
    out["effect"] = keep * out["raw_effect"]
    if isinstance(residuals, ResidualFit):
        # uncertainty of the estimated coefficients moves a school's mean residual by x_s'(b - beta)
        xbar = pd.DataFrame(residuals.design).groupby(r["school_id"].to_numpy()).mean().loc[out.index]
        extra = np.einsum("ij,jk,ik->i", xbar.to_numpy(), residuals.beta_cov, xbar.to_numpy())
        post_var = post_var + keep**2 * extra
    out["se"] = np.sqrt(post_var)
    out["low"] = out["effect"] - z * out["se"]
    out["high"] = out["effect"] + z * out["se"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["prob_above"] = np.where(out["se"] > 0, ndtr(out["effect"] / out["se"]), 0.5)
    return out.reset_index()


def _dersimonian_laird(effects: np.ndarray, variances: np.ndarray) -> float:
    """Between-unit variance tau^2 (DerSimonian and Laird 1986)."""
    if len(effects) < 2:
        return 0.0
    w = 1.0 / variances
    mean_w = (w * effects).sum() / w.sum()
    q = (w * (effects - mean_w) ** 2).sum()
    return float(max(0.0, (q - (len(effects) - 1)) / (w.sum() - (w**2).sum() / w.sum())))


def yearly_deviations(residuals: ResidualFit | pd.DataFrame) -> pd.DataFrame:
    """Per school and year: ``n_students, deviation, se, shown`` (``shown`` False below 10 students:
    such a year still counts in the pooled estimate but its figure is not displayed)."""
    r = residuals.table if isinstance(residuals, ResidualFit) else residuals
    by_year = r.groupby(["school_id", "school_year"])["residual"]
    within = ((r["residual"] - by_year.transform("mean")) ** 2).sum() / max(len(r) - by_year.ngroups, 1)
    out = by_year.agg(n_students="size", deviation="mean").reset_index()
    out["se"] = np.sqrt(within / out["n_students"])
    out["shown"] = out["n_students"] >= MIN_SHOWN_STUDENTS
    return out
