"""Benchmark the demo generators: Exempelstad (scale 1 and 4, six years) and the national set.

Run: ``python benchmarks/bench_demo.py``. Prints median wall time over repeats and peak memory
(of the process, via ``resource``). Targets (issue 2 / demo brief): Exempelstad at scale 1 in a
few seconds; the national set (5,000 schools, 1.1 million students) in under 30 s and a few GB.
There is no reference implementation to compare against; the ratio printed is to the target.
"""

from __future__ import annotations

import resource
import statistics
import time

from likvard.demo import generate_exempelstad, generate_national


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    cases = [
        ("Exempelstad, skala 1, 6 läsår", lambda: generate_exempelstad(), 3, 5.0),
        ("Exempelstad, skala 4, 6 läsår", lambda: generate_exempelstad(scale=4), 1, 30.0),
        ("Riket: 5 000 skolenheter, 1,1 miljoner elever", lambda: generate_national(), 3, 30.0),
    ]
    for label, fn, repeats, target in cases:
        med = _median_time(fn, repeats)
        print(f"{label}: median {med:.2f} s (mål {target:.0f} s, kvot {med / target:.2f})")
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"Största minnesanvändning i processen: {peak_gb:.2f} GB")


if __name__ == "__main__":
    main()
