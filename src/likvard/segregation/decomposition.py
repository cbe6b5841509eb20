"""Between/within decomposition of M and H by a grouping of schools (Theil 1971; Elbers 2023).

With schools grouped into parts s (municipality, organiser type, area type ...), p_s = T_s / T,
M_B the M index of the part-by-group table (schools of a part merged) and M_s the M index
among the schools of part s alone:

    M = M_B + sum_s p_s M_s                      (exact)
    H = M / E = M_B / E + sum_s (p_s E_s / E) H_s,  E_s the group entropy in part s.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from likvard.defaults import LOG_BASE
from likvard.errors import ParameterError
from likvard.segregation._table import count_array
from likvard.validation import (
    CountTable,
    LogBase,
    SeriesOrArray,
    check_length,
    validate_params,
)


def _m_and_e(arr: np.ndarray) -> tuple[float, float]:
    """(M, E) in nats of a float array; (0, 0) for tables without students."""
    T = arr.sum()
    if T <= 0:
        return 0.0, 0.0
    t = arr.sum(axis=1)
    P = arr.sum(axis=0) / T
    with np.errstate(divide="ignore", invalid="ignore"):
        m_terms = np.where(
            arr > 0, arr / T * np.log(arr / (t[:, None] * P[None, :])), 0.0
        )
        e = -np.where(P > 0, P * np.log(P), 0.0).sum()
    return float(m_terms.sum()), float(e)


@validate_params(counts=CountTable(), by=SeriesOrArray(), log_base=LogBase())
def decompose(counts: pd.DataFrame, by: pd.Series, *, log_base: float = LOG_BASE) -> dict:
    """Decompose M and H into a between-part and a within-part component.

    ``by`` gives each school's part (aligned on the index of ``counts``; schools with a missing
    part raise an error). Returns ``total, between, within`` (M), ``h_total, h_between, h_within``,
    ``entropy`` and ``parts``: a DataFrame per part with ``part, n_students, weight`` (p_s),
    ``m_within`` (M_s), ``entropy``, ``h_within`` (H_s), ``h_weight`` (p_s E_s / E) and
    ``contribution`` (p_s M_s, its term in the within component).
    """
    arr = count_array(counts)
    if isinstance(by, pd.Series):
        if not by.index.is_unique:
            raise ParameterError("by", "skolenheterna i indexet måste vara unika.")
        parts = by.reindex(counts.index)
    else:
        check_length("by", by, len(counts), "en del per skolenhet i counts")
        parts = pd.Series(list(by), index=counts.index)
    if parts.isna().any():
        school = parts.index[parts.isna().to_numpy()][0]
        raise ParameterError("by", f"skolenheten {school!r} saknar del (saknat värde); varje skola behöver en.")
    codes, labels = pd.factorize(parts, sort=True)
    scale = 1.0 / math.log(log_base)
    T = arr.sum()
    M, E = _m_and_e(arr)
    between = np.zeros((len(labels), arr.shape[1]))
    np.add.at(between, codes, arr)
    M_B, _ = _m_and_e(between)
    rows = []
    within = 0.0
    h_within = 0.0
    for s, label in enumerate(labels):
        sub = arr[codes == s]
        Ms, Es = _m_and_e(sub)
        ps = sub.sum() / T if T > 0 else np.nan
        Hs = Ms / Es if Es > 0 else np.nan
        hw = ps * Es / E if E > 0 else np.nan
        within += ps * Ms
        h_within += hw * Hs if Es > 0 else 0.0
        rows.append(
            {
                "part": label,
                "n_students": float(sub.sum()),
                "weight": ps,
                "m_within": Ms * scale,
                "entropy": Es * scale,
                "h_within": Hs,
                "h_weight": hw,
                "contribution": ps * Ms * scale,
            }
        )

    def h(x: float) -> float:
        return x / E if E > 0 else float("nan")

    return {
        "total": M * scale,
        "between": M_B * scale,
        "within": within * scale,
        "h_total": h(M),
        "h_between": h(M_B),
        "h_within": h_within if E > 0 else float("nan"),
        "entropy": E * scale,
        "parts": pd.DataFrame(rows),
    }
