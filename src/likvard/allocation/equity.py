"""How strongly money (or teachers) follows need.

Concentration index (Kakwani, Wagstaff and van Doorslaer 1997; O'Donnell et al. 2008, *Analyzing
Health Equity Using Household Survey Data*, ch. 8), with students as the units of observation and
each student carrying the amount per student of their school:

    C = 2 * cov_w(h, R) / mean_w(h),

where R is the weighted fractional rank of students by need, least needy first
(R_i = (W_{<i} + w_i / 2) / W, students with equal need sharing the mean rank of their group).
C > 0: money is concentrated among the needier students; C = 0: equal per student regardless of
need. Compensation ratio: mean amount per student among the 20 % neediest students divided by that
among the 20 % least needy (quintile borders split a school's students where they fall).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.errors import ParameterError
from likvard.validation import Array, Frame, Integer, validate_params


def _aligned(**arrays: np.ndarray) -> None:
    """Raise unless the arrays have one value per unit each, and the students are >= 0."""
    names = list(arrays)
    n = len(arrays[names[0]])
    for name in names[1:]:
        if len(arrays[name]) != n:
            raise ParameterError(name, f"väntade {n} värden (ett per skola, som {names[0]}), fick {len(arrays[name])}.")
    if "n_students" in arrays and (arrays["n_students"] < 0).any():
        raise ParameterError("n_students", "antalet elever kan inte vara negativt.")
    if "n_students" in arrays and arrays["n_students"].sum() <= 0:
        raise ParameterError("n_students", "det finns inga elever.")


_ARR = Array(1, "f")
_ARR_NAN = Array(1, "f", allow_nan=True)


def _sorted_groups(need: np.ndarray, weight: np.ndarray):
    order = np.argsort(need, kind="stable")
    return order, need[order], weight[order]


@validate_params(need=_ARR, weight=_ARR)
def fractional_rank(need: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Weighted fractional rank in (0, 1) of each unit by need (ties share their mean rank)."""
    need = np.asarray(need, dtype=float)
    weight = np.asarray(weight, dtype=float)
    order, need_s, w_s = _sorted_groups(need, weight)
    total = w_s.sum()
    # tie groups
    starts = np.r_[0, np.flatnonzero(np.diff(need_s) != 0) + 1]
    group_w = np.add.reduceat(w_s, starts)
    before = np.r_[0.0, np.cumsum(group_w)[:-1]]
    group_rank = (before + group_w / 2.0) / total
    sizes = np.diff(np.r_[starts, len(need_s)])
    rank_sorted = np.repeat(group_rank, sizes)
    rank = np.empty_like(rank_sorted)
    rank[order] = rank_sorted
    return rank


@validate_params(amount_per_student=_ARR_NAN, need=_ARR_NAN, n_students=_ARR)
def concentration_index(amount_per_student: np.ndarray, need: np.ndarray, n_students: np.ndarray) -> float:
    """C = 2 cov_w(h, R) / mean_w(h) over students (units weighted by their number of students)."""
    _aligned(amount_per_student=amount_per_student, need=need, n_students=n_students)
    h = np.asarray(amount_per_student, dtype=float)
    w = np.asarray(n_students, dtype=float)
    keep = w > 0
    h, w, need = h[keep], w[keep], np.asarray(need, dtype=float)[keep]
    r = fractional_rank(need, w)
    mu = np.average(h, weights=w)
    cov = np.average((h - mu) * (r - np.average(r, weights=w)), weights=w)
    return float(2.0 * cov / mu) if mu != 0 else float("nan")


@validate_params(need=_ARR_NAN, n_students=_ARR, q=Integer(min=1))
def quintile_shares(need: np.ndarray, n_students: np.ndarray, q: int = 5) -> np.ndarray:
    """Matrix (n_units, q): how many students of each unit fall in each need quantile group.

    Students of a unit share its need; a quantile border splits a unit's students proportionally.
    Ties in need are kept together in rank order of the input (stable sort).
    """
    _aligned(need=need, n_students=n_students)
    w = n_students
    order = np.argsort(need, kind="stable")
    cum = np.cumsum(w[order])
    start = cum - w[order]
    total = cum[-1]
    borders = np.linspace(0.0, total, q + 1)
    out_sorted = np.zeros((len(w), q))
    for k in range(q):
        out_sorted[:, k] = np.clip(np.minimum(cum, borders[k + 1]) - np.maximum(start, borders[k]), 0.0, None)
    out = np.empty_like(out_sorted)
    out[order] = out_sorted
    return out


@validate_params(amount_per_student=_ARR_NAN, need=_ARR_NAN, n_students=_ARR)
def compensation_ratio(amount_per_student: np.ndarray, need: np.ndarray, n_students: np.ndarray) -> float:
    """Mean amount per student in the neediest fifth of students over that in the least needy fifth."""
    _aligned(amount_per_student=amount_per_student, need=need, n_students=n_students)
    shares = quintile_shares(need, n_students)
    h = amount_per_student
    top = (h * shares[:, -1]).sum() / shares[:, -1].sum()
    bottom = (h * shares[:, 0]).sum() / shares[:, 0].sum()
    return float(top / bottom)


@validate_params(values=_ARR_NAN, need=_ARR_NAN, n_students=_ARR, q=Integer(min=1))
def quintile_means(values: np.ndarray, need: np.ndarray, n_students: np.ndarray, q: int = 5) -> np.ndarray:
    """Student-weighted mean of ``values`` in each need quantile group (least needy first)."""
    shares = quintile_shares(need, n_students, q)
    v = np.asarray(values, dtype=float)
    ok = ~np.isnan(v)
    s = shares[ok]
    return (v[ok, None] * s).sum(axis=0) / s.sum(axis=0)


@validate_params(amount_total=_ARR, need=_ARR_NAN, n_students=_ARR)
def concentration_curve(amount_total: np.ndarray, need: np.ndarray, n_students: np.ndarray) -> pd.DataFrame:
    """Points of the concentration curve: cumulative share of students ranked from the neediest
    (``cum_students``) against the cumulative share of the amount they receive (``cum_amount``).

    Above the diagonal: the needier students receive more than their share.
    """
    _aligned(amount_total=amount_total, need=need, n_students=n_students)
    order = np.argsort(-need, kind="stable")
    w = np.asarray(n_students, dtype=float)[order]
    a = np.asarray(amount_total, dtype=float)[order]
    return pd.DataFrame(
        {
            "cum_students": np.r_[0.0, np.cumsum(w) / w.sum()],
            "cum_amount": np.r_[0.0, np.cumsum(a) / a.sum()],
        }
    )


@validate_params(allocation=Frame(("need_index", "need_units", "n_students", "per_student"),
                                  expected="en fördelning från allocate"))
def equity_summary(allocation: pd.DataFrame) -> dict[str, float]:
    """Concentration index and compensation ratio of an ``allocate`` result against its need index."""
    need = allocation["need_index"].to_numpy(dtype=float)
    if np.isnan(need).any():  # a weights-only model: need = need units per student
        with np.errstate(divide="ignore", invalid="ignore"):
            need = allocation["need_units"].to_numpy(dtype=float) / allocation["n_students"].to_numpy(dtype=float)
    return {
        "concentration_index": concentration_index(
            allocation["per_student"].to_numpy(dtype=float), need, allocation["n_students"].to_numpy(dtype=float)
        ),
        "compensation_ratio": compensation_ratio(
            allocation["per_student"].to_numpy(dtype=float), need, allocation["n_students"].to_numpy(dtype=float)
        ),
    }
