"""Benchmark: 1,000 lottery replications of a 12,000-student cohort with all outcome metrics.

Each replication draws ranked lists from the choice model, ranks the listed pairs by priority and
lottery, places by deferred acceptance, places the rest administratively and records every outcome.
Target: under 10 s on this machine. The replications run in one process (``simulate``) and in
chunks on two worker processes (``likvard.parallel.replications.simulate_parallel``, identical
results asserted; the workers are started once before timing, as in a session). The reference is a straightforward replication (ties broken
by ``np.lexsort`` per school over all students, the list-based ``likvard.placement.assign``,
``likvard.segregation.indices`` on the count table) timed on a few replications; its median per
replication is compared with ours. Peak memory of the simulation is printed beside its time.

Run: ``python benchmarks/bench_placement_scenarios.py [--replications 1000]``
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time

import numpy as np
import pandas as pd

from likvard.parallel.replications import simulate_parallel
from likvard.placement import assign
from likvard.placement import choice_model as cm
from likvard.placement.scenarios import Scenario, apply_scenario, build_market
from likvard.placement.simulate import prepare, simulate

BETA = {
    "distance_km": -1.0,
    "distance_km_x_post_secondary": 0.3,
    "sibling": 2.5,
    "share_post_secondary": 1.0,
    "share_post_secondary_x_post_secondary": 1.5,
    "independent": -0.2,
    "profile": 0.4,
}


def city(n_students: int = 12_000, n_schools: int = 40, seed: int = 0):
    """A 25 x 25 km city: schools on a jittered grid, a quarter independent."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_schools)))
    gx, gy = np.meshgrid(np.arange(side), np.arange(side))
    xy = (np.c_[gx.ravel(), gy.ravel()][:n_schools] + 0.5) * 25000 / side + rng.normal(0, 500, (n_schools, 2))
    org = np.where(np.arange(n_schools) % 4 == 3, "independent", "municipal")
    cap = int(np.ceil(n_students * 1.1 / n_schools))
    schools = pd.DataFrame(
        {
            "school_id": [f"3{k:07d}" for k in range(n_schools)],
            "school_year": 2024,
            "name": [f"Skola {k}" for k in range(n_schools)],
            "organiser": np.where(org == "municipal", "Kommun", "Friskola AB"),
            "organiser_type": org,
            "municipality_code": "9999",
            "x": xy[:, 0],
            "y": xy[:, 1],
            "grade_min": 0,
            "grade_max": 9,
            "capacity_0": cap,
            "profile": np.where(np.arange(n_schools) % 7 == 0, "musik", ""),
        }
    )
    hx, hy = rng.uniform(0, 25000, n_students), rng.uniform(0, 25000, n_students)
    ps = rng.random(n_students) < 0.2 + 0.5 * hx / 25000
    students = pd.DataFrame(
        {
            "student_id": [f"e{i:06d}" for i in range(n_students)],
            "school_year": 2024,
            "school_id": "",
            "grade": 0,
            "parent_education": np.where(ps, "post_secondary", "upper_secondary"),
            "migration_background": np.where(rng.random(n_students) < 0.25, "foreign_born", "swedish"),
            "newly_arrived": rng.random(n_students) < 0.03,
            "home_x": hx,
            "home_y": hy,
        }
    )
    return schools, students


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def reference_replication(prep, rng) -> None:
    """One replication written the plain way (for the ratio)."""
    mk = prep.market
    pref = cm.draw_rankings(prep.V, mk.n_choices, rng, prep.available)
    u = rng.random(mk.n_students)
    order = [list(np.lexsort((u, np.nan_to_num(prep.scores[s], nan=np.inf)))) for s in range(mk.n_schools)]
    result = assign([[int(s) for s in row if s >= 0] for row in pref], order, list(mk.capacities))
    a = np.array([-1 if r is None else r for r in result])
    from likvard.segregation.indices import indices

    counts = pd.crosstab(a[a >= 0], mk.parent_education[a >= 0])
    indices(counts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--students", type=int, default=12_000)
    parser.add_argument("--schools", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    schools, students = city(args.students, args.schools)
    market = apply_scenario(build_market(schools, students, None, 2024, 0), Scenario(name="Nuläge"))
    simulate(market, n_replications=3, seed=0, beta=BETA)  # compile
    times, cpu = [], []
    extra = float("nan")
    for k in range(args.repeats):
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")
            before = _status_kb("VmRSS:")
        except OSError:
            before = -1
        t0, c0 = time.perf_counter(), time.process_time()
        simulate(market, n_replications=args.replications, seed=k, beta=BETA)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        if before >= 0:
            extra = (_status_kb("VmHWM:") - before) / 1024
    ours = statistics.median(times)
    one = simulate(market, n_replications=args.replications, seed=0, beta=BETA)
    simulate_parallel(market, n_replications=2 * args.workers, seed=0, beta=BETA, n_jobs=args.workers)  # start workers
    par_times = []
    for k in range(args.repeats):
        t0 = time.perf_counter()
        par = simulate_parallel(market, n_replications=args.replications, seed=k, beta=BETA, n_jobs=args.workers)
        par_times.append(time.perf_counter() - t0)
        if k == 0:
            pd.testing.assert_frame_equal(par.summary, one.summary)
            pd.testing.assert_frame_equal(par.schools, one.schools)
    parallel = statistics.median(par_times)
    prep = prepare(market, BETA)
    ref_times = []
    for r in range(3):
        t0 = time.perf_counter()
        reference_replication(prep, np.random.default_rng(r))
        ref_times.append(time.perf_counter() - t0)
    ref = statistics.median(ref_times) * args.replications
    print(f"{args.students} elever, {args.schools} skolor, {args.replications} replikeringar")
    print(f"Likvärd simulate: median {ours:.2f} s ({ours / args.replications * 1000:.1f} ms per replikering; "
          f"mål < 10 s för 1 000; processortid {statistics.median(cpu):.2f} s)")
    print(f"  extra toppminne under simuleringen {extra:,.0f} MB; processens topp "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    print(f"Likvärd simulate_parallel, {args.workers} processer: median {parallel:.2f} s "
          f"({parallel / args.replications * 1000:.1f} ms per replikering; samma resultat som en process; "
          f"uppsnabbning {ours / parallel:.2f}×)")
    print(f"referens (rak implementering, uppräknad): median {ref:.1f} s")
    print(f"kvot referens/Likvärd: {ref / ours:.1f} (en process), {ref / parallel:.1f} ({args.workers} processer)")
    print(f"belastning (1, 5, 15 min): {os.getloadavg()}")


if __name__ == "__main__":
    main()
