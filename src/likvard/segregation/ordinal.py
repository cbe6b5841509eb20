"""Reardon's ordinal information index for ordered groups (e.g. parent education).

Reardon (2009), "Measures of ordinal segregation", Research on Economic Inequality 17: 129-155.
With columns in increasing order, c_k = cumulative share up to category k (k = 1..K-1),
f(c) = -[c log2 c + (1-c) log2(1-c)] and ordinal variation v = sum_k f(c_k) / (K - 1):

    Lambda = 1 - sum_i (t_i / T) v_i / v

0 when every school has the overall ordinal distribution, 1 when each school holds students of
a single category. ``kind="variation_ratio"`` uses f(c) = 4 c (1 - c) instead (Reardon's ordinal
variation ratio).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from likvard.segregation._table import count_array
from likvard.validation import CountTable, options_of, validate_params

OrdinalKind = Literal["information", "variation_ratio"]


def _f(c: np.ndarray, kind: str) -> np.ndarray:
    if kind == "information":
        with np.errstate(divide="ignore", invalid="ignore"):
            h = -(c * np.log2(c) + (1 - c) * np.log2(1 - c))
        return np.nan_to_num(h, nan=0.0)
    if kind == "variation_ratio":
        return 4.0 * c * (1.0 - c)
    raise ValueError(f"kind={kind!r}: expected 'information' or 'variation_ratio'")


def ordinal_variation(shares: np.ndarray, kind: str = "information") -> np.ndarray:
    """Ordinal variation v of each row of category shares (rows sum to 1)."""
    cum = np.cumsum(shares, axis=-1)[..., :-1]
    return _f(np.clip(cum, 0.0, 1.0), kind).mean(axis=-1)


@validate_params(counts=CountTable(), kind=options_of(OrdinalKind))
def ordinal_information(counts: pd.DataFrame, *, kind: OrdinalKind = "information") -> float:
    """Reardon's ordinal segregation index; columns of ``counts`` must be in increasing order."""
    arr = count_array(counts)
    if arr.shape[1] < 2:
        return float("nan")
    t = arr.sum(axis=1)
    T = t.sum()
    if T <= 0:
        return float("nan")
    v = ordinal_variation(arr.sum(axis=0) / T, kind)
    if v <= 0:
        return float("nan")
    keep = t > 0
    vi = ordinal_variation(arr[keep] / t[keep, None], kind)
    return float(1.0 - (t[keep] / T * vi).sum() / v)
