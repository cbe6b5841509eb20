"""Benchmark and placebo study of ``likvard.evaluation`` on the national donor pool.

Data: Skolverket's published school-unit merit values 2020/21-2024/25 (``../shared/data/real``,
read with ``likvard.sources.skolverket.school_panel.read_national_panel``), about 1,270 schools
complete over the five years.

1. Speed: ``evaluate`` for one school from 2024/25 (4 pre-years) with every complete school as
   donor and in-space placebo inference over all of them (plus conformal and in-time placebo),
   median of ``--repeat`` runs; target under 2 s. Reference: pysyncon's ``PlaceboTest`` with
   ``PenalizedSynth`` (same penalised weights, SLSQP) on the same data; pysyncon solves one dense
   QP per placebo with SciPy, so it is timed on a documented subset of ``--ref-donors`` donors,
   and Likvärd's placebo fits are timed on the same subset in the same run for the ratio.
2. Placebo study (``--placebos`` per arm): interventions "placed" in 2024/25 on random schools
   and on schools selected for low results (the lowest tenth in 2023/24), none of which got
   anything; the share called ``effekt`` at level 0.90 should be at most 12 % (random) and 15 %
   (low results).

    python benchmarks/bench_evaluation.py [--repeat 3] [--ref-donors 100] [--placebos 200]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time

import numpy as np
import pandas as pd

from likvard.evaluation import evaluate, fit_sc
from likvard.paths import real_data_dir
from likvard.sources.skolverket.school_panel import read_national_panel


def complete_panel(panel: pd.DataFrame) -> pd.DataFrame:
    w = panel.pivot(index="school_id", columns="school_year", values="value")
    n = panel.pivot(index="school_id", columns="school_year", values="n_students")
    ok = w.notna().all(axis=1) & ~(n < 10).any(axis=1)
    return panel[panel["school_id"].isin(w.index[ok])]


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def reference_placebo(panel: pd.DataFrame, treated: str, donors: list[str]) -> float:
    from pysyncon import Dataprep, PenalizedSynth
    from pysyncon.utils import PlaceboTest

    pre = [2020, 2021, 2022, 2023]
    sub = panel[panel["school_id"].isin([treated, *donors])]
    dp = Dataprep(foo=sub, predictors=[], predictors_op="mean", dependent="value", unit_variable="school_id",
                  time_variable="school_year", treatment_identifier=treated, controls_identifier=donors,
                  time_predictors_prior=pre, time_optimize_ssr=pre,
                  special_predictors=[("value", [t], "mean") for t in pre])
    w = sub.pivot(index="school_id", columns="school_year", values="value")
    sd = w.loc[donors, pre].std(axis=0).to_numpy()
    t = time.perf_counter()
    PlaceboTest().fit(dataprep=dp, scm=PenalizedSynth(), scm_options={"lambda_": 0.01, "custom_V": sd**2},
                      max_workers=1, verbose=False)
    return time.perf_counter() - t


def ours_placebo(panel: pd.DataFrame, donors: list[str]) -> float:
    w = panel[panel["school_id"].isin(donors)].pivot(index="school_id", columns="school_year", values="value")
    y = w.to_numpy()
    cols = np.arange(y.shape[1])
    pre = cols < 4
    idx = np.arange(len(y))
    t = time.perf_counter()
    for i in idx:
        fit_sc(y, i, np.delete(idx, i), cols, pre)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--ref-donors", type=int, default=100)
    ap.add_argument("--placebos", type=int, default=200)
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
    med, res = timed(lambda: evaluate(panel, [treated], 2024), args.repeat)
    print(f"Likvärd evaluate (sc, {res.n_donors} jämförelseskolor, {res.n_placebos} placebo): median {med:.2f} s "
          f"(mål < 2 s)")
    donors = [str(s) for s in rng.choice(ids[ids != treated], args.ref_donors, replace=False)]
    ref = reference_placebo(panel, treated, donors)
    ours = ours_placebo(panel, donors)
    print(f"Placebotest på {args.ref_donors} jämförelseskolor: pysyncon {ref:.2f} s, Likvärd {ours:.3f} s, "
          f"kvot {ref / ours:.0f}×")
    print(f"  (pysyncon utskalat linjärt till {res.n_donors} skolor, en QP per placebo med J variabler: minst "
          f"{ref * (res.n_donors / args.ref_donors) ** 2:.0f} s)")

    # placebo study
    w = panel.pivot(index="school_id", columns="school_year", values="value")
    low_pool = w.index[w[2023] <= w[2023].quantile(0.10)].to_numpy()
    arms = {"slumpade skolor": (rng.choice(ids, args.placebos, replace=len(ids) < args.placebos), False),
            "skolor valda för låga resultat": (rng.choice(low_pool, args.placebos, replace=len(low_pool) < args.placebos), True)}
    for name, (schools, low) in arms.items():
        verdicts = []
        t = time.perf_counter()
        for k, s in enumerate(schools):
            r = evaluate(panel, [str(s)], 2024, seed=k, selected_for_low_results=low)
            verdicts.append(r.verdict)
        v = pd.Series(verdicts).value_counts()
        share = v.get("effekt", 0) / len(verdicts)
        print(f"Placebostudie, {name}: {len(verdicts)} utvärderingar på {time.perf_counter() - t:.0f} s; "
              f"andel 'effekt' {100 * share:.1f} % (gräns {'15' if low else '12'} %); "
              + ", ".join(f"{k}: {n}" for k, n in v.items()), flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Största minnesanvändning i processen: {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
