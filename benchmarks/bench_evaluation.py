"""Benchmark and placebo study of ``likvard.evaluation`` on the national donor pool.

Data: Skolverket's published school-unit merit values 2020/21-2024/25 (``../shared/data/real``,
read with ``likvard.sources.skolverket.school_panel.read_national_panel``), about 1,270 schools
complete over the five years.

1. Speed: ``evaluate`` for one school from 2024/25 (4 pre-years) with every complete school as
   donor and in-space placebo inference over all of them (plus conformal and in-time placebo),
   median of ``--repeat`` runs; target under 2 s. Reference: pysyncon's ``PlaceboTest`` with
   ``PenalizedSynth`` (same penalised weights, SLSQP) on the same data; pysyncon solves one dense
   QP per placebo with SciPy, so it is timed on a documented subset of ``--ref-donors`` donors,
   and Likvärd's fits of the same problem (the treated school and every donor from the other
   donors) are timed on the same subset in the same run for the ratio; the largest difference
   between the two sets of placebo gaps is printed (it should be a fraction of a merit point).
2. Placebo study: interventions "placed" in 2024/25 on ``--placebos`` distinct random schools,
   on as many distinct schools of the lowest fifth in 2023/24 and on every school of the lowest
   tenth (flagged ``selected_for_low_results``), none of which got anything, each with every
   other complete school as comparison; the share called ``effekt`` at level 0.90 should be at
   most 12 % (random) and 15 % (low results). The exact (Clopper-Pearson) 95 % upper bound of
   each share is printed beside it.

    python benchmarks/bench_evaluation.py [--repeat 3] [--ref-donors 100] [--placebos 200]
                                          [--no-reference] [--no-study]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from likvard.evaluation import evaluate, fit_sc, sc_weights
from likvard.evaluation.synthetic_control import DEFAULT_PENALTY
from likvard.paths import real_data_dir
from likvard.sources.skolverket.school_panel import read_national_panel


def complete_panel(panel: pd.DataFrame) -> pd.DataFrame:
    w = panel.pivot(index="school_id", columns="school_year", values="value")
    n = panel.pivot(index="school_id", columns="school_year", values="n_students")
    ok = w.notna().all(axis=1) & ~(n < 10).any(axis=1)
    return panel[panel["school_id"].isin(w.index[ok])]


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """Median wall-clock and CPU seconds of ``repeat`` calls (CPU time shows the work itself when
    other processes share the cores), and the last result."""
    times, cpu, out = [], [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(times), statistics.median(cpu), out


PRE = [2020, 2021, 2022, 2023]


def reference_placebo(panel: pd.DataFrame, treated: str, donors: list[str]) -> tuple[float, pd.DataFrame]:
    """pysyncon's placebo test (every donor in turn treated, the other donors as its comparison,
    plus the treated school's own fit) with the penalised weights; returns (seconds, gaps)."""
    from pysyncon import Dataprep, PenalizedSynth
    from pysyncon.utils import PlaceboTest

    sub = panel[panel["school_id"].isin([treated, *donors])]
    dp = Dataprep(foo=sub, predictors=[], predictors_op="mean", dependent="value", unit_variable="school_id",
                  time_variable="school_year", treatment_identifier=treated, controls_identifier=donors,
                  time_predictors_prior=PRE, time_optimize_ssr=PRE,
                  special_predictors=[("value", [t], "mean") for t in PRE])
    w = sub.pivot(index="school_id", columns="school_year", values="value")
    # pysyncon scales each predictor by its SD over the placebo's units (the donors); custom_V = SD^2
    # undoes that, so the problem is the same as Likvärd's penalised weights on the raw outcomes
    sd = w.loc[donors, PRE].std(axis=0).to_numpy()
    test = PlaceboTest()
    t = time.perf_counter()
    test.fit(dataprep=dp, scm=PenalizedSynth(), scm_options={"lambda_": DEFAULT_PENALTY, "custom_V": sd**2},
             max_workers=1, verbose=False)
    return time.perf_counter() - t, test.gaps


