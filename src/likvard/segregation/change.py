"""Decomposition of the change in M between two tables (Elbers 2023, Sociological Methods & Research,
"A method for studying differences in segregation across time and space").

Schools present in only one table are additions (only after) or removals (only before):

    additions  = M(after) - M(after, common schools)
    removals   = M(before, common schools) - M(before)

The change among the common schools is split with the Shapley method into three factors: the
group marginal (group sizes), the unit marginal (school sizes) and the structural part (the
association between school and group, i.e. the odds ratios). M(u, g, s) is M of the table with
the structure of table s raked by iterative proportional fitting (IPF, run to full convergence) to
the school sizes of table u and the group sizes of table g. Each factor's part is its Shapley value,
the mean of its marginal effect over the six orders of switching the three factors from "before"
to "after"; the parts add up exactly to M(after, common) - M(before, common). No random numbers
are involved; IPF is iterated until the margins match to machine precision.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from likvard.segregation._table import count_array
from likvard.segregation.decomposition import _m_and_e


def ipf(
    seed: np.ndarray,
    row_totals: np.ndarray,
    col_totals: np.ndarray,
    tol: float = 1e-15,
    max_iter: int = 100_000,
) -> np.ndarray:
    """Rake ``seed`` to the given row and column totals (same grand total) by IPF until converged.

    Converged means the largest relative deviation of a margin is below ``tol`` or no longer
    shrinks (machine precision reached). Raises ValueError when the margins cannot be met.
    """
    table = seed.astype(np.float64, copy=True)
    row_totals = row_totals * (table.sum() / row_totals.sum())
    col_totals = col_totals * (table.sum() / col_totals.sum())
    best = np.inf
    stall = 0
    for _ in range(max_iter):
        r = table.sum(axis=1)
        table *= np.divide(row_totals, r, out=np.zeros_like(r), where=r > 0)[:, None]
        c = table.sum(axis=0)
        table *= np.divide(col_totals, c, out=np.zeros_like(c), where=c > 0)[None, :]
        dev = np.abs(table.sum(axis=1) - row_totals).max() / row_totals.sum()
        if dev < tol:
            return table
        if dev < best * (1 - 1e-6):
            best, stall = dev, 0
        else:
            stall += 1
            if stall >= 50:
                if dev > 1e-9:
                    raise ValueError(
                        f"IPF did not converge (margin deviation {dev:.2e}); a structural zero blocks the margins"
                    )
                return table
    raise ValueError("IPF did not converge within the iteration limit")


def change(before: pd.DataFrame, after: pd.DataFrame, log_base: float = math.e) -> dict:
    """Decompose M(after) - M(before) into ``additions, removals, group_marginal, unit_marginal,
    structural`` (Elbers 2023, Shapley method), which add up to ``total``.

    ``before`` and ``after`` are count tables indexed by school with the same group columns. Also
    returned: ``m_before, m_after, m_before_common, m_after_common, n_common, n_added, n_removed``.
    Schools with no students in a table count as absent from it.
    """
    if list(before.columns) != list(after.columns):
        raise ValueError(
            f"change: the tables must have the same group columns in the same order; "
            f"got {list(before.columns)} and {list(after.columns)}"
        )
    a1 = count_array(before, "before")
    a2 = count_array(after, "after")
    present1 = pd.Index(before.index[a1.sum(axis=1) > 0])
    present2 = pd.Index(after.index[a2.sum(axis=1) > 0])
    common = present1.intersection(present2, sort=False)
    scale = 1.0 / math.log(log_base)

    def m(arr: np.ndarray) -> float:
        return _m_and_e(arr)[0]

    pos1 = before.index.get_indexer(common)
    pos2 = after.index.get_indexer(common)
    c1 = a1[pos1]
    c2 = a2[pos2]
    M1, M2 = m(a1), m(a2)
    M1c, M2c = m(c1), m(c2)
    out = {
        "m_before": M1 * scale,
        "m_after": M2 * scale,
        "m_before_common": M1c * scale,
        "m_after_common": M2c * scale,
        "total": (M2 - M1) * scale,
        "additions": (M2 - M2c) * scale,
        "removals": (M1c - M1) * scale,
        "n_common": len(common),
        "n_added": len(present2.difference(present1)),
        "n_removed": len(present1.difference(present2)),
    }
    if len(common) == 0:
        out.update(group_marginal=0.0, unit_marginal=0.0, structural=0.0)
        return out
    g1, g2 = c1.sum(axis=0), c2.sum(axis=0)
    if ((g1 > 0) != (g2 > 0)).any():
        raise ValueError(
            "change: a group has students in one table's common schools but not the other's; "
            "the group marginal cannot be changed by IPF"
        )
    tables = {1: c1 / c1.sum(), 2: c2 / c2.sum()}
    rows = {1: tables[1].sum(axis=1), 2: tables[2].sum(axis=1)}
    cols = {1: tables[1].sum(axis=0), 2: tables[2].sum(axis=0)}
    value: dict[tuple[int, int, int], float] = {}
    for u, g, s in itertools.product((1, 2), repeat=3):
        if (u, g) == (s, s):
            value[(u, g, s)] = m(tables[s])
        else:
            value[(u, g, s)] = m(ipf(tables[s], rows[u], cols[g]))
    # Shapley values over the orders of switching (unit, group, structure) from 1 to 2
    parts = np.zeros(3)
    orders = list(itertools.permutations(range(3)))
    for order in orders:
        state = [1, 1, 1]
        for factor in order:
            prev = value[(state[0], state[1], state[2])]
            state[factor] = 2
            parts[factor] += value[(state[0], state[1], state[2])] - prev
    parts /= len(orders)
    out["unit_marginal"] = float(parts[0]) * scale
    out["group_marginal"] = float(parts[1]) * scale
    out["structural"] = float(parts[2]) * scale
    return out


COMPONENTS = (
    "total",
    "additions",
    "removals",
    "group_marginal",
    "unit_marginal",
    "structural",
)


def change_bootstrap(
    before: pd.DataFrame,
    after: pd.DataFrame,
    n: int = 100,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Bootstrap uncertainty of each component of :func:`change` (both tables resampled as
    multinomial samples of their students, as Elbers' ``mutual_difference(se = TRUE)``).

    Rows = components; columns ``estimate, se, ci_low, ci_high``. Same ``seed`` -> same numbers.
    """
    a1 = count_array(before, "before")
    a2 = count_array(after, "after")
    est = change(before, after)
    streams = np.random.SeedSequence(seed).spawn(n)
    reps = np.empty((n, len(COMPONENTS)))
    for r, ss in enumerate(streams):
        rng = np.random.default_rng(ss)
        b = (
            rng.multinomial(round(a1.sum()), (a1 / a1.sum()).ravel())
            .reshape(a1.shape)
            .astype(float)
        )
        a = (
            rng.multinomial(round(a2.sum()), (a2 / a2.sum()).ravel())
            .reshape(a2.shape)
            .astype(float)
        )
        res = change(
            pd.DataFrame(b, index=before.index, columns=before.columns),
            pd.DataFrame(a, index=after.index, columns=after.columns),
        )
        reps[r] = [res[c] for c in COMPONENTS]
    alpha = (1.0 - level) / 2.0
    return pd.DataFrame(
        {
            "estimate": [est[c] for c in COMPONENTS],
            "se": reps.std(axis=0, ddof=1),
            "ci_low": np.quantile(reps, alpha, axis=0),
            "ci_high": np.quantile(reps, 1.0 - alpha, axis=0),
        },
        index=pd.Index(COMPONENTS, name="component"),
    )
