"""Benchmark: the student-level merit model with random school intercepts on 1.1 million students
and 5,000 schools (target: under 20 s).

Data: ``generate_national`` (5,000 schools, 1.1 M students); every student is given a merit value
from the generator's model (own background, school composition, hidden school effect, skewed
noise) so that the whole population enters the model, as if every grade were assessed.

Timed (median of ``--repeat`` runs):
- Likvärd end to end: ``student_level.fit_student_model`` from the student table (school
  composition, design, REML fit, school effects; merit model only) and, separately, the core
  ``fit_random_intercept`` on the ready design matrix;
- reference: statsmodels ``MixedLM(...).fit(reml=True)`` on the same design, on subsamples of
  whole schools (all their students), where both are run on the same rows and the ratio printed;
  the reference's time on the full data is extrapolated linearly from the largest subsample, or
  measured with ``--full-reference``.

    python benchmarks/bench_expected.py [--students 1100000] [--schools 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd
import statsmodels.api as sm

from likvard.demo import generate_national, results
from likvard.expected import need_index
from likvard.expected import student_level as sl
from likvard.expected.multilevel import fit_random_intercept
from likvard.expected.need import _columns, _risk, design, fit_need_model


def population(n_students: int, n_schools: int, seed: int = 1) -> tuple[pd.DataFrame, dict]:
    data = generate_national(seed=seed, n_schools=n_schools, n_students=n_students)
    st = data.students.copy()
    comp = sl.school_composition(st).set_index("school_id")["school_share_post_secondary"]
    effects = data.truth["school_effects"].set_index("school_id")["effect"]
    sid = st["school_id"].astype(str)
    rng = np.random.default_rng(seed + 1)
    latent = results.merit_latent(rng, st["parent_education"].to_numpy(), st["migration_background"].to_numpy(),
                                  st["newly_arrived"].to_numpy(float), st["sex"].to_numpy(),
                                  sid.map(comp).to_numpy(float), sid.map(effects).to_numpy(float),
                                  np.zeros(len(st)))
    st["merit_value"], _ = results.merit_and_eligibility(rng, latent)
    st["grade"] = 9
    st["eligible"] = pd.NA
    return st, data.truth


def need_index_per_student(students: pd.DataFrame, n_replications: int = 200, seed: int = 2026) -> np.ndarray:
    """Reference: the need index computed over every student for every coefficient draw (the
    method the combination-based one replaced); returns the point index per school and year."""
    model = fit_need_model(students)
    x = design(students)[:, _columns(model)]
    keys = students[["school_id", "school_year"]].astype({"school_id": str})
    groups = keys.groupby(["school_id", "school_year"], sort=True).ngroup().to_numpy()
    n = np.bincount(groups).astype(float)
    year_of_group = keys.groupby(["school_id", "school_year"], sort=True)["school_year"].first().to_numpy()
    years, year_idx = np.unique(keys["school_year"].to_numpy(), return_inverse=True)
    year_of = np.searchsorted(years, year_of_group)

    def index_for(beta: np.ndarray) -> np.ndarray:
        r = _risk(x, beta)
        return 100.0 * (np.bincount(groups, weights=r) / n) / (np.bincount(year_idx, weights=r) / np.bincount(year_idx))[year_of]

    point = index_for(model.params.to_numpy())
    draws = np.random.default_rng(seed).multivariate_normal(model.params.to_numpy(), model.cov.to_numpy(), n_replications)
    for b in draws:
        index_for(b)
    return point


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=1_100_000)
    ap.add_argument("--schools", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--subsamples", type=str, default="150,400,1000",
                    help="antal skolor i delurvalen där statsmodels körs")
    ap.add_argument("--full-reference", action="store_true",
                    help="kör även statsmodels på alla elever (en gång; minuter)")
    args = ap.parse_args()

    t = time.perf_counter()
    st, truth = population(args.students, args.schools)
    print(f"data: {len(st):,} elever, {st['school_id'].nunique():,} skolor ({time.perf_counter() - t:.1f} s att skapa)")

    t_full, model = timed(lambda: sl.fit_student_model(st), args.repeat)
    f = model.merit
    k = model.terms.index("school_share_post_secondary")
    print(f"Likvärd fit_student_model (hela kedjan): median {t_full:.2f} s  (mål < 20 s)")
    print(f"  tau^2 {f.tau2:.1f} (generatorn 100), sigma^2 {f.sigma2:.0f}, ICC {f.icc:.3f}, "
          f"sammansättning {f.beta[k]:.1f} ± {f.se_beta[k]:.1f} (generatorn {truth['composition_effect']:.0f})")

    g9 = sl.grade9_with_merit(st)
    x = sl.design(g9).to_numpy()
    y = g9["merit_value"].to_numpy(float)
    groups = g9["school_id"].to_numpy()
    t_core, _ = timed(lambda: fit_random_intercept(y, x, groups), args.repeat)
    print(f"Likvärd fit_random_intercept (färdig designmatris): median {t_core:.3f} s")

    rng = np.random.default_rng(7)
    schools = pd.unique(groups)
    last = None
    for n_sub in (int(s) for s in args.subsamples.split(",")):
        pick = np.isin(groups, rng.choice(schools, size=min(n_sub, len(schools)), replace=False))
        ys, xs, gs = y[pick], x[pick], groups[pick]
        keep = np.r_[True, [xs[:, j].std() > 0 for j in range(1, xs.shape[1])]]
        xs = xs[:, keep]
        t_ours, ours = timed(lambda ys=ys, xs=xs, gs=gs: fit_random_intercept(ys, xs, gs), args.repeat)
        t_ref, ref = timed(lambda ys=ys, xs=xs, gs=gs: sm.MixedLM(ys, xs, groups=gs).fit(reml=True), 1)
        diff = float(np.max(np.abs(ours.beta - np.asarray(ref.fe_params))))
        print(f"delurval {n_sub} skolor, {pick.sum():,} elever: Likvärd {t_ours * 1000:.1f} ms, "
              f"statsmodels {t_ref:.2f} s, kvot {t_ref / t_ours:,.0f}x; största skillnad i koefficienter {diff:.2e}, "
              f"logL {ours.loglike:.2f} vs {ref.llf:.2f}")
        last = (pick.sum(), t_ref)
    # need index (every grade, national population; the reference over every student and draw)
    pop = generate_national(seed=3, n_schools=args.schools, n_students=args.students).students
    grade9 = pop["grade"].astype(int) == 9
    pop["eligible"] = pd.NA
    pop.loc[grade9, "eligible"] = np.random.default_rng(5).random(int(grade9.sum())) < 0.85
    t_need, ours_need = timed(lambda: need_index(pop), args.repeat)
    t_ref, ref_point = timed(lambda: need_index_per_student(pop), 1)
    assert np.allclose(ours_need["need_index"].to_numpy(), ref_point, rtol=1e-9), "olika behovsindex"
    print(f"behovsindex med 200 dragningar, {len(pop):,} elever: Likvärd median {t_need:.2f} s, "
          f"per elev och dragning {t_ref:.1f} s, kvot {t_ref / t_need:.1f}x (samma index)")
    if args.full_reference:
        t_ref, ref = timed(lambda: sm.MixedLM(y, x, groups=groups).fit(reml=True), 1)
        print(f"statsmodels på alla {len(y):,} elever: {t_ref:.1f} s; kvot mot Likvärds hela kedja "
              f"{t_ref / t_full:,.0f}x, mot kärnan {t_ref / t_core:,.0f}x; logL {f.loglike:.2f} vs {ref.llf:.2f}")
    elif last:
        est = last[1] * len(y) / last[0]
        print(f"statsmodels på alla {len(y):,} elever, linjärt uppskattat: {est:.0f} s; "
              f"kvot mot Likvärds hela kedja {est / t_full:,.0f}x")


if __name__ == "__main__":
    main()
