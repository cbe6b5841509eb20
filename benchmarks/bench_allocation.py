"""Benchmark: an allocation model for 5,000 schools and 1.1 million students, 100 pot variants,
with equity measures for every variant (target: under 5 s).

Reference: the straightforward student-level computation with pandas (join each student to the
school's amount, rank students by need, concentration index by the covariance formula), run on the
same data in the same process for a few variants and scaled to 100.

    python benchmarks/bench_allocation.py [--students 1100000] [--schools 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from likvard.allocation import allocate_pot_variants, parse_model, school_inputs
from likvard.allocation.compute import need_units
from likvard.allocation.equity import compensation_ratio, concentration_index

MODEL = {
    "namn": "bench",
    "grundbelopp": {"F": 48000, "1-3": 58000, "4-6": 62000, "7-9": 70000},
    "kompensatorisk_pott": 1e9,
    "vikter": {"föräldrar_förgymnasial": 1.0, "utländsk_bakgrund": 0.5, "nyanlända": 1.5},
    "tak_per_elev": 60000,
}


def synthetic_students(n_students: int, n_schools: int, seed: int = 1) -> pd.DataFrame:
    """National-scale student table from ``likvard.demo.generate_national``."""
    from likvard.demo import generate_national

    return generate_national(seed=seed, n_schools=n_schools, n_students=n_students).students


def likvard_run(students: pd.DataFrame, pots: np.ndarray) -> list[tuple[float, float]]:
    model = parse_model(MODEL)
    inputs = school_inputs(students)
    totals = allocate_pot_variants(model, inputs, pots)
    n = inputs.n_students
    need = need_units(model, inputs) / n
    per = totals / n
    return [(concentration_index(p, need, n), compensation_ratio(p, need, n)) for p in per]


def reference_run(students: pd.DataFrame, pots: np.ndarray) -> list[float]:
    """Student-level pandas: amount per school, joined to students, covariance with need rank."""
    weights = {"compulsory": 1.0}
    s = students.assign(
        units=students["parent_education"].map(weights).fillna(0.0)
        + 0.5 * students["migration_background"].ne("swedish")
        + 1.5 * students["newly_arrived"].astype(float)
    )
    rates = pd.Series({0: 48000, **{g: 58000 for g in (1, 2, 3)}, **{g: 62000 for g in (4, 5, 6)}, **{g: 70000 for g in (7, 8, 9)}})
    s["base"] = s["grade"].map(rates)
    per_school = s.groupby("school_id").agg(units=("units", "sum"), base=("base", "sum"), n=("units", "size"))
    out = []
    for pot in pots:
        cap = 60000 * per_school["n"]
        lo, hi = 0.0, 1e9
        for _ in range(100):
            lam = (lo + hi) / 2
            if np.minimum(lam * per_school["units"], cap).sum() < pot:
                lo = lam
            else:
                hi = lam
        amount = per_school["base"] + np.minimum(hi * per_school["units"], cap)
        st = s[["school_id"]].join((amount / per_school["n"]).rename("h"), on="school_id")
        st["need"] = s["school_id"].map(per_school["units"] / per_school["n"])
        r = st["need"].rank(method="average", pct=True)
        out.append(2 * np.cov(st["h"], r, bias=True)[0, 1] / st["h"].mean())
    return out


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=1_100_000)
    ap.add_argument("--schools", type=int, default=5000)
    ap.add_argument("--variants", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--reference-variants", type=int, default=3)
    args = ap.parse_args()
    students = synthetic_students(args.students, args.schools)
    pots = np.linspace(1e8, 5e9, args.variants)
    ours = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        res = likvard_run(students, pots)
        ours.append(time.perf_counter() - t)
    ref_pots = pots[: args.reference_variants]
    t = time.perf_counter()
    ref = reference_run(students, ref_pots)
    ref_time = (time.perf_counter() - t) * args.variants / args.reference_variants
    # same figures from both: concentration index of the first variants
    assert np.allclose([c for c, _ in res[: len(ref)]], ref, atol=1e-6), (res[: len(ref)], ref)
    med = statistics.median(ours)
    ids = students["school_id"].astype(str).to_numpy()
    t_fact = statistics.median([_timed(lambda: pd.factorize(ids, sort=True)) for _ in range(3)])
    t_uniq = statistics.median([_timed(lambda: np.unique(ids, return_inverse=True)) for _ in range(3)])
    t_inputs = statistics.median([_timed(lambda: school_inputs(students)) for _ in range(3)])
    print(f"allocation: {args.schools} skolor, {len(students):,} elever, {args.variants} pottvarianter")
    print(f"  skolenhetskoder till index: pd.factorize {t_fact:.3f} s, np.unique {t_uniq:.3f} s, kvot "
          f"{t_uniq / t_fact:.0f}x; school_inputs hela {t_inputs:.3f} s")
    print(f"  likvard   median {med:.3f} s (mål < 5 s)")
    print(f"  referens  {ref_time:.3f} s (pandas på elevnivå, {args.reference_variants} varianter uppräknat till {args.variants})")
    print(f"  kvot      {ref_time / med:.1f}x")


if __name__ == "__main__":
    main()
