"""Two-group indices from Skolverket's published per-school shares, with suppressed cells handled.

Input: the composition table of ``likvard.sources.skolverket.read_composition_series`` (one row
per school unit and year: ``school_year, municipality_code, students_total`` (grades 1-9), a
share column such as ``share_foreign_background`` (0-1) and its status ``<share>_status``).
Each unit's implied count is share * students_total (whole-percent shares up to 2021/22 make
this approximate). The focal group is the students with the characteristic, the other group the rest.

Cells that are not a value give a range of possible shares (``possible_share_range``):

* ``suppressed`` (``..``): fewer than ``max_suppressed_count + 1`` students with the characteristic,
  i.e. a count in [0, min(9, t)]. (Skolverket suppresses counts below 10; the smallest implied
  count shown in the files 2009/10-2025/26 is about 9.)
* ``near_total`` (``...``): fewer than 10 students without it: share in [(t - 9) / t, 1].
* ``approx_100`` (``~100``): 1-4 students lack it: share in [(t - 4) / t, (t - 1) / t].
* ``missing`` (``.``) and anything else: the unit is left out (counted in ``n_units_missing``).

For each year and part (municipality or the whole country) the result gives

* ``<index>_excluded``: the index over units with a value only (Skolverket-style "suppressed units
  left out"),
* ``<index>``: the estimate with each uncertain unit at the middle of its range,
* ``<index>_low`` / ``<index>_high``: the smallest and largest value the index takes over the
  possible values of the uncertain cells,

for ``dissimilarity`` (two-group D) and ``theil_h`` (two-group H = M / E), plus the number of units
and students that rest on uncertain cells. The bounds are found by a fixed-point search: for the
current overall share P, each uncertain unit takes the value in its range that is farthest from
(for the maximum) or closest to (for the minimum) P, until nothing changes. The minimum is exact
(both indices are quasi-convex in the shares, so the local minimum is global); the maximum is a
vertex of the box that no single-unit change improves, verified in the tests against exhaustive
search on small tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.errors import ParameterError
from likvard.validation import Frame, InstanceOf, Integer, Nullable, validate_params

INDEX_NAMES = ("dissimilarity", "theil_h")
UNCERTAIN = ("suppressed", "near_total", "approx_100")


@validate_params(max_suppressed_count=Integer(min=0))
def possible_share_range(
    share: np.ndarray,
    status: np.ndarray,
    total: np.ndarray,
    max_suppressed_count: int = 9,
) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) possible share of each unit; NaN for units left out."""
    t = np.asarray(total, dtype=float)
    s = np.asarray(share, dtype=float)
    st = np.asarray(status, dtype=object)
    if not (t.shape == s.shape == st.shape) or t.ndim != 1:
        raise ParameterError("share", f"share, status och total måste ha lika många värden ({s.shape}, "
                             f"{st.shape}, {t.shape}).")
    low = np.full(t.shape, np.nan)
    high = np.full(t.shape, np.nan)
    ok = (t > 0) & np.isfinite(t)
    is_value = ok & (st == "value") & np.isfinite(s)
    low[is_value] = high[is_value] = s[is_value]
    sup = ok & (st == "suppressed")
    low[sup] = 0.0
    high[sup] = np.minimum(max_suppressed_count, t[sup]) / t[sup]
    near = ok & (st == "near_total")
    low[near] = np.maximum(t[near] - max_suppressed_count, 0.0) / t[near]
    high[near] = 1.0
    approx = ok & (st == "approx_100")
    low[approx] = np.maximum(t[approx] - 4.0, 0.0) / t[approx]
    high[approx] = np.maximum(t[approx] - 1.0, 0.0) / t[approx]
    return low, high


