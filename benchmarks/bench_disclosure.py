"""Benchmark: the attacker's intervals of the hidden cells (``likvard.disclosure.audit``) against
the textbook linear program over every cell (scipy's ``linprog``, HiGHS), and the whole
cell-suppression run (``protect``) on a large city.

Data: a synthetic large city (default 150 schools): per school its students and the students
with post-secondary parents, with foreign background and newly arrived, some schools small
(1–9 students) and some shares with a numerator or complement of 1–9; totals over all schools,
per organiser type and per area type for each count, as ``Dataset.hidden`` builds them.

- Likvärd: ``audit`` — a program over the hidden cells only (shown cells enter the right-hand
  side), bounds ``part <= whole`` as inequalities;
- reference: for each hidden cell, min and max over *all* cells as variables, the shown ones
  fixed by equality rows (what the tests' reference attacker solves).

Both must give the same intervals (checked). Medians of ``--repeat`` runs and peak memory
(tracemalloc) are printed, with the time of ``protect`` from the primary cells.

    python benchmarks/bench_disclosure.py [--schools 150] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

import numpy as np
from scipy.optimize import linprog

from likvard.disclosure import audit, protect, sensitive_share

FAMILIES = ("n_post_secondary", "n_foreign_background", "n_newly_arrived")


def city(n_schools: int, seed: int = 7) -> tuple[dict, dict, list, set]:
    rng = np.random.default_rng(seed)
    n = rng.integers(60, 700, n_schools).astype(float)
    small = rng.choice(n_schools, max(2, n_schools // 25), replace=False)
    n[small] = rng.integers(1, 10, len(small))
    organiser = rng.choice(["municipal", "independent"], n_schools, p=[0.7, 0.3])
    area = rng.integers(1, 6, n_schools)
    values: dict = {}
    bounds = []
    primary: set = set()
    for i in range(n_schools):
        values[("n_students", i)] = n[i]
        if n[i] < 10:
            primary.add(("n_students", i))
        for f, p in zip(FAMILIES, (0.5, 0.3, 0.04)):
            k = float(rng.binomial(int(n[i]), rng.uniform(0.3, 1.7) * p if p < 0.5 else rng.uniform(0.05, 0.95)))
            values[(f, i)] = k
            bounds.append(((f, i), ("n_students", i)))
            if n[i] < 10 or sensitive_share(k, n[i]):
                primary.add((f, i))
    totals: dict = {}
    for f in ("n_students", *FAMILIES):
        totals[(f, "all")] = [(f, i) for i in range(n_schools)]
        for g in ("municipal", "independent"):
            totals[(f, "organiser", g)] = [(f, i) for i in range(n_schools) if organiser[i] == g]
        for a in range(1, 6):
            members = [(f, i) for i in range(n_schools) if area[i] == a]
            if members:
                totals[(f, "area", a)] = members
    return values, totals, bounds, primary


def reference_intervals(values: dict, totals: dict, bounds: list, hidden: set) -> dict:
    keys = sorted(values, key=repr)
    pos = {k: i for i, k in enumerate(keys)}
    a_eq, b_eq = [], []
    for k in keys:
        if k not in hidden:
            row = np.zeros(len(keys))
            row[pos[k]] = 1
            a_eq.append(row)
            b_eq.append(values[k])
    for members in totals.values():
        row = np.zeros(len(keys))
        for m in members:
            row[pos[m]] = 1
        a_eq.append(row)
        b_eq.append(sum(values[m] for m in members))
    a_ub = []
    for a, b in bounds:
        row = np.zeros(len(keys))
        row[pos[a]] = 1
        row[pos[b]] -= 1
        a_ub.append(row)
    A_eq, B_eq, A_ub, B_ub = np.array(a_eq), np.array(b_eq), np.array(a_ub), np.zeros(len(a_ub))
    out = {}
    for k in sorted(hidden, key=repr):
        c = np.zeros(len(keys))
        c[pos[k]] = 1
        lo = linprog(c, A_ub=A_ub, b_ub=B_ub, A_eq=A_eq, b_eq=B_eq, bounds=(0, None), method="highs")
        hi = linprog(-c, A_ub=A_ub, b_ub=B_ub, A_eq=A_eq, b_eq=B_eq, bounds=(0, None), method="highs")
        out[k] = (lo.fun, np.inf if hi.status == 3 else -hi.fun)
    return out


def timed(fn, memory: bool = False):
    if memory:
        tracemalloc.start()
        fn()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        return peak
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    values, totals, bounds, primary = city(args.schools)
    t_protect, prot = timed(lambda: protect(values, totals, primary, bounds=bounds, min_total=0))
    hidden = set(prot.hidden)
    print(f"{args.schools} skolor, {len(values)} celler, {len(totals)} summor; {len(primary)} primärt dolda, "
          f"{len(hidden)} dolda efter protect ({t_protect:.2f} s)")
    mine, ref = [], []
    for _ in range(args.repeat):
        t, a = timed(lambda: audit(values, totals, hidden, bounds=bounds))
        mine.append(t)
        t, r = timed(lambda: reference_intervals(values, totals, bounds, hidden))
        ref.append(t)
    for k in hidden:
        assert np.allclose(a[k], r[k], atol=1e-6), (k, a[k], r[k])
    assert all(hi - lo >= 6 - 1e-6 for lo, hi in r.values()), "a hidden cell is narrower than ±3"
    m_mine = timed(lambda: audit(values, totals, hidden, bounds=bounds), memory=True)
    m_ref = timed(lambda: reference_intervals(values, totals, bounds, hidden), memory=True)
    a_med, r_med = statistics.median(mine), statistics.median(ref)
    print(f"audit (Likvärd):   median {a_med:.3f} s, topp {m_mine:.1f} MB")
    print(f"linprog alla celler: median {r_med:.3f} s, topp {m_ref:.1f} MB")
    print(f"kvot Likvärd/referens: {a_med / r_med:.2f}; samma intervall för alla {len(hidden)} dolda celler")


if __name__ == "__main__":
    main()
