"""School effects pooled over years with empirical-Bayes shrinkage.

1. Student level: each grade-9 student's merit value is modelled (linear model with random school
   intercepts, REML, statsmodels MixedLM) on own
   background (parents' education, migration background, newly arrived, sex) and the school's
   composition that year (share of its students with post-secondary-educated parents), pooled
   over years with year dummies. The residual e_i is what the school adds beyond both.
2. School s: raw effect r_s = mean of its students' residuals over all years, sampling variance
   v_s = sigma^2 / N_s (sigma^2 the within-school residual variance, N_s its students).
3. Between-school variance tau^2 by the DerSimonian-Laird moment estimator (weights w_s = 1/v_s,
   Q = sum w_s (r_s - r_w)^2, tau^2 = max(0, (Q - (S - 1)) / (sum w - sum w^2 / sum w)), which is
   not swamped by tiny schools), shrinkage factor B_s = tau^2 / (tau^2 + v_s); posterior mean B_s r_s, variance B_s v_s (Morris 1983,
   "Parametric empirical Bayes inference"), plus B_s^2 x_s' Cov(b) x_s for the estimated
   coefficients (x_s the school's mean covariates). 90 % interval: mean +- 1.645 sd; probability above
   expectation Phi(mean / sd).

Small schools are kept: they get wide intervals and are pulled towards zero instead of being
dropped. Single-year deviations are given per school and year, but only where at least 10 students
stand behind them (Skolverket's rule); the pooled estimate uses every student.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.stats import norm

from likvard.tables import MIN_SHOWN_STUDENTS


def student_residuals(students: pd.DataFrame) -> pd.DataFrame:
    """Grade-9 students with known merit value: ``student_id, school_id, school_year, merit_value,
    expected, residual`` (see the module docstring, step 1)."""
    st = students.copy()
    st["school_id"] = st["school_id"].astype(str)
    comp = st.assign(_pe=st["parent_education"].eq("post_secondary")).groupby(["school_id", "school_year"])["_pe"].mean()
    g9 = st[(st["grade"].astype(int) == 9) & st["merit_value"].notna()].copy()
    if len(g9) < 30:
        raise ValueError(f"Skoleffekter kräver meritvärden för minst 30 elever i årskurs 9; underlaget har {len(g9)}.")
    g9["school_share_post_secondary"] = comp.reindex(pd.MultiIndex.from_frame(g9[["school_id", "school_year"]])).to_numpy()
    x = pd.get_dummies(
        g9[["parent_education", "migration_background", "sex"]].astype(str), drop_first=False, dtype=float
    )
    x = x.drop(columns=[c for c in ("parent_education_post_secondary", "migration_background_swedish", "sex_F") if c in x])
    years = pd.get_dummies(g9["school_year"].astype(str), prefix="year", drop_first=True, dtype=float)
    x = pd.concat([x, years], axis=1)
    x["newly_arrived"] = g9["newly_arrived"].astype(float)
    x["school_share_post_secondary"] = g9["school_share_post_secondary"]
    x = sm.add_constant(x, has_constant="add")
    y = g9["merit_value"].astype(float)
    # random school intercepts, so that the composition coefficient is not confounded with the
    # school effects (it is identified between schools)
    fit = sm.MixedLM(y.to_numpy(), x.to_numpy(), groups=g9["school_id"].to_numpy()).fit(reml=True)
    k = x.shape[1]
    beta = np.asarray(fit.fe_params)
    expected = x.to_numpy() @ beta
    out = pd.DataFrame(
        {
            "student_id": g9["student_id"].astype(str).to_numpy(),
            "school_id": g9["school_id"].to_numpy(),
            "school_year": g9["school_year"].astype(int).to_numpy(),
            "merit_value": y.to_numpy(),
            "expected": expected,
            "residual": y.to_numpy() - expected,
        }
    )
    # each student's row of x and the fixed effects' covariance, for the comparative variance
    out.attrs["beta_cov"] = np.asarray(fit.cov_params())[:k, :k]
    out.attrs["x"] = x.to_numpy()
    return out


def pooled_school_effects(residuals: pd.DataFrame, level: float = 0.90) -> pd.DataFrame:
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
    tau2 = _dersimonian_laird(out["raw_effect"].to_numpy(), v.to_numpy())
    b = tau2 / (tau2 + v)
    z = norm.ppf(0.5 + level / 2)
    out["raw_se"] = np.sqrt(v)
    out["shrinkage"] = 1.0 - b
    out["effect"] = b * out["raw_effect"]
    post_var = b * v
    if "x" in r.attrs and "beta_cov" in r.attrs:
        # uncertainty of the estimated coefficients moves a school's mean residual by x_s'(b - beta)
        xbar = pd.DataFrame(r.attrs["x"], index=r.index).groupby(r["school_id"].to_numpy()).mean().loc[out.index]
        extra = np.einsum("ij,jk,ik->i", xbar.to_numpy(), r.attrs["beta_cov"], xbar.to_numpy())
        post_var = post_var + b**2 * extra
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
