"""Benchmark: every municipality's report in one run against separate calls, and one warm report.

1. ``likvard rapport --data DIR --kommun alla`` (every municipality's report plus the national
   overview, one read of the files, worker processes on every core). Target: under 5 minutes.
2. ``likvard rapport --data DIR --kommun 0180`` with warm caches (parsed files and compiled
   kernels), median of ``--repeat``. Target: under 4 s.
3. Reference: separate ``likvard rapport --kommun KOD`` calls, what a national run cost before.
   A few municipalities drawn at random (``--reference-sample``, seeded) are timed and the total
   for all of them is extrapolated (mean time per call × number of municipalities), printed as
   an extrapolation.

Peak memory is the largest resident memory of the process tree (the command and its workers
together), sampled every 50 ms. Default settings everywhere (200 replications, 90 % intervals).

    python benchmarks/bench_national.py [--data ../shared/data/real] [--skip-national]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from _memory import tree_rss


class TreePeak:
    """Largest summed RSS of a process and its descendants, sampled every 50 ms."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, tree_rss(self.pid))
            except psutil.Error:
                pass
            time.sleep(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


CPU = [0.0]
"""CPU seconds (user + system) of the last command and all its workers."""


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd: list[str]) -> tuple[float, float, str]:
    """(seconds, peak MB of the process tree, output) of one command; its CPU time in ``CPU[0]``."""
    cpu = _children_cpu()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "COLUMNS": "120"})
    mem = TreePeak(proc.pid)
    out, _ = proc.communicate()
    seconds = time.perf_counter() - t
    peak = mem.stop() / 2**20
    CPU[0] = _children_cpu() - cpu
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} misslyckades ({proc.returncode}):\n{out[-3000:]}")
    return seconds, peak, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=None, help="Mappen med Skolverkets filer (förval ../shared/data/real).")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reference-sample", type=int, default=4)
    parser.add_argument("--skip-national", action="store_true")
    args = parser.parse_args()
    from likvard.paths import real_data_dir

    data = Path(args.data) if args.data else real_data_dir()
    if data is None or not data.is_dir():
        print("Verkliga data saknas (../shared/data/real): inget att mäta.")
        return
    print(f"Belastning vid start (1, 5, 15 min): {os.getloadavg()}; {os.cpu_count()} kärnor")
    likvard = str(Path(sys.executable).with_name("likvard"))
    from likvard.report.national import municipalities, published_files

    codes = municipalities(published_files(data))["municipality_code"].tolist()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([likvard, "forbered"], check=True, capture_output=True)
        one = [likvard, "rapport", "--data", str(data), "--kommun", "0180", "--ut", f"{tmp}/en"]
        run(one)  # warm the parsed cache
        warm, cpus = [], []
        for _ in range(args.repeat):
            warm.append(run(one))
            cpus.append(CPU[0])
        t_one = statistics.median(w[0] for w in warm)
        print(f"rapport --kommun 0180, varm cache: median {t_one:.2f} s av {args.repeat} (mål < 4 s; "
              f"processortid {statistics.median(cpus):.2f} s); toppminne {max(w[1] for w in warm):,.0f} MB")
        sample = random.Random(2026).sample(codes, min(args.reference_sample, len(codes)))
        ref, ref_cpu = [], []
        for code in sample:
            s, _, _ = run([likvard, "rapport", "--data", str(data), "--kommun", code, "--ut", f"{tmp}/ref"])
            ref.append(s)
            ref_cpu.append(CPU[0])
            print(f"  referens: rapport --kommun {code} separat: {s:.2f} s (processortid {CPU[0]:.2f} s)")
        per_call = statistics.mean(ref)
        extrapolated = per_call * len(codes)
        cpu_extrapolated = statistics.mean(ref_cpu) * len(codes)
        print(f"Referens, {len(codes)} separata anrop (uppräknat från {len(sample)} slumpvalda kommuner, "
              f"{per_call:.2f} s per anrop): ≈ {extrapolated:,.0f} s = {extrapolated / 60:.1f} min; "
              f"processortid ≈ {cpu_extrapolated:,.0f} s")
        if args.skip_national:
            return
        s, peak, out = run([likvard, "rapport", "--data", str(data), "--kommun", "alla", "--ut", f"{tmp}/alla"])
        done = next((line for line in out.splitlines() if line.startswith("Rapporter för")), "")
        print(f"rapport --kommun alla: {s:.1f} s = {s / 60:.2f} min (mål < 5 min); toppminne (alla processer) "
              f"{peak:,.0f} MB; {done.strip()}")
        print(f"  processortid (alla processer) {CPU[0]:,.0f} s, dvs. {CPU[0] / (os.cpu_count() or 1):,.0f} s "
              f"väggtid på {os.cpu_count()} lediga kärnor")
        print(f"kvot referens (uppräknad) / en körning: {extrapolated / s:.1f} i väggtid, "
              f"{cpu_extrapolated / CPU[0]:.1f} i processortid")
        print(f"Belastning vid slut: {os.getloadavg()}")


if __name__ == "__main__":
    main()
