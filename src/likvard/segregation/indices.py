"""Segregation indices of a count table (rows = school units, columns = groups).

Notation: t_ik students of group k in school i, t_i school size, T all students,
p_ik = t_ik / t_i, P_k = T_k / T, I = sum_k P_k (1 - P_k) (interaction/Simpson index),
E = -sum_k P_k ln P_k (group entropy), K the number of non-empty groups.

* dissimilarity D = sum_i sum_k t_i |p_ik - P_k| / (2 T I)              (Sakoda 1981; PySAL MultiDissim)
* gini G = sum_k sum_i sum_j t_i t_j |p_ik - p_jk| / (2 T^2 I)          (Reardon & Firebaugh 2002; PySAL
  MultiGini), computed by sorting: O(n log n) per group instead of PySAL's O(n^2) distance matrix
* mutual information M = sum_i sum_k (t_ik / T) ln(p_ik / P_k)          (Theil & Finizza 1971; Elbers 2023;
  PySAL MultiDivergence); ``log_base=2`` gives bits
* Theil's H = M / E                                                    (Theil 1972; PySAL MultiInfoTheory)
* normalized exposure = sum_k sum_i t_i (p_ik - P_k)^2 / (T (1 - P_k))  (James 1986; PySAL MultiNormExposure)
* relative diversity = sum_k sum_i t_i (p_ik - P_k)^2 / (T I)          (Reardon 1998; PySAL MultiRelativeDiversity)
* squared coefficient of variation
  = sum_k sum_i t_i (p_ik - P_k)^2 / (T (K - 1) P_k)                   (Reardon & Firebaugh 2002; PySAL MultiSquaredCoefVar)
* exposure[g][h] = sum_i (t_ig / T_g) p_ih, the share of group h in the school of an average member
  of g (Bell 1954; isolation when g = h; PySAL Isolation/Interaction for two groups)

Two groups (first column = focal group x, second y, P = X / T):

* atkinson A_b = 1 - P/(1-P) |sum_i (1-p_i)^(1-b) p_i^b t_i / (P T)|^(1/(1-b))   (Atkinson 1970;
  PySAL Atkinson), 0 <= b < 1, default 0.5
* hutchens (square root index) = 1 - sum_i sqrt((x_i / X)(y_i / Y))     (Hutchens 2004)
* correlation_ratio V = (sum_i (x_i / X) p_i - P) / (1 - P)            (Bell 1954; PySAL CorrelationR)

Schools without students and groups without students are left out. With fewer than two
non-empty groups (or no students) every index is undefined and returned as NaN.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from likvard.defaults import LOG_BASE
from likvard.segregation._kernels import N_MULTI, SCALAR_NAMES, scalar_indices
from likvard.segregation._table import count_array
from likvard.validation import CountTable, LogBase, Real, validate_params

__all__ = ["SCALAR_NAMES", "exposure_matrix", "indices", "scalar_vector"]


ATKINSON_B = Real(0.0, 1.0, max_open=True)


def _check_b(b: float) -> float:
    return ATKINSON_B(b, "atkinson_b")


def scalar_vector(arr: np.ndarray, atkinson_b: float = 0.5) -> np.ndarray:
    """All scalar indices of a float64 array, in the order of ``SCALAR_NAMES`` (M in nats)."""
    return scalar_indices(np.ascontiguousarray(arr, dtype=np.float64), _check_b(atkinson_b))


def exposure_matrix(arr: np.ndarray) -> np.ndarray:
    """exposure[g, h] = sum_i (t_ig / T_g) (t_ih / t_i); NaN rows for empty groups."""
    t = arr.sum(axis=1)
    G = arr.sum(axis=0)
    share = np.divide(arr, t[:, None], out=np.zeros_like(arr), where=t[:, None] > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        weights = arr / G[None, :]
    return weights.T @ share


@validate_params(counts=CountTable(), atkinson_b=ATKINSON_B, log_base=LogBase())
def indices(counts: pd.DataFrame, *, atkinson_b: float = 0.5, log_base: float = LOG_BASE) -> dict:
    """All segregation indices of a count table (see the module docstring for definitions).

    ``counts``: rows = school units, columns = groups, non-negative counts. Returns a dict with
    ``dissimilarity, gini, mutual_information, theil_h, normalized_exposure, relative_diversity,
    squared_coefficient_of_variation, entropy`` (floats), ``exposure`` (group -> group -> float),
    ``n_students, n_schools`` and, with exactly two columns (the first is the focal group),
    ``atkinson, hutchens, correlation_ratio``. ``log_base`` sets the unit of M and E (e, or 2 for bits).
    """
    arr = count_array(counts)
    values = scalar_vector(arr, atkinson_b)
    names = SCALAR_NAMES if arr.shape[1] == 2 else SCALAR_NAMES[:N_MULTI]
    out: dict = {name: float(values[i]) for i, name in enumerate(names)}
    scale = 1.0 / math.log(log_base)
    out["mutual_information"] *= scale
    G = arr.sum(axis=0)
    P = G[G > 0] / G.sum() if G.sum() > 0 else np.array([])
    out["entropy"] = float(-(P * np.log(P)).sum() * scale) if P.size else float("nan")
    ex = exposure_matrix(arr)
    cols = [str(c) for c in counts.columns]
    out["exposure"] = {
        g: {h: float(ex[a, b]) for b, h in enumerate(cols)} for a, g in enumerate(cols)
    }
    out["n_students"] = float(arr.sum())
    out["n_schools"] = int((arr.sum(axis=1) > 0).sum())
    return out
