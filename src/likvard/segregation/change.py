"""Decomposition of the change in segregation between two count tables (Elbers 2023, "A method for
studying differences in segregation across time and space", Sociological Methods & Research
52(1): 5-42), as his R package ``segregation`` computes it (``mutual_difference``, method
``"shapley"``; version 1.1.0.9000).

Table A is ``before``, table B ``after`` (rows = school units, columns = groups).

1. Common part (his ``create_common_data``): the groups with students in both tables; the units
   with students of those groups in both tables; then the groups with students in those units in
   both tables (repeated until nothing changes; his code stops after these three steps, which
   differs only when a unit is left without students in one table, where his M is undefined).
   Units and groups outside it give

       additions = M(B) - M(B, common part),   removals = M(A, common part) - M(A).

2. Zero cells of the common part are replaced by a small positive number f (1e-10, or a thousandth
   of the smallest positive count when that is smaller), so that iterative proportional fitting
   (IPF, Deming and Stephan 1940) can always meet the margins. M_gus is M of the table whose
   association structure (odds ratios) is that of table s, raked by IPF to the group margin of
   table g and the unit margin of table u (each of g, u, s is A or B); M_AAA and M_BBB are taken
   on the unfilled counts.

3. ``method="elbers"`` (the default, his weights): the change among the common units is split
   first into marginal and structural change with the two-factor Shapley value, then the marginal
   part into group and unit margins, again with the two-factor Shapley value within each structure:

       structural     = 1/2 (M_AAB - M_AAA) + 1/2 (M_BBB - M_BBA)
       group_marginal = 1/4 [(M_BAA - M_AAA) + (M_BBA - M_ABA) + (M_BBB - M_ABB) + (M_BAB - M_AAB)]
       unit_marginal  = 1/4 [(M_ABA - M_AAA) + (M_BBA - M_BAA) + (M_BBB - M_BAB) + (M_ABB - M_AAB)]

   ``method="symmetric_shapley"``: the Shapley value of the three factors (group margin, unit
   margin, structure) over the six orders of switching them from A to B. Both add up exactly to
   M(B, common part) - M(A, common part).

4. Theil's H = M / E (E the group entropy, which depends on the group margin only) is decomposed
   the same way, with H in place of M for each of the eight tables (``h_*`` keys). The R package
   decomposes M only; the H decomposition applies his weights to H.

IPF runs until the unit and group shares of the raked table differ from their targets by at most
``precision`` (his convergence criterion; his default is 0.001, ours 1e-14, so the parts agree with
his ``mutual_difference(..., precision = 1e-13)`` to about 1e-12). His IPF starts with a randomly
chosen margin; the converged table does not depend on it. Where the zero cells make IPF converge
slowly, up to ``max_iterations`` rounds are run; a table that has not reached ``precision`` by
then but is within his default 0.001 is used (``ipf_deviation`` says how close it came). No random
numbers are used here.
"""

from __future__ import annotations

import itertools
import math
from typing import Literal

import numpy as np
import pandas as pd
from numba import njit

from likvard.defaults import LEVEL, LOG_BASE, N_REPLICATIONS, SEED
from likvard.errors import DataError, ParameterError
from likvard.segregation._table import count_array
from likvard.segregation.decomposition import _m_and_e
from likvard.validation import (
    Array,
    CountTable,
    Integer,
    Level,
    LogBase,
    Real,
    Replications,
    Seed,
    options_of,
    validate_params,
)

ChangeMethod = Literal["elbers", "symmetric_shapley"]
FILL = 1e-10  # Elbers' fill value for zero cells of the common part
_LOOSE = 1e-3  # his default IPF precision: a result at least this precise is returned, never refused


@validate_params(
    seed=Array(2, "f"),
    row_totals=Array(1, "f"),
    col_totals=Array(1, "f"),
    precision=Real(0.0, None, min_open=True),
    max_iterations=Integer(min=1),
)
def ipf(
    seed: np.ndarray,
    row_totals: np.ndarray,
    col_totals: np.ndarray,
    *,
    precision: float = 1e-14,
    max_iterations: int = 1_000_000,
) -> np.ndarray:
    """Rake ``seed`` by IPF to the row and column shares of ``row_totals`` and ``col_totals``.

    The result keeps the odds ratios of ``seed`` and sums to ``seed.sum()``. It is returned when
    every row and column share is within ``precision`` of its target, or, after
    ``max_iterations``, within 0.001 (the default precision of Elbers' R package); otherwise
    ``DataError``. Cells that are zero in ``seed`` stay zero.
    """
    table, _ = _ipf(seed, row_totals, col_totals, precision, max_iterations)
    return table


