"""Local segregation scores (Elbers 2023; Theil 1971): how far each school's mix is from the total.

L_i = sum_k p_k|i ln(p_k|i / P_k), the Kullback-Leibler divergence of school i's group shares
from the overall shares. M = sum_i (t_i / T) L_i, so the school-size-weighted mean of the local
scores is the mutual information index, and (t_i / T) L_i / M is school i's share of M.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from likvard.defaults import LOG_BASE
from likvard.segregation._table import count_array
from likvard.validation import CountTable, LogBase, validate_params


def local_array(arr: np.ndarray) -> np.ndarray:
    """Local scores (nats) of each row of a float array; NaN for rows without students."""
    t = arr.sum(axis=1)
    T = t.sum()
    G = arr.sum(axis=0)
    P = G / T if T > 0 else np.full(arr.shape[1], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = arr / t[:, None]
        terms = np.where(arr > 0, share * np.log(share / P[None, :]), 0.0)
    out = terms.sum(axis=1)
    out[t <= 0] = np.nan
    return out


@validate_params(counts=CountTable(), log_base=LogBase())
def local_scores(counts: pd.DataFrame, *, log_base: float = LOG_BASE) -> pd.Series:
    """Elbers' local segregation score of each school (index as ``counts``); NaN for empty schools."""
    arr = count_array(counts)
    return pd.Series(
        local_array(arr) / math.log(log_base), index=counts.index, name="local_score"
    )


@validate_params(counts=CountTable(), log_base=LogBase())
def contributions(counts: pd.DataFrame, *, log_base: float = LOG_BASE) -> pd.DataFrame:
    """Each school's contribution to M, ranked (largest first).

    Columns: ``school_id`` (the index of ``counts``), ``n_students``, ``weight`` (t_i / T),
    ``local_score`` (L_i), ``contribution`` ((t_i / T) L_i), ``share_of_m`` (contribution / M),
    ``rank`` (1 = largest contribution); L_i and the contribution in the unit of ``log_base``.
    Empty schools are left out.
    """
    arr = count_array(counts)
    t = arr.sum(axis=1)
    keep = t > 0
    L = local_array(arr)[keep] / math.log(log_base)
    w = t[keep] / t.sum()
    contrib = w * L
    M = contrib.sum()
    out = pd.DataFrame(
        {
            "school_id": counts.index[keep],
            "n_students": t[keep],
            "weight": w,
            "local_score": L,
            "contribution": contrib,
            "share_of_m": contrib / M if M > 0 else np.nan,
        }
    )
    out = out.sort_values(
        "contribution", ascending=False, kind="mergesort"
    ).reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out
