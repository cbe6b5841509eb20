"""Benchmark placement sweeps: the same sweep on 1 and 2 joblib workers (and a Dask LocalCluster
with 2 workers), median wall time, speed-up and peak memory of the process and its workers.

Run: ``python benchmarks/bench_sweep.py [--schools 340] [--students 80000] [--replications 20]
[--repeats 3]``. Data: ``likvard.demo.generate_national`` (a synthetic country, here a part of it:
about 20 municipalities), a scenario file with three scenarios (deferred acceptance, Boston, one
choice) and the choice model estimated per municipality. The reference is the same sweep on one
worker in the same run; every backend must give identical tables (asserted). Target: a speed-up
near 2 on 2 free cores (the workers share nothing; start-up and the last chunk cost the rest).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Self

import pandas as pd
from _memory import tree_rss

from likvard.compiled import is_prepared, prepare
from likvard.demo import generate_national
from likvard.placement.scenario_file import parse_scenario_text
from likvard.analyses.sweep import sweep

SCENARIOS = """
årskurs: 0
frö: 2026
valmodell: skattad
scenarier:
  - namn: Nuläge
  - namn: Boston
    mekanism: boston
  - namn: Ett val
    antal val: 1
"""


class PeakMemory:
    """Largest resident memory of this process plus all its children, sampled every 50 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss())
            time.sleep(0.05)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _timed(label: str, run, repeats: int) -> tuple[float, float, pd.DataFrame]:
    times, peaks, table = [], [], None
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp, PeakMemory() as mem:
            t = time.perf_counter()
            table = run(Path(tmp) / "svep")
            times.append(time.perf_counter() - t)
        peaks.append(mem.peak)
    med = statistics.median(times)
    print(f"{label}: median {med:.2f} s (körningar {', '.join(f'{x:.2f}' for x in times)}), "
          f"största minne {max(peaks) / 1024**2:.0f} MB", flush=True)
    return med, max(peaks), table


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--schools", type=int, default=340)
    ap.add_argument("--students", type=int, default=80_000)
    ap.add_argument("--replications", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-dask", action="store_true")
    args = ap.parse_args()
    # tiny municipalities leave some measures undefined; keep the workers' output readable
    os.environ["PYTHONWARNINGS"] = "ignore::RuntimeWarning"
    print(f"Belastning (load average) vid start: {os.getloadavg()[0]:.1f} på {os.cpu_count()} kärnor", flush=True)
    if not is_prepared():
        print("Förbereder beräkningskärnorna …", flush=True)
        prepare()
    data = generate_national(n_schools=args.schools, n_students=args.students)
    sf = parse_scenario_text(SCENARIOS.replace("frö: 2026", f"frö: 2026\nreplikeringar: {args.replications}"))
    n_mun = data.schools["municipality_code"].nunique()
    print(f"Svep: {n_mun} kommuner × 3 scenarier × {args.replications} replikeringar "
          f"({args.schools} skolenheter, {args.students} elever)", flush=True)
    one, _, t1 = _timed("joblib, 1 arbetare", lambda d: sweep(data, sf, d, backend="joblib", n_jobs=1).table,
                           args.repeats)
    two, _, t2 = _timed("joblib, 2 arbetare", lambda d: sweep(data, sf, d, backend="joblib", n_jobs=2).table,
                           args.repeats)
    pd.testing.assert_frame_equal(t1, t2, check_exact=True)
    print(f"Uppsnabbning med 2 arbetare mot 1: {one / two:.2f}×", flush=True)
    if not args.no_dask:
        from distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            dask2, _, td = _timed("Dask LocalCluster, 2 arbetare (klustret redan startat)",
                                     lambda d: sweep(data, sf, d, backend=cluster).table, args.repeats)
        pd.testing.assert_frame_equal(t1, td, check_exact=True)
        print(f"Uppsnabbning med Dask (2 arbetare) mot joblib med 1: {one / dask2:.2f}×", flush=True)
    print("Samma tabell på alla bakändar: ja (kontrollerat)")


if __name__ == "__main__":
    main()
