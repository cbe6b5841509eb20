"""Benchmark of the placement mechanisms against references on the same instances in one run.

1. Deferred acceptance, 20,000 students x 60 schools: Likvärd (ranks per listed pair, and the dense
   schools x students form) against the ``matching`` library (``HospitalResident``,
   resident-optimal); the same matching is asserted. Target: under 65 ms.
2. National placement, 1.1 million students, 5,000 schools, 5 choices each, ranks per listed pair:
   deferred acceptance with every argument check, against a plain-Python student-proposing
   deferred acceptance (a heap per school) on the same instance; the same matching is asserted.
   Targets: under 5 s and under 2 GB peak memory.
3. Top trading cycles, 20,000 x 60: Likvärd against the round-based implementation it replaced
   (every round, every student and school points again and all cycles are cleared), run at
   ``--ttc-reference-students`` (default 4,000, where it takes seconds; 20,000 takes minutes);
   the same assignment is asserted at that size. Target: 20,000 x 60 under 0.1 s.

Instances: every student ranks 5 schools drawn by popularity without replacement, schools rank
their applicants by a lottery number per student, capacities cover 110 % of the students. Peak
memory is the resident-set high-water mark during the call above the level before it (Linux), and
the process's peak.

    python benchmarks/bench_placement.py [--repeat 5] [--skip-national-reference]
"""

from __future__ import annotations

import argparse
import heapq
import resource
import statistics
import sys
import time

import numba
import numpy as np

from likvard.placement.mechanisms import assign_arrays


@numba.njit(cache=True)
def _distinct_first(cand, k):  # pragma: no cover - compiled
    n, c = cand.shape
    out = np.full((n, k), -1, np.int32)
    ok = np.ones(n, np.bool_)
    for i in range(n):
        f = 0
        for j in range(c):
            s = cand[i, j]
            dup = False
            for t in range(f):
                if out[i, t] == s:
                    dup = True
                    break
            if not dup:
                out[i, f] = s
                f += 1
                if f == k:
                    break
        ok[i] = f == k
    return out, ok