def _ipf(
    seed: np.ndarray, row_totals: np.ndarray, col_totals: np.ndarray, precision: float, max_iterations: int
) -> tuple[np.ndarray, float]:
    if seed.shape != (len(row_totals), len(col_totals)):
        raise ParameterError(
            "seed", f"tabellen har formen {seed.shape}, men marginalerna har {len(row_totals)} rader "
            f"och {len(col_totals)} kolumner."
        )
    for name, arr in (("seed", seed), ("row_totals", row_totals), ("col_totals", col_totals)):
        if (arr < 0).any() or arr.sum() <= 0:
            raise ParameterError(name, "väntade icke-negativa tal med en positiv summa.")
    total = float(seed.sum())
    p = np.ascontiguousarray(seed / total)
    dev = _ipf_kernel(p, row_totals / row_totals.sum(), col_totals / col_totals.sum(), precision, max_iterations)
    if dev <= precision:
        return p * total, dev
    if dev <= _LOOSE:
        return p * total, dev
    raise DataError(
        f"Tabellen kan inte anpassas till de givna marginalerna med iterativ proportionell anpassning "
        f"(största avvikelse {dev:.1e} efter {max_iterations} varv): celler som är noll i tabellen "
        "hindrar att marginalerna nås."
    )


@njit(cache=True)
def _ipf_kernel(p, row_t, col_t, precision, max_iterations):  # pragma: no cover - compiled
    """Rake the shares ``p`` (in place) to the row and column shares; returns the largest
    deviation of a margin share from its target at the end."""
    n, k = p.shape
    r = np.empty(n)
    c = np.empty(k)
    dev = np.inf
    for _ in range(max_iterations):
        for i in range(n):
            r[i] = 0.0
            for j in range(k):
                r[i] += p[i, j]
        for i in range(n):
            f = row_t[i] / r[i] if r[i] > 0.0 else 0.0
            for j in range(k):
                p[i, j] *= f
        for j in range(k):
            c[j] = 0.0
        for i in range(n):
            for j in range(k):
                c[j] += p[i, j]
        for j in range(k):
            c[j] = col_t[j] / c[j] if c[j] > 0.0 else 0.0
        total = 0.0
        for i in range(n):
            for j in range(k):
                p[i, j] *= c[j]
                total += p[i, j]
        dev = 0.0
        for j in range(k):
            cj = 0.0
            for i in range(n):
                p[i, j] /= total
                cj += p[i, j]
            dev = max(dev, abs(cj - col_t[j]))
        for i in range(n):
            ri = 0.0
            for j in range(k):
                ri += p[i, j]
            dev = max(dev, abs(ri - row_t[i]))
        if dev <= precision:
            break
    return dev


