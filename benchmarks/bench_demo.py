"""Benchmark the demo: the generators (Exempelstad at scale 1 and 4, the national set) and the
first ``likvard demo`` after a fresh install, as a person sees it in a terminal.

Run: ``python benchmarks/bench_demo.py [--bara-generatorer | --bara-forsta-korningen]``.

Generators: median wall time over repeats and peak memory (``resource``). Targets: Exempelstad at
scale 1 in a few seconds; the national set (5,000 schools, 1.1 million students) under 30 s.

First run: ``likvard demo`` in a pseudo-terminal (so progress bars draw as for a person) with empty
caches (a fresh ``LIKVARD_CACHE_DIR``): the whole time, the longest stretch with no output at all
(and the text shown just before it) and peak memory; then the same command again (warm caches);
then the README's install steps, ``likvard forbered`` and ``likvard demo``, on fresh caches; and
``likvard --help``. Targets: first demo under 15 s with no wait over 2 s without a message or
progress; later runs (the median of three) under 8 s; ``--help`` under 0.3 s. The reference is the warm run measured in
the same run (the difference is what compiling costs).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _memory import tree_rss

from likvard.demo import generate_exempelstad, generate_national


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def generators() -> None:
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


LIKVARD = str(Path(sys.executable).with_name("likvard"))
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")


def in_terminal(argv: list[str], env: dict[str, str], cwd: Path) -> dict:
    """Run ``argv`` in a pseudo-terminal of 120 columns; time it and find its longest silence."""
    import fcntl
    import pty
    import struct
    import termios

    pid, fd = pty.fork()
    if pid == 0:  # the child: the command, as if started in a terminal
        os.chdir(cwd)
        os.execve(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    start = last = sampled = time.perf_counter()
    longest, before, text, tree_peak = 0.0, "", b"", 0
    while True:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if time.perf_counter() - sampled > 0.2:  # the command and its second process together
            tree_peak = max(tree_peak, _tree_rss_or_zero(pid))
            sampled = time.perf_counter()
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        now = time.perf_counter()
        if now - last > longest:
            longest = now - last
            shown = [ln.strip() for ln in ANSI.sub("\n", text.decode("utf-8", "replace")).splitlines() if ln.strip()]
            before = shown[-1] if shown else "(start)"
        last = now
        text += data
    _, status = os.waitpid(pid, 0)
    return {"seconds": time.perf_counter() - start, "longest": longest, "before": before,
            "ok": os.waitstatus_to_exitcode(status) == 0,
            "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            "tree_peak_mb": tree_peak / 2**20}


def _tree_rss_or_zero(pid: int) -> int:
    import psutil

    try:
        return tree_rss(pid)
    except psutil.Error:  # the command has just ended
        return 0


def _report(label: str, r: dict, target: float | None = None) -> None:
    goal = f" (mål {target:.0f} s, kvot {r['seconds'] / target:.2f})" if target else ""
    print(f"{label}: {r['seconds']:.1f} s{goal}; längsta tystnad {r['longest']:.1f} s efter "
          f"\"{r['before'][:90]}\"; {'klar' if r['ok'] else 'MISSLYCKADES'}", flush=True)


WARM_RUNS = 3


def first_run() -> None:
    work = Path(tempfile.mkdtemp(prefix="likvard-bench-demo-"))
    base = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "LIKVARD_CACHE_DIR", "COLUMNS")}
    base["TERM"] = "xterm-256color"
    print(f"Belastning (load average) vid start: {os.getloadavg()[0]:.1f} på {os.cpu_count()} kärnor", flush=True)
    try:
        cold = dict(base, LIKVARD_CACHE_DIR=str(work / "cache-a"))
        r1 = in_terminal([LIKVARD, "demo"], cold, work)
        _report("Första 'likvard demo' utan förberedda kärnor (de kompileras med förloppsindikator)", r1, 15)
        warm = [in_terminal([LIKVARD, "demo"], cold, work) for _ in range(WARM_RUNS)]
        for i, r in enumerate(warm, 1):
            _report(f"  Nästa 'likvard demo', körning {i}", r)
        r2 = sorted(warm, key=lambda r: r["seconds"])[len(warm) // 2]
        _report(f"Nästa 'likvard demo' (kärnor och tabeller i cachen), median av {WARM_RUNS}", r2, 8)
        print(f"  Kompilering vid första körningen: {r1['seconds'] - r2['seconds']:.1f} s", flush=True)
        fresh = dict(base, LIKVARD_CACHE_DIR=str(work / "cache-b"))
        r3 = in_terminal([LIKVARD, "forbered"], fresh, work)
        _report("Installationens 'likvard forbered' (tomma cacher)", r3)
        r4 = in_terminal([LIKVARD, "demo"], fresh, work)
        _report("Första 'likvard demo' efter installationen", r4, 15)
        helps = []
        for _ in range(5):
            t = time.perf_counter()
            subprocess.run([LIKVARD, "--help"], env=fresh, capture_output=True, check=True)
            helps.append(time.perf_counter() - t)
        print(f"'likvard --help': median {statistics.median(helps):.2f} s (mål 0,3 s)", flush=True)
        print(f"Största minnesanvändning i en körning: {max(r['peak_mb'] for r in (r1, *warm, r3, r4)):.0f} MB i en process, "
              f"{max(r['tree_peak_mb'] for r in (r1, *warm, r3, r4)):.0f} MB för kommandot och dess andra process tillsammans")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--bara-generatorer", action="store_true")
    group.add_argument("--bara-forsta-korningen", action="store_true")
    args = ap.parse_args()
    if not args.bara_forsta_korningen:
        generators()
    if not args.bara_generatorer:
        first_run()


if __name__ == "__main__":
    main()
