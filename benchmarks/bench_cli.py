"""Benchmark the command line's start-up and the report for a municipality.

Run: ``python benchmarks/bench_cli.py``. ``likvard --help`` must not import pandas (target under
0.3 s); the reference in the same run is what any eager command line pays at least: a Python that
imports pandas. The Örebro report (Skolverket's files, when ``../shared/data/real`` is present) is
timed once with the default settings; peak memory is that of the process.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _median_seconds(cmd: list[str], repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    likvard = Path(sys.executable).with_name("likvard")
    helped = _median_seconds([str(likvard), "--help"])
    sub = _median_seconds([str(likvard), "segregation", "--help"])
    pandas = _median_seconds([sys.executable, "-c", "import pandas"])
    print(f"likvard --help: median {helped:.3f} s (mål 0,3 s, kvot {helped / 0.3:.2f})")
    print(f"likvard segregation --help: median {sub:.3f} s")
    print(f"Referens, python -c 'import pandas': median {pandas:.3f} s (kvot likvard/referens {helped / pandas:.2f})")
    from likvard.paths import real_data_dir

    real = real_data_dir()
    if real is None:
        print("Verkliga data saknas (../shared/data/real): rapporten för Örebro mäts inte.")
        return
    from likvard.report import render_published_report

    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        r = render_published_report(real, "1880", Path(out))
        seconds = time.perf_counter() - t
    print(f"Rapporten för Örebro (1880), {len(r.sections)} avsnitt: {seconds:.1f} s")
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"Största minnesanvändning i processen: {peak_gb:.2f} GB")


if __name__ == "__main__":
    main()
