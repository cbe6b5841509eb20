"""Schools that succeed despite socioeconomic challenges (SKR and Skolverket's question).

A school is listed when its need is high — its mean need index over the years is at least
``min_need`` (default 110: ten per cent above the authority's mean) — and its pooled school effect
is reliably positive: the probability that it is above expectation is at least ``min_prob``
(default 0.95) over at least ``min_years`` years of grade-9 results. The figures behind each
listing are returned with it.
"""

from __future__ import annotations

import pandas as pd

from likvard.validation import Frame, Integer, Real, validate_params


@validate_params(
    effects=Frame(("school_id", "effect", "low", "high", "prob_above", "n_students", "n_years"),
                  expected="skoleffekter från pooled_school_effects"),
    need=Frame(("school_id", "need_index"), expected="behovsindex från need_index"),
    min_need=Real(0.0, None),
    min_prob=Real(0.0, 1.0),
    min_years=Integer(min=1),
)
def schools_succeeding(
    effects: pd.DataFrame,
    need: pd.DataFrame,
    *,
    min_need: float = 110.0,
    min_prob: float = 0.95,
    min_years: int = 2,
) -> pd.DataFrame:
    """``effects``: ``pooled_school_effects`` output; ``need``: ``need_index`` output (per school and
    year). Returns the listed schools with ``need_index`` (mean over years), ``effect, low, high,
    prob_above, n_students, n_years``, most reliable first."""
    mean_need = need.groupby("school_id")["need_index"].mean().rename("need_index")
    d = effects.join(mean_need, on="school_id")
    keep = (d["need_index"] >= min_need) & (d["prob_above"] >= min_prob) & (d["n_years"] >= min_years)
    cols = ["school_id", "need_index", "effect", "low", "high", "prob_above", "n_students", "n_years"]
    return d.loc[keep, cols].sort_values(["prob_above", "effect"], ascending=False).reset_index(drop=True)
