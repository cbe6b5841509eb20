"""Benchmark of the segregation engine against PySAL's ``segregation`` on the same tables.

Run: ``python benchmarks/bench_segregation.py [--data DIR]`` (DIR = Skolverket's files, for the
last benchmark). Prints medians (ms) of Likvärd and PySAL and their ratio. PySAL's multigroup
Gini builds an n x n distance matrix (O(n^2) memory: 6 GB at 16,000 units), so it is only run
at 4,000 units; at 64,000 units PySAL runs the other six multigroup indices. The random-allocation
baseline drawn per school is compared with shuffling every student (the method it replaced) on the
same table, with the mean M of both beside the exact expectation.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
import pandas as pd

from likvard.segregation import (
    bootstrap,
    change,
    expected_m_random,
    indices,
    random_baseline,
)
from likvard.segregation.inference import random_allocation_replicates

warnings.filterwarnings("ignore")


def table(n: int, k: int = 3, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(20, 450, n)
    mix = rng.dirichlet(np.ones(k) * 2, n)
    counts = np.array([rng.multinomial(s, m) for s, m in zip(sizes, mix)], dtype=float)
    return pd.DataFrame(counts, columns=[f"g{j}" for j in range(k)])


def table_sized(n: int, students: int, k: int = 3, seed: int = 0) -> pd.DataFrame:
    """n schools holding ``students`` in all (sizes multinomial), Dirichlet compositions."""
    rng = np.random.default_rng(seed)
    sizes = rng.multinomial(students - 2 * n, rng.dirichlet(np.ones(n) * 5)) + 2
    mix = rng.dirichlet(np.ones(k) * 2, n)
    counts = np.array([rng.multinomial(s, q) for s, q in zip(sizes, mix)], dtype=float)
    return pd.DataFrame(counts, columns=[f"g{j}" for j in range(k)])


def shuffled_m(df: pd.DataFrame, n_rep: int, seed: int) -> list[float]:
    """Reference: M of random allocations made by shuffling every student's group label."""
    arr = df.to_numpy().astype(np.int64)
    school = np.repeat(np.arange(arr.shape[0]), arr.sum(axis=1))
    labels = np.repeat(np.tile(np.arange(arr.shape[1]), arr.shape[0]), arr.ravel())
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_rep):
        tab = np.bincount(school * arr.shape[1] + rng.permutation(labels), minlength=arr.size)
        out.append(indices(pd.DataFrame(tab.reshape(arr.shape).astype(float)))["mutual_information"])
    return out


def closed_form(df: pd.DataFrame) -> float:
    arr = df.to_numpy()
    return (len(arr) - 1) * (arr.shape[1] - 1) / (2 * (arr.sum() - 1))


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def extra_peak_mb(fn) -> float:
    """Peak resident memory above the level before ``fn`` (Linux: reset the high-water mark first)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return float("nan")
    before = _status_kb("VmRSS:")
    fn()
    return (_status_kb("VmHWM:") - before) / 1024


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def pysal_all(df: pd.DataFrame, with_gini: bool) -> None:
    from segregation import multigroup as mg

    groups = list(df.columns)
    classes = [
        mg.MultiDissim,
        mg.MultiDivergence,
        mg.MultiInfoTheory,
        mg.MultiNormExposure,
        mg.MultiRelativeDiversity,
        mg.MultiSquaredCoefVar,
    ] + ([mg.MultiGini] if with_gini else [])
    for cls in classes:
        _ = cls(df, groups=groups).statistic


def row(label: str, ours: float, ref: float | None, target: str) -> None:
    ratio = f"{ref / ours:8.1f}x" if ref else "        -"
    ref_s = f"{ref:10.2f}" if ref else "         -"
    print(f"{label:<52} {ours:10.2f} {ref_s} {ratio}   {target}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--data",
        default=None,
        help="folder with Skolverket's 'Antal elever per årskurs' files",
    )
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    indices(table(50))  # compile / load the numba cache
    bootstrap(table(50), n_replications=4, seed=0)
    random_baseline(table(50), n_replications=4, seed=0)

    print(
        f"{'benchmark':<52} {'Likvärd ms':>10} {'PySAL ms':>10} {'speed-up':>9}   target"
    )
    big = table(64_000, seed=2)
    indices(big)
    extra_mb = extra_peak_mb(lambda: indices(big))
    ours64 = median_ms(lambda: indices(big), args.repeat)
    small = table(4_000, seed=1)
    ours4 = median_ms(lambda: indices(small), max(args.repeat, 21))
    ref4 = median_ms(lambda: pysal_all(small, with_gini=True), 3)
    row("all indices, 4,000 x 3 (PySAL incl. Gini)", ours4, ref4, "< 5 ms")
    ref64 = median_ms(lambda: pysal_all(big, with_gini=False), 3)
    row("all indices, 64,000 x 3 (PySAL without Gini)", ours64, ref64, "< 100 ms")
    print(f"  extra peak memory for 64,000 x 3: {extra_mb:.1f} MB (target < 100 MB)")
    t5 = table(5_000, seed=3)
    boot = median_ms(lambda: bootstrap(t5, n_replications=1000, seed=1), 3)
    row(
        "1,000 bootstrap replicates, 5,000 x 3",
        boot,
        None,
        "< 1000 ms (Elbers' R package ~5,700 ms)",
    )

    # random-allocation baseline: drawn per school (multivariate hypergeometric) against shuffling
    # every student (the method it replaced), same table and number of replications
    for label, tab in (("150 schools, 100,000 students", table_sized(150, 100_000, seed=5)),
                       ("5,000 schools, 1.1 M students", table_sized(5_000, 1_100_000, seed=6))):
        ours_t = median_ms(lambda t=tab: random_allocation_replicates(t, n_replications=200, seed=1), 3)
        ref_t = median_ms(lambda t=tab: shuffled_m(t, 20, seed=1), 1) * 10
        ours_m = random_allocation_replicates(tab, n_replications=1000, seed=2)["mutual_information"]
        ref_m = np.array(shuffled_m(tab, 200, seed=3))
        row(f"random baseline, 200 replicates, {label}", ours_t, ref_t, "shuffle every student (x10 from 20)")
        print(f"  mean M: per school {ours_m.mean():.6f} (sd {ours_m.std():.6f}), shuffled {ref_m.mean():.6f} "
              f"(sd {ref_m.std():.6f}), exact {expected_m_random(tab):.6f}")
    small = table_sized(400, 1_400, seed=7)  # schools of 2-5 students
    exact_t = median_ms(lambda: expected_m_random(small), 5)
    print(f"  schools of 2-5 students: exact E[M] {expected_m_random(small):.4f} in {exact_t:.1f} ms; closed form "
          f"{closed_form(small):.4f}")
    b1, b2 = table(150, seed=8), table(150, seed=9)
    change(b1, b2)
    row("change() decomposition (Elbers), 150 x 3 twice", median_ms(lambda: change(b1, b2), 5), None, "-")

    if args.data:
        from likvard.segregation.published import published_indices

        try:
            from likvard.sources.skolverket import read_composition_series
        except ImportError:
            print("published files: likvard.sources.skolverket is not installed; benchmark not run")
            return

        def published() -> None:
            comp = read_composition_series(args.data)
            published_indices(comp)
            published_indices(comp, by=None)

        t = median_ms(published, 3)
        row(
            "all municipalities x all years, read from the files",
            t,
            None,
            "< 10,000 ms",
        )


if __name__ == "__main__":
    main()
