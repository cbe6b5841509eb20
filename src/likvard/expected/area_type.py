"""SCB's socioeconomic area type of a RegSO area (Delmos and SCB, "Områdestyper").

Socioeconomic index of an area: the mean of three shares in per cent,

    index = (share with economic assistance or long-term unemployed
             + share with at most compulsory (förgymnasial) education
             + share with low economic standard) / 3.

Area type by standard deviations of the index from the mean over all areas of the country
(m the mean, s the standard deviation):

    1  index > m + 2 s       stora socioekonomiska utmaningar
    2  m + s < index <= m + 2 s   socioekonomiska utmaningar
    3  m < index <= m + s    socioekonomiskt blandade
    4  m - s < index <= m    goda socioekonomiska förutsättningar
    5  index <= m - s        mycket goda socioekonomiska förutsättningar

m and s are national; they are not in the open files. Given every RegSO of the country they are
computed from the areas (``area_types`` without ``mean``/``sd``); for a single municipality,
``reference_from_types`` finds the range of (m, s) consistent with published types (a linear
feasibility problem), which also shows whether the published types follow this rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.errors import ParameterError
from likvard.validation import Array, Frame, Nullable, Real, validate_params

AREA_TYPE_LABELS = {
    1: "Stora socioekonomiska utmaningar",
    2: "Socioekonomiska utmaningar",
    3: "Socioekonomiskt blandade",
    4: "Goda socioekonomiska förutsättningar",
    5: "Mycket goda socioekonomiska förutsättningar",
}


def socioeconomic_index(share_assistance: np.ndarray, share_compulsory_education: np.ndarray,
                        share_low_economic_standard: np.ndarray) -> np.ndarray:
    """Mean of the three shares (fractions in, per cent out)."""
    return 100.0 * (np.asarray(share_assistance, float) + np.asarray(share_compulsory_education, float)
                    + np.asarray(share_low_economic_standard, float)) / 3.0


@validate_params(index=Array(1, "f", allow_nan=True), mean=Nullable(Real()), sd=Nullable(Real(0.0, None, min_open=True)))
def area_types(index: np.ndarray, *, mean: float | None = None, sd: float | None = None) -> np.ndarray:
    """Area type 1-5 (see the module docstring); ``mean``/``sd`` default to those of ``index``."""
    x = index
    if (mean is None or sd is None) and np.isfinite(x).sum() < 2:
        raise ParameterError("index", "minst två områden med index behövs för medelvärde och standardavvikelse.")
    m = float(np.nanmean(x)) if mean is None else float(mean)
    s = float(np.nanstd(x, ddof=1)) if sd is None else float(sd)
    if not s > 0:
        raise ParameterError("index", "alla områden har samma index; standardavvikelsen är 0.")
    z = (x - m) / s
    out = np.select([z > 2, z > 1, z > 0, z > -1], [1, 2, 3, 4], default=5).astype(float)
    out[np.isnan(x)] = np.nan
    return out


@validate_params(index=Array(1, "f", allow_nan=True), types=Array(1, "f", allow_nan=True), margin=Real(0.0, None))
def reference_from_types(index: np.ndarray, types: np.ndarray, *, margin: float = 0.0) -> dict:
    """The (mean, sd) range consistent with published ``types`` for ``index`` (rounded values may
    need ``margin``): ``{"mean": (lo, hi), "sd": (lo, hi), "feasible": bool}``. Each area gives
    linear inequalities in (m, s), e.g. type 3 means m < index <= m + s."""
    x, t = index, types
    if len(x) != len(t):
        raise ParameterError("types", f"väntade en områdestyp per index ({len(x)}), fick {len(t)}.")
    ok = ~(np.isnan(x) | np.isnan(t))
    x, t = x[ok], t[ok].astype(int)
    if not np.isin(t, [1, 2, 3, 4, 5]).all():
        raise ParameterError("types", "områdestyperna är 1 till 5.")
    a, b = [], []  # rows of A [m, s] <= b
    upper: dict[int, int | None] = {1: None, 2: 2, 3: 1, 4: 0, 5: -1}  # index <= m + k s
    lower: dict[int, int | None] = {1: 2, 2: 1, 3: 0, 4: -1, 5: None}  # index >= m + k s
    for xi, ti in zip(x, t):
        up, lo = upper[ti], lower[ti]
        if up is not None:  # -m - k s <= -xi
            a.append([-1.0, -up])
            b.append(-xi + margin)
        if lo is not None:  # m + k s <= xi
            a.append([1.0, lo])
            b.append(xi + margin)
    bounds = [(None, None), (1e-9, None)]
    out: dict = {"feasible": True}
    for k, name in enumerate(("mean", "sd")):
        lims = []
        for sign in (1.0, -1.0):
            c = np.zeros(2)
            c[k] = sign
            from scipy.optimize import linprog

            res = linprog(c, A_ub=np.array(a), b_ub=np.array(b), bounds=bounds, method="highs")
            if res.status != 0:
                return {"feasible": False, "mean": (np.nan, np.nan), "sd": (np.nan, np.nan)}
            lims.append(float(res.x[k]))
        out[name] = (lims[0], lims[1])
    return out


@validate_params(areas=Frame(("share_assistance", "share_compulsory_education", "share_low_economic_standard"),
                             expected="en områdestabell"))
def area_type_table(areas: pd.DataFrame, *, mean: float | None = None, sd: float | None = None) -> pd.DataFrame:
    """``areas`` with the three shares (``share_assistance, share_compulsory_education,
    share_low_economic_standard``) gets ``socioeconomic_index_calc`` and ``area_type_calc``."""
    idx = socioeconomic_index(areas["share_assistance"], areas["share_compulsory_education"],
                              areas["share_low_economic_standard"])
    return areas.assign(socioeconomic_index_calc=idx, area_type_calc=area_types(idx, mean=mean, sd=sd))