def _common_part(a1: np.ndarray, a2: np.ndarray, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row positions (into ``units``) and group columns of the common part (Elbers'
    ``create_common_data``). ``units`` is (n, 2): each school's row in table 1 and in table 2."""
    r1, r2 = a1[units[:, 0]] > 0, a2[units[:, 1]] > 0
    groups = r1.any(axis=0) & r2.any(axis=0)
    keep = np.ones(len(units), dtype=bool)
    while True:
        new_keep = keep & r1[:, groups].any(axis=1) & r2[:, groups].any(axis=1)
        new_groups = groups & r1[new_keep].any(axis=0) & r2[new_keep].any(axis=0)
        if (new_keep == keep).all() and (new_groups == groups).all():
            return np.flatnonzero(keep), np.flatnonzero(groups)
        keep, groups = new_keep, new_groups


def _h(arr: np.ndarray) -> float:
    m, e = _m_and_e(arr)
    return m / e if e > 0 else 0.0


_PARTS = ("group_marginal", "unit_marginal", "structural")


def _weights(method: str) -> dict[str, dict[str, float]]:
    """Coefficient of each table's value (key "gus") in each part."""
    if method == "elbers":
        return {
            "structural": {"AAB": 0.5, "AAA": -0.5, "BBB": 0.5, "BBA": -0.5},
            "group_marginal": {"BAA": 0.25, "AAA": -0.25, "BBA": 0.25, "ABA": -0.25,
                               "BBB": 0.25, "ABB": -0.25, "BAB": 0.25, "AAB": -0.25},
            "unit_marginal": {"ABA": 0.25, "AAA": -0.25, "BBA": 0.25, "BAA": -0.25,
                              "BBB": 0.25, "BAB": -0.25, "ABB": 0.25, "AAB": -0.25},
        }
    out: dict[str, dict[str, float]] = {p: {} for p in _PARTS}
    orders = list(itertools.permutations(range(3)))  # factors: 0 group, 1 unit, 2 structure
    for order in orders:
        state = ["A", "A", "A"]
        for factor in order:
            before = "".join(state)
            state[factor] = "B"
            after = "".join(state)
            part = out[_PARTS[factor]]
            part[after] = part.get(after, 0.0) + 1.0 / len(orders)
            part[before] = part.get(before, 0.0) - 1.0 / len(orders)
    return out


@validate_params(
    before=CountTable(),
    after=CountTable(),
    method=options_of(ChangeMethod),
    log_base=LogBase(),
    precision=Real(0.0, None, min_open=True),
    max_iterations=Integer(min=1),
)
def change(
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    method: ChangeMethod = "elbers",
    log_base: float = LOG_BASE,
    precision: float = 1e-14,
    max_iterations: int = 1_000_000,
) -> dict:
    """Decompose M(after) - M(before), and H(after) - H(before), as the module docstring says.

    ``before`` and ``after`` are count tables indexed by school with the same group columns.
    Returns ``total, additions, removals, group_marginal, unit_marginal, structural`` (M, in the
    unit of ``log_base``; the five parts add up to ``total``), the same for H with the prefix
    ``h_`` (``h_total, h_additions, …``), ``m_before, m_after, m_before_common,
    m_after_common, h_before, h_after``, ``n_common, n_added, n_removed`` (schools),
    ``n_groups_common``, ``method`` and ``ipf_deviation`` (the largest margin deviation left by
    IPF). Schools with no students in a table count as absent from it.
    """
    if list(before.columns) != list(after.columns):
        raise ParameterError(
            "after",
            f"tabellerna måste ha samma gruppkolumner i samma ordning; before har {list(before.columns)}, "
            f"after har {list(after.columns)}.",
        )
    for name, table in (("before", before), ("after", after)):
        if not table.index.is_unique:
            dup = table.index[table.index.duplicated()][0]
            raise ParameterError(name, f"skolenheten {dup!r} finns på flera rader; varje skola ska ha en rad.")
    a1 = count_array(before, "before")
    a2 = count_array(after, "after")
    scale = 1.0 / math.log(log_base)
    present1 = pd.Index(before.index[a1.sum(axis=1) > 0])
    present2 = pd.Index(after.index[a2.sum(axis=1) > 0])
    both = present1.intersection(present2, sort=False)
    pairs = np.column_stack([before.index.get_indexer(both), after.index.get_indexer(both)])
    rows, groups = _common_part(a1, a2, pairs) if len(both) else (np.array([], int), np.array([], int))
    M1, E1 = _m_and_e(a1)
    M2, E2 = _m_and_e(a2)
    H1 = M1 / E1 if E1 > 0 else float("nan")
    H2 = M2 / E2 if E2 > 0 else float("nan")
    o1 = a1[np.ix_(pairs[rows, 0], groups)] if len(rows) else np.zeros((0, 0))
    o2 = a2[np.ix_(pairs[rows, 1], groups)] if len(rows) else np.zeros((0, 0))
    n_common = len(rows)
    out: dict = {
        "method": method,
        "m_before": M1 * scale,
        "m_after": M2 * scale,
        "h_before": H1,
        "h_after": H2,
        "n_common": n_common,
        "n_added": int(len(present2) - n_common),
        "n_removed": int(len(present1) - n_common),
        "n_groups_common": len(groups),
    }
    values_m: dict[str, float] = {}
    values_h: dict[str, float] = {}
    deviation = 0.0
    if n_common and len(groups):
        values_m["AAA"], e_a = _m_and_e(o1)
        values_m["BBB"], e_b = _m_and_e(o2)
        values_h["AAA"] = values_m["AAA"] / e_a if e_a > 0 else 0.0
        values_h["BBB"] = values_m["BBB"] / e_b if e_b > 0 else 0.0
        positive = np.concatenate([a1[a1 > 0], a2[a2 > 0]])
        fill = FILL if FILL <= positive.min() else positive.min() / 1000.0
        f1 = np.where(o1 > 0, o1, fill)
        f2 = np.where(o2 > 0, o2, fill)
        tables = {"A": f1, "B": f2}
        for key in ("BBA", "ABA", "BAA", "AAB", "BAB", "ABB"):
            g, u, s = key
            src = tables[s]
            fitted, dev = _ipf(src, tables[u].sum(axis=1), tables[g].sum(axis=0), precision, max_iterations)
            deviation = max(deviation, dev)
            values_m[key], e = _m_and_e(fitted)
            values_h[key] = values_m[key] / e if e > 0 else 0.0
        m_common1, m_common2 = values_m["AAA"], values_m["BBB"]
        h_common1, h_common2 = values_h["AAA"], values_h["BBB"]
        weights = _weights(method)
        parts_m = {p: sum(w * values_m[k] for k, w in weights[p].items()) for p in _PARTS}
        parts_h = {p: sum(w * values_h[k] for k, w in weights[p].items()) for p in _PARTS}
    else:
        m_common1 = m_common2 = h_common1 = h_common2 = 0.0
        parts_m = dict.fromkeys(_PARTS, 0.0)
        parts_h = dict.fromkeys(_PARTS, 0.0)
    out.update(
        m_before_common=m_common1 * scale,
        m_after_common=m_common2 * scale,
        total=(M2 - M1) * scale,
        additions=(M2 - m_common2) * scale,
        removals=(m_common1 - M1) * scale,
        **{p: parts_m[p] * scale for p in _PARTS},
        h_total=H2 - H1,
        h_additions=H2 - h_common2,
        h_removals=h_common1 - H1,
        **{f"h_{p}": parts_h[p] for p in _PARTS},
        ipf_deviation=deviation,
    )
    return out


COMPONENTS = ("total", "additions", "removals", "group_marginal", "unit_marginal", "structural")
H_COMPONENTS = tuple(f"h_{c}" for c in COMPONENTS)


@validate_params(
    before=CountTable(),
    after=CountTable(),
    n_replications=Replications(2),
    seed=Seed(),
    level=Level(),
    method=options_of(ChangeMethod),
    log_base=LogBase(),
)
def change_bootstrap(
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    n_replications: int = N_REPLICATIONS,
    seed: int = SEED,
    level: float = LEVEL,
    method: ChangeMethod = "elbers",
    log_base: float = LOG_BASE,
) -> pd.DataFrame:
    """Bootstrap uncertainty of each part of :func:`change` (both tables resampled as multinomial
    samples of their students, as Elbers' ``mutual_difference(se = TRUE)``).

    Rows = the parts of M (``COMPONENTS``) and of H (``H_COMPONENTS``); columns ``estimate,
    boot_mean, se, bias_corrected`` (2 estimate - boot_mean, the estimate Elbers' package reports)
    and ``ci_low, ci_high`` (percentile interval of the replicates at ``level``). Same ``seed`` ->
    same numbers.
    """
    est = change(before, after, method=method, log_base=log_base)
    a1 = count_array(before, "before")
    a2 = count_array(after, "after")
    for name, arr in (("before", a1), ("after", a2)):
        if abs(arr.sum() - round(arr.sum())) > 1e-9:
            raise ParameterError(name, "bootstrap kräver hela antal elever (summan är inte ett heltal).")
    keys = COMPONENTS + H_COMPONENTS
    streams = np.random.SeedSequence(seed).spawn(n_replications)
    reps = np.empty((n_replications, len(keys)))
    for r, ss in enumerate(streams):
        rng = np.random.default_rng(ss)
        b = rng.multinomial(round(a1.sum()), (a1 / a1.sum()).ravel()).reshape(a1.shape).astype(float)
        a = rng.multinomial(round(a2.sum()), (a2 / a2.sum()).ravel()).reshape(a2.shape).astype(float)
        res = change(
            pd.DataFrame(b, index=before.index, columns=before.columns),
            pd.DataFrame(a, index=after.index, columns=after.columns),
            method=method,
            log_base=log_base,
        )
        reps[r] = [res[c] for c in keys]
    alpha = (1.0 - level) / 2.0
    estimate = np.array([est[c] for c in keys])
    with np.errstate(invalid="ignore"):
        boot_mean = np.nanmean(reps, axis=0)
        out = pd.DataFrame(
            {
                "estimate": estimate,
                "boot_mean": boot_mean,
                "se": np.nanstd(reps, axis=0, ddof=1),
                "bias_corrected": 2.0 * estimate - boot_mean,
                "ci_low": np.nanquantile(reps, alpha, axis=0),
                "ci_high": np.nanquantile(reps, 1.0 - alpha, axis=0),
            },
            index=pd.Index(keys, name="component"),
        )
    return out