def ours_placebo(panel: pd.DataFrame, treated: str, donors: list[str]) -> tuple[float, np.ndarray]:
    """Likvärd's fits of the same problem: the treated school from the donors, and each donor from
    the other donors; returns (seconds, donors' gaps as rows)."""
    w = panel[panel["school_id"].isin([treated, *donors])].pivot(index="school_id", columns="school_year",
                                                                    values="value").loc[[treated, *donors]]
    y = w.to_numpy()
    cols = np.arange(y.shape[1])
    pre = np.isin(w.columns.to_numpy(), PRE)
    idx = np.arange(1, len(y))
    t = time.perf_counter()
    fit_sc(y, 0, idx, cols, pre, DEFAULT_PENALTY)
    gaps = np.array([fit_sc(y, j, np.delete(idx, i), cols, pre, DEFAULT_PENALTY).gaps for i, j in enumerate(idx)])
    return time.perf_counter() - t, gaps


def disagreements(panel: pd.DataFrame, donors: list[str], our_gaps: np.ndarray, ref_gaps: np.ndarray,
                  tol: float = 0.05, max_checked: int = 5) -> str:
    """Where the two sets of placebo gaps differ by more than ``tol`` merit points, refit up to
    ``max_checked`` of those placebos with pysyncon's ``PenalizedSynth`` and compare the penalised
    objective ||x1 - X0 w||^2 + lam sum_j w_j ||x1 - x0j||^2 of both weight vectors; pysyncon's
    SLSQP weights need not sum to one exactly, so its objective is also given after projecting
    them onto the simplex (clip at 0, divide by the sum). Equal objectives with different gaps
    mean several optimal weight vectors (the penalised problem need not be strictly convex)."""
    from pysyncon import PenalizedSynth

    bad = np.flatnonzero(np.abs(our_gaps - ref_gaps).max(axis=1) > tol)
    if len(bad) == 0:
        return f"alla {len(donors)} placebon lika inom {tol} meritpoäng"
    w = panel[panel["school_id"].isin(donors)].pivot(index="school_id", columns="school_year", values="value")
    x = w.loc[donors, PRE]
    sd = x.std(axis=0).to_numpy()
    lines = []
    for i in bad[:max_checked]:
        others = [d for d in donors if d != donors[i]]
        x1, x0 = x.loc[donors[i]].to_numpy(), x.loc[others].to_numpy().T

        def objective(wt: np.ndarray, x1: np.ndarray = x1, x0: np.ndarray = x0) -> float:
            return float(((x1 - x0 @ wt) ** 2).sum() + DEFAULT_PENALTY * (wt * ((x0 - x1[:, None]) ** 2).sum(axis=0)).sum())

        ref = PenalizedSynth()
        ref.fit(X0=x.loc[others].T, X1=x.loc[donors[i]], lambda_=DEFAULT_PENALTY, custom_V=sd**2)
        ours = sc_weights(x1, x0, DEFAULT_PENALTY)
        wr = np.asarray(ref.W, dtype=float)
        wp = np.clip(wr, 0.0, None) / np.clip(wr, 0.0, None).sum()
        lines.append(f"{donors[i]}: målfunktion Likvärd {objective(ours):.4g}, pysyncon {objective(wr):.4g} "
                     f"(viktsumma {wr.sum():.4f}; på simplexen {objective(wp):.4g})")
    return (f"{len(bad)} av {len(donors)} placebon skiljer mer än {tol} meritpoäng; kontroll av {min(len(bad), max_checked)}: "
            + "; ".join(lines))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--ref-donors", type=int, default=100)
    ap.add_argument("--placebos", type=int, default=200)
    ap.add_argument("--no-reference", action="store_true", help="hoppa över pysyncon (tar minuter)")
    ap.add_argument("--ref-checks", type=int, default=10, help="skiljande placebon som kontrolleras med målfunktionen")
    ap.add_argument("--no-study", action="store_true", help="hoppa över placebostudien")
    args = ap.parse_args()
    root = real_data_dir()
    if root is None:
        print("Riksdata saknas (../shared/data/real): benchmarken hoppas över.")
        return 0
    panel = complete_panel(read_national_panel(root))
    ids = np.array(sorted(panel["school_id"].unique()))
    rng = np.random.default_rng(1)
    print(f"data: {len(ids)} skolenheter med meritvärde alla läsår 2020/21–2024/25")

    treated = str(rng.choice(ids))
    evaluate(panel, [treated], 2024)  # compile the numba kernels
    med, med_cpu, res = timed(lambda: evaluate(panel, [treated], 2024), args.repeat)
    tracemalloc.start()
    evaluate(panel, [treated], 2024)
    peak_eval = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"Likvärd evaluate (sc, {res.n_donors} jämförelseskolor, {res.n_placebos} placebo, konform, i-tid-placebo, "
          f"leave-one-out): median {med:.2f} s av {args.repeat} (CPU-tid {med_cpu:.2f} s; mål < 2 s); toppminne "
          f"(tracemalloc) {peak_eval:.1f} MB; belastning {os.getloadavg()[0]:.1f}")
    donors = [str(s) for s in rng.choice(ids[ids != treated], args.ref_donors, replace=False)]
    if args.no_reference:
        print("Referensen (pysyncon) hoppas över (--no-reference).")
    else:
        ours, our_gaps = ours_placebo(panel, treated, donors)
        ref, ref_gaps = reference_placebo(panel, treated, donors)
        ref_matrix = ref_gaps[donors].to_numpy().T
        diff = np.abs(our_gaps - ref_matrix).max(axis=1)
        print(f"Placebotest på {args.ref_donors} jämförelseskolor ({args.ref_donors + 1} anpassningar): pysyncon "
              f"{ref:.2f} s, Likvärd {ours:.3f} s, kvot {ref / ours:.0f}×; skillnad i placebogapen median "
              f"{np.median(diff):.4f}, största {diff.max():.3f} meritpoäng", flush=True)
        print("  " + disagreements(panel, donors, our_gaps, ref_matrix, max_checked=args.ref_checks), flush=True)
        print(f"  (pysyncon på hela poolen, {res.n_donors} skolor: en QP med J variabler per placebo, minst "
              f"{ref * (res.n_donors / args.ref_donors) ** 2:.0f} s utskalat kvadratiskt)")

    # placebo study: distinct schools in every arm (no school twice)
    if not args.no_study:
        w = panel.pivot(index="school_id", columns="school_year", values="value")
        tenth = w.index[w[2023] <= w[2023].quantile(0.10)].to_numpy()
        fifth = w.index[w[2023] <= w[2023].quantile(0.20)].to_numpy()
        arms = {
            "slumpade skolor": (rng.choice(ids, min(args.placebos, len(ids)), replace=False), False, 12),
            "lägsta femtedelen 2023/24": (rng.choice(fifth, min(args.placebos, len(fifth)), replace=False), True, 15),
            "lägsta tiondelen 2023/24 (alla)": (tenth, True, 15),
        }
        for name, (schools, low, bound) in arms.items():
            verdicts = []
            t = time.perf_counter()
            for k, s in enumerate(schools):
                r = evaluate(panel, [str(s)], 2024, seed=k, selected_for_low_results=low)
                verdicts.append(r.verdict)
            v = pd.Series(verdicts).value_counts()
            n_eff = int(v.get("effekt", 0))
            hi = binomtest(n_eff, len(verdicts)).proportion_ci(0.95).high
            print(f"Placebostudie, {name}: {len(verdicts)} skolor på {time.perf_counter() - t:.0f} s; andel 'effekt' "
                  f"{100 * n_eff / len(verdicts):.1f} % (95 % övre gräns {100 * hi:.1f} %; krav ≤ {bound} %); "
                  + ", ".join(f"{k}: {n}" for k, n in v.items()), flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Största minnesanvändning i processen: {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
