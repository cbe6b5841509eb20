"""Benchmark the parsed cache of published files: each reader uncached (parsing the file, the
reference) against the same read from the cache, the reading part of the published-data report,
and the whole ``likvard rapport --data … --kommun 0180`` with a cold and a warm cache.

Run: ``python benchmarks/bench_published_cache.py [--data ../shared/data/real] [--repeats 3]``.
Uses a fresh cache folder (``LIKVARD_CACHE_DIR`` in a temporary folder). Medians over repeats;
every cached table is checked to equal the parsed one. Target: ``rapport --kommun 0180`` with a
warm cache under 4 s (the report's own computing is outside this module; both are shown).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

READERS = [
    ("read_student_composition", "skolverket_elever_per_arskurs/Grundskola - Antal elever per årskurs 2025 Skolenhet.csv"),
    ("read_underlag_for_analys", "skolverket_underlag_for_analys/Underlag_for_analys_grundskola_2024_25.xlsx"),
    ("read_underlag_for_analys", "skolverket_underlag_for_analys/underlag_for_analys_grundskola_2024_25_wide.csv"),
    ("read_grade9_results", "skolverket_slutbetyg_ak9/Grundskola - Slutbetyg årskurs 9, samtliga elever 2025 Skolenhet.csv"),
    ("read_skolkarta", "skolverket_planned_educations_api/skolkarta_grundskolor_ak9_2024_25.csv"),
    ("read_pe_statistics", "skolverket_planned_educations_api/pe_statistics_gr_long.csv"),
    ("read_skolenkaten_api", "skolinspektionen_skolenkaten/skolenkaten_api_grundskola_medelvarden.csv"),
    ("read_skolenkaten_excel", "skolinspektionen_skolenkaten/excelrapport-elever-grundskola-ak-8-2022.xlsx"),
]


def _median(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="likvard-bench-cache-"))
    os.environ["LIKVARD_CACHE_DIR"] = str(tmp / "cache")
    import pandas as pd

    import likvard.sources.skolverket as sk
    from likvard.paths import real_data_dir
    from likvard.report.published import load_published

    data = args.data or real_data_dir()
    if data is None:
        print("Hittar inte de publicerade filerna (../shared/data/real); ange --data.")
        return
    print(f"Belastning (load average) vid start: {os.getloadavg()[0]:.1f} på {os.cpu_count()} kärnor", flush=True)
    print(f"{'fil':58} {'tolkas':>8} {'cache':>8} {'kvot':>6}")
    total_parse = total_cache = 0.0
    for name, rel in READERS:
        reader = getattr(sk, name)
        path = data / rel
        parse = _median(lambda r=reader, p=path: r.uncached(p), args.repeats)
        first = reader(path)  # parse and store
        warm = _median(lambda r=reader, p=path: r(p), args.repeats)
        pd.testing.assert_frame_equal(first, reader(path), check_exact=True)
        total_parse += parse
        total_cache += warm
        print(f"{path.name[:58]:58} {parse * 1000:7.0f}ms {warm * 1000:7.0f}ms {parse / warm:5.1f}×", flush=True)
    print(f"{'summa':58} {total_parse * 1000:7.0f}ms {total_cache * 1000:7.0f}ms {total_parse / total_cache:5.1f}×")

    os.environ["LIKVARD_NO_CACHE"] = "1"
    uncached = _median(lambda: load_published(data, "0180"), args.repeats)
    del os.environ["LIKVARD_NO_CACHE"]
    shutil.rmtree(tmp / "cache", ignore_errors=True)
    t = time.perf_counter()
    load_published(data, "0180")
    cold = time.perf_counter() - t
    warm = _median(lambda: load_published(data, "0180"), args.repeats)
    print(f"Rapportens inläsning (report.published.load_published, 0180): utan cache {uncached:.2f} s, "
          f"första med tom cache {cold:.2f} s, varm cache {warm:.2f} s, kvot {uncached / warm:.1f}×", flush=True)

    likvard = str(Path(sys.executable).with_name("likvard"))
    env = dict(os.environ, LIKVARD_CACHE_DIR=str(tmp / "cache-cmd"), LIKVARD_FORBERED="0")
    cmd = [likvard, "rapport", "--data", str(data), "--kommun", "0180", "--ut", str(tmp / "ut")]
    subprocess.run([likvard, "forbered"], env=env, capture_output=True, check=True)  # kernels out of the way
    runs = []
    for k in range(1 + args.repeats):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=True)
        runs.append(time.perf_counter() - t)
        if k == 0:
            print(f"'likvard rapport --kommun 0180', tom tabellcache: {runs[0]:.1f} s", flush=True)
    warm_cmd = statistics.median(runs[1:])
    nocache = dict(env, LIKVARD_NO_CACHE="1")
    t = time.perf_counter()
    subprocess.run(cmd, env=nocache, capture_output=True, check=True)
    ref = time.perf_counter() - t
    print(f"'likvard rapport --kommun 0180', varm cache: median {warm_cmd:.1f} s (mål 4 s, kvot {warm_cmd / 4:.2f}); "
          f"utan cache {ref:.1f} s", flush=True)
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(f"Största minnesanvändning (en process): {peak / 1024:.0f} MB")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