def instance(n: int, m: int, k: int = 5, seed: int = 0):
    """(pref, pair_rank, dense_rank or None, capacity): popularity-weighted lists, one lottery
    number per student deciding every school's order; dense ranks only when n * m is small."""
    rng = np.random.default_rng(seed)
    popularity = rng.gamma(2.0, 1.0, m)
    p = popularity / popularity.sum()
    pref, ok = _distinct_first(rng.choice(m, size=(n, 4 * k), p=p).astype(np.int32), k)
    while not ok.all():
        redo = np.flatnonzero(~ok)
        pref[redo], ok[redo] = _distinct_first(rng.choice(m, size=(len(redo), 8 * k), p=p).astype(np.int32), k)
    lottery = rng.permutation(n)
    school = pref.ravel()
    order = np.lexsort((np.repeat(lottery, k), school))
    starts = np.searchsorted(school[order], np.arange(m))
    pair_rank = np.empty(n * k, np.int32)
    pair_rank[order] = np.arange(n * k) - starts[school[order]]
    pair_rank = pair_rank.reshape(n, k)
    dense = None
    if n * m <= 20_000_000:
        dense = np.tile(lottery.astype(np.int32), (m, 1))  # a school's rank of student i is i's lottery number
    cap = np.full(m, int(np.ceil(1.1 * n / m)), dtype=np.int32)
    return pref, pair_rank, dense, cap


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def peak_mb(fn):
    """(result, extra peak MB during ``fn``, process peak MB)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        before = _status_kb("VmRSS:")
    except OSError:
        before = -1
    out = fn()
    extra = (_status_kb("VmHWM:") - before) / 1024 if before >= 0 else float("nan")
    return out, extra, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median_time(fn, repeat: int):
    fn()  # compile (numba caches on disk after the first run)
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def time_matching(pref, pair_rank, cap) -> tuple[float, list]:
    from matching.games import HospitalResident

    sys.setrecursionlimit(max(10_000, 4 * len(pref)))
    n, m = len(pref), len(cap)
    applicants: list[list[tuple[int, int]]] = [[] for _ in range(m)]
    for i in range(n):
        for s, r in zip(pref[i], pair_rank[i], strict=True):
            applicants[s].append((r, i))
    t = time.perf_counter()
    game = HospitalResident.create_from_dictionaries(
        {f"r{i}": [f"h{s}" for s in pref[i]] for i in range(n)},
        {f"h{s}": [f"r{i}" for _, i in sorted(applicants[s])] for s in range(m)},
        {f"h{s}": int(cap[s]) for s in range(m)},
    )
    solution = game.solve(optimal="resident")
    elapsed = time.perf_counter() - t
    theirs = [-1] * n
    for hospital, residents in solution.items():
        for r in residents:
            theirs[int(r.name[1:])] = int(hospital.name[1:])
    return elapsed, theirs


def python_deferred_acceptance(pref: np.ndarray, pair_rank: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Reference: student-proposing deferred acceptance in plain Python, one heap per school of
    (-rank, student) so that the worst held applicant is on top."""
    lists, ranks = pref.tolist(), pair_rank.tolist()
    caps = cap.tolist()
    held: list[list[tuple[int, int]]] = [[] for _ in caps]
    nxt = [0] * len(lists)
    result = [-1] * len(lists)
    free = list(range(len(lists) - 1, -1, -1))
    while free:
        i = free.pop()
        while nxt[i] < len(lists[i]):
            k = nxt[i]
            nxt[i] += 1
            s, r = lists[i][k], ranks[i][k]
            if s < 0:
                break
            h = held[s]
            if len(h) < caps[s]:
                heapq.heappush(h, (-r, i))
                result[i] = s
                break
            if caps[s] and -h[0][0] > r:
                _, worst = heapq.heapreplace(h, (-r, i))
                result[worst] = -1
                free.append(worst)
                result[i] = s
                break
    return np.array(result, dtype=np.int32)


