"""Synthetic school panels for the evaluation tests (a two-factor model with school levels)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def factor_panel(n_schools: int = 20, n_years: int = 11, seed: int = 0, effect: float = 0.0,
                 treated: dict[int, int] | None = None, first_year: int = 2014, noise: float = 5.0,
                 n_students: int = 80) -> pd.DataFrame:
    """Long panel ``school_id, school_year, value, n_students``; ``treated`` maps school index to
    the index of its first treated year, where ``effect`` is added from then on."""
    rng = np.random.default_rng(seed)
    level = rng.normal(230, 20, n_schools)
    load = rng.normal(1, 0.3, (n_schools, 2))
    factors = np.cumsum(rng.normal(0, 2, (2, n_years)), axis=1)
    y = level[:, None] + load @ factors + rng.normal(0, noise, (n_schools, n_years))
    for i, s in (treated or {}).items():
        y[i, s:] += effect
    years = np.arange(first_year, first_year + n_years)
    return pd.DataFrame({
        "school_id": np.repeat([f"S{i:02d}" for i in range(n_schools)], n_years),
        "school_year": np.tile(years, n_schools),
        "value": y.ravel(),
        "n_students": n_students,
    })


def wide(df: pd.DataFrame) -> pd.DataFrame:
    return df.pivot(index="school_id", columns="school_year", values="value")