def _group_sum(codes: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(codes, weights=values, minlength=n)


def _index_values(
    codes: np.ndarray, n: int, t: np.ndarray, p: np.ndarray
) -> dict[str, np.ndarray]:
    """Two-group D and H per part from unit sizes t and focal shares p (vectorised over parts)."""
    T = _group_sum(codes, t, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        P = _group_sum(codes, t * p, n) / T
        Pu = P[codes]
        D = _group_sum(codes, t * np.abs(p - Pu), n) / (2.0 * T * P * (1.0 - P))
        kl = _xlogy(p, p / Pu) + _xlogy(1.0 - p, (1.0 - p) / (1.0 - Pu))
        M = _group_sum(codes, t * kl, n) / T
        E = -(_xlogy(P, P) + _xlogy(1.0 - P, 1.0 - P))
        H = M / E
    undefined = ~((P > 0) & (P < 1))
    D[undefined] = np.nan
    H[undefined] = np.nan
    return {"dissimilarity": D, "theil_h": H}


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, x * np.log(np.where(x > 0, y, 1.0)), 0.0)


def _unit_term(name: str, p: np.ndarray, P: np.ndarray) -> np.ndarray:
    if name == "dissimilarity":
        return np.abs(p - P)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _xlogy(p, p / P) + _xlogy(1.0 - p, (1.0 - p) / (1.0 - P))


def _extreme(
    name: str, codes, n, t, low, high, maximise: bool, max_iter: int = 200
) -> np.ndarray:
    """Fixed-point search for the min or max of an index over shares in [low, high]."""
    p = (low + high) / 2.0
    best = _index_values(codes, n, t, p)[name]
    free = high > low
    if not free.any():
        return best
    for _ in range(max_iter):
        T = _group_sum(codes, t, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            Pu = (_group_sum(codes, t * p, n) / T)[codes]
        if maximise:
            at_low = _unit_term(name, low, Pu)
            at_high = _unit_term(name, high, Pu)
            new = np.where(at_high > at_low, high, low)
        else:
            new = np.clip(Pu, low, high)
        new = np.where(free, new, p)
        values = _index_values(codes, n, t, new)[name]
        improved = values > best + 1e-15 if maximise else values < best - 1e-15
        # accept the new shares only in parts where the index improved
        take = improved[codes] & free
        if not take.any():
            break
        p = np.where(take, new, p)
        best = np.where(improved, values, best)
    return best


@validate_params(
    composition=Frame(("school_year", "students_total"), expected="en tabell från read_composition_series"),
    share=InstanceOf(str, "ett kolumnnamn"),
    by=Nullable(InstanceOf(str, "ett kolumnnamn")),
    max_suppressed_count=Integer(min=0),
)
def published_indices(
    composition: pd.DataFrame,
    *,
    share: str = "share_foreign_background",
    by: str | None = "municipality_code",
    max_suppressed_count: int = 9,
) -> pd.DataFrame:
    """Indices per year and part (``by`` column, or the whole country when ``by`` is None).

    Returns one row per ``school_year`` (and part) with ``n_units, n_students``,
    ``n_units_uncertain, n_students_uncertain`` (units whose share is suppressed or approximate),
    ``n_units_missing`` and, for each index in ``INDEX_NAMES``, the columns ``<index>``,
    ``<index>_low``, ``<index>_high`` and ``<index>_excluded`` (see the module docstring).
    """
    status_col = f"{share}_status"
    needed = ["school_year", "students_total", share, status_col] + ([by] if by else [])
    missing = [c for c in needed if c not in composition.columns]
    if missing:
        raise ParameterError(
            "composition",
            f"kolumnerna {', '.join(repr(c) for c in missing)} saknas; väntade tabellen från "
            "likvard.sources.skolverket.read_composition_series.",
        )
    keys = ["school_year"] + ([by] if by else [])
    key_frame = composition[keys]
    codes, uniques = pd.MultiIndex.from_frame(key_frame).factorize()
    n = len(uniques)
    t = pd.to_numeric(composition["students_total"], errors="coerce").to_numpy(
        dtype=float
    )
    s = pd.to_numeric(composition[share], errors="coerce").to_numpy(dtype=float)
    status = composition[status_col].astype(object).to_numpy()
    low, high = possible_share_range(s, status, t, max_suppressed_count)
    included = np.isfinite(low)
    known = included & (low == high) & (status == "value")
    out = pd.DataFrame(list(uniques), columns=keys)
    all_codes = codes
    out["n_units"] = np.bincount(all_codes[included], minlength=n)
    out["n_students"] = _group_sum(all_codes[included], t[included], n)
    uncertain = included & ~known
    out["n_units_uncertain"] = np.bincount(all_codes[uncertain], minlength=n)
    out["n_students_uncertain"] = _group_sum(all_codes[uncertain], t[uncertain], n)
    out["n_units_missing"] = np.bincount(all_codes[~included], minlength=n)
    c_in, t_in, lo, hi = all_codes[included], t[included], low[included], high[included]
    estimate = _index_values(c_in, n, t_in, (lo + hi) / 2.0)
    excluded = _index_values(all_codes[known], n, t[known], s[known])
    for name in INDEX_NAMES:
        out[name] = estimate[name]
        out[f"{name}_low"] = _extreme(name, c_in, n, t_in, lo, hi, maximise=False)
        out[f"{name}_high"] = _extreme(name, c_in, n, t_in, lo, hi, maximise=True)
        out[f"{name}_excluded"] = excluded[name]
    return out.sort_values(keys, kind="mergesort").reset_index(drop=True)