def ttc_rounds(pref: np.ndarray, rank: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Reference: the round-based top trading cycles that Likvärd used before (numpy and Python)."""
    n, L = pref.shape
    m = cap.shape[0]
    result = np.full(n, -1, np.int32)
    left = cap.astype(np.int64).copy()
    active = np.ones(n, dtype=bool)
    ptr = np.zeros(n, dtype=np.int64)
    order = [np.flatnonzero(rank[s] >= 0)[np.argsort(rank[s][rank[s] >= 0], kind="stable")] for s in range(m)]
    sptr = np.zeros(m, dtype=np.int64)
    while True:
        points = np.full(n, -1, np.int64)
        for i in np.flatnonzero(active):
            while ptr[i] < L:
                s = pref[i, ptr[i]]
                if s < 0:
                    ptr[i] = L
                    break
                if left[s] > 0 and rank[s, i] >= 0:
                    points[i] = s
                    break
                ptr[i] += 1
            if points[i] < 0:
                active[i] = False
        if not active.any():
            return result
        target = np.full(m, -1, np.int64)
        for s in range(m):
            if left[s] <= 0:
                continue
            o = order[s]
            while sptr[s] < len(o) and not active[o[sptr[s]]]:
                sptr[s] += 1
            if sptr[s] < len(o):
                target[s] = o[sptr[s]]
        state = np.zeros(n, dtype=np.int8)
        for start in np.flatnonzero(active):
            path = []
            i = start
            while state[i] == 0:
                state[i] = 1
                path.append(i)
                nxt = target[points[i]]
                if nxt < 0:
                    break
                i = nxt
            if state[i] == 1 and target[points[path[-1]]] >= 0:
                cycle = path[path.index(i):]
                for j in cycle:
                    result[j] = points[j]
                    left[points[j]] -= 1
                    active[j] = False
            for j in path:
                state[j] = 2


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--matching-students", type=int, default=20_000)
    ap.add_argument("--national-students", type=int, default=1_100_000)
    ap.add_argument("--national-schools", type=int, default=5_000)
    ap.add_argument("--skip-national-reference", action="store_true")
    ap.add_argument("--ttc-reference-students", type=int, default=4_000)
    args = ap.parse_args()

    print(f"1. Uppskjuten antagning (DA), {args.matching_students:_} elever x 60 skolor, 5 val".replace("_", " "))
    pref, pr, dense, cap = instance(args.matching_students, 60, seed=1)
    t_pairs, out_pairs = median_time(lambda: assign_arrays(pref, pr, cap), args.repeat)
    t_dense, out_dense = median_time(lambda: assign_arrays(pref, dense, cap), args.repeat)
    t_ref, theirs = time_matching(pref, pr, cap)
    assert out_pairs.tolist() == theirs and out_dense.tolist() == theirs, "olika matchningar"
    print(f"   likvard, rang per val:   median {t_pairs * 1000:8.1f} ms (mål < 65 ms)")
    print(f"   likvard, skolor x elever: median {t_dense * 1000:7.1f} ms")
    print(f"   matching (referens):      {t_ref:8.1f} s   kvot {t_ref / t_pairs:,.0f}x (samma matchning)")

    n, m = args.national_students, args.national_schools
    print(f"\n2. Nationell placering (DA), {n:,} elever x {m:,} skolor, 5 val, rang per val")
    t0 = time.perf_counter()
    pref, pr, _, cap = instance(n, m, seed=2)
    print(f"   instans skapad på {time.perf_counter() - t0:.1f} s; par {pref.size:,}")
    assign_arrays(pref[:1000], pr[:1000], cap)  # compile outside the measurement
    times = []
    for _ in range(max(3, args.repeat // 2)):
        t = time.perf_counter()
        (out, extra, total) = peak_mb(lambda: assign_arrays(pref, pr, cap))
        times.append(time.perf_counter() - t)
    med = statistics.median(times)
    print(f"   likvard: median {med:.2f} s (mål < 5 s); extra toppminne {extra:,.0f} MB, processens topp "
          f"{total:,.0f} MB (mål < 2 GB)")
    if not args.skip_national_reference:
        t = time.perf_counter()
        ref = python_deferred_acceptance(pref, pr, cap)
        t_ref = time.perf_counter() - t
        assert np.array_equal(ref, out), "olika matchningar"
        print(f"   referens (Python, heap per skola): {t_ref:.1f} s   kvot {t_ref / med:,.0f}x (samma matchning)")
    print(f"   placerade {np.mean(out >= 0):.1%}, fick förstahandsval {np.mean(out == pref[:, 0]):.1%}")

    print("\n3. Toppbytescykler (TTC), 20 000 elever x 60 skolor")
    pref, pr, dense, cap = instance(20_000, 60, seed=3)
    t_pairs, _ = median_time(lambda: assign_arrays(pref, pr, cap, mechanism="top_trading_cycles"), args.repeat)
    t_dense, _ = median_time(lambda: assign_arrays(pref, dense, cap, mechanism="top_trading_cycles"), args.repeat)
    print(f"   likvard, rang per val:    median {t_pairs * 1000:7.1f} ms (mål < 100 ms)")
    print(f"   likvard, skolor x elever: median {t_dense * 1000:7.1f} ms (skolorna pekar på alla elever)")
    k = args.ttc_reference_students
    pref, pr, dense, cap = instance(k, 60, seed=4)
    t_ours, ours = median_time(lambda: assign_arrays(pref, dense, cap, mechanism="top_trading_cycles"), args.repeat)
    t = time.perf_counter()
    ref = ttc_rounds(pref, dense, cap)
    t_ref = time.perf_counter() - t
    assert np.array_equal(ref, ours), "olika tilldelningar"
    print(f"   vid {k:,} elever: likvard {t_ours * 1000:.1f} ms, tidigare rundbaserad TTC {t_ref:.1f} s, "
          f"kvot {t_ref / t_ours:,.0f}x (samma tilldelning)")


if __name__ == "__main__":
    main()
