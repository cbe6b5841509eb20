"""Grade-9 merit values and eligibility in Exempelstad.

Merit (latent, before clipping to 0-340):
    m_i = intercept + own-background terms(i) + composition_effect * share_ps(s, t)
          + school_effect(s) + intervention(s, t) + e_i,
    e_i = N(0, noise_normal_sd) - (Exp(noise_exponential_scale) - noise_exponential_scale),
a left-skewed noise with mean 0 and SD ``noise_sd`` (a long tail of low merit values and few at
the 340 ceiling, as in the real distribution)
where share_ps(s, t) is the school's share of students with post-secondary-educated parents
in year t (all its grades). Eligibility for a national upper-secondary programme:
    P(eligible) = logistic(a + b * (m_i - 200)),
so eligibility follows the same background, composition and school effects. The school effect
is constant over years (mean zero over schools with grade 9); each school year adds a cohort
shock N(0, ``cohort_shock_sd``) shared by that year's grade-9 students (teachers, class climate:
the year-to-year variation that real school results show beyond student sampling noise).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

MERIT_MODEL: dict[str, Any] = {
    "intercept": 215.0,
    "parent_education": {"compulsory": -42.0, "upper_secondary": -18.0, "post_secondary": 12.0, "unknown": -55.0},
    "migration_background": {"swedish": 0.0, "born_in_sweden_foreign_parents": -6.0, "foreign_born": -12.0},
    "newly_arrived": -55.0,
    "sex": {"F": 10.0, "M": -10.0},
    "composition_effect": 40.0,
    "noise_sd": 56.0,
    "noise_normal_sd": 40.0,
    "noise_exponential_scale": 39.0,
    "school_effect_sd": 10.0,
    "cohort_shock_sd": 4.0,
}
"""Coefficients in merit points; ``composition_effect`` per unit share (0-1) of post-secondary parents."""

ELIGIBILITY_MODEL = {"intercept": 2.6, "slope_per_merit_point": 0.045, "centre": 200.0}
"""P(eligible) = logistic(intercept + slope * (latent merit - centre))."""


def school_effects(rng: np.random.Generator, n_schools: int, has_grade9: np.ndarray) -> np.ndarray:
    """Hidden school effects (merit points), centred to mean 0 over schools with grade 9."""
    e = rng.normal(0.0, MERIT_MODEL["school_effect_sd"], n_schools)
    if has_grade9.any():
        e = e - e[has_grade9].mean()
    return e


def cohort_shocks(rng: np.random.Generator, n_schools: int, years: list[int]) -> np.ndarray:
    """Cohort shocks (merit points), one per school and school year (schools x years)."""
    return rng.normal(0.0, MERIT_MODEL["cohort_shock_sd"], (n_schools, len(years)))


def merit_latent(rng: np.random.Generator, parent_education: np.ndarray, migration_background: np.ndarray,
                 newly_arrived: np.ndarray, sex: np.ndarray, share_ps: np.ndarray, effect: np.ndarray,
                 intervention: np.ndarray) -> np.ndarray:
    """Latent merit value per student (unclipped)."""
    m = MERIT_MODEL
    pe = pd.Series(parent_education).map(m["parent_education"]).to_numpy(float)
    mb = pd.Series(migration_background).map(m["migration_background"]).to_numpy(float)
    sx = np.where(sex == "F", m["sex"]["F"], m["sex"]["M"])
    return (m["intercept"] + pe + mb + m["newly_arrived"] * newly_arrived + sx + m["composition_effect"] * share_ps
            + effect + intervention + noise(rng, len(share_ps)))


def noise(rng: np.random.Generator, n: int) -> np.ndarray:
    """Left-skewed student noise with mean 0 (see the module docstring)."""
    m = MERIT_MODEL
    scale = m["noise_exponential_scale"]
    return rng.normal(0.0, m["noise_normal_sd"], n) - (rng.exponential(scale, n) - scale)


def merit_and_eligibility(rng: np.random.Generator, latent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Observed merit value (clipped to 0-340, rounded to 0.5 as grades give) and eligibility."""
    e = ELIGIBILITY_MODEL
    p = 1.0 / (1.0 + np.exp(-(e["intercept"] + e["slope_per_merit_point"] * (latent - e["centre"]))))
    eligible = rng.random(len(latent)) < p
    merit = np.clip(np.round(latent * 2) / 2, 0.0, 340.0)
    return merit, eligible
