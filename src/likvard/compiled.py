"""Compile Likvärd's numba kernels once, into the user's cache folder, and say so while it happens.

numba compiles a kernel the first time it is called with a given set of argument types; with
``cache=True`` the machine code is kept under ``NUMBA_CACHE_DIR``, which ``likvard/__init__`` points
at ``likvard.paths.user_cache_dir() / "numba"`` (never the installed package). ``prepare()`` runs
small calls of the public engines (segregation indices, bootstrap, random baseline, the placement
mechanisms and lotteries, the choice model, the demo generator) that reach every kernel with the
argument types the engines themselves pass, so the one compile serves every later run. A stamp file
records the versions and kernel source files it was made for; ``is_prepared()`` reads it without
importing numba (it is called before every command of the CLI).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import likvard

# Modules whose kernels prepare() reaches; a test checks that every module of the package that
# defines a cached numba kernel is listed here.
KERNEL_MODULES = (
    "likvard.segregation._kernels",
    "likvard.segregation._random",
    "likvard.segregation.inference",
    "likvard.segregation.change",
    "likvard.placement.mechanisms",
    "likvard.placement.simulate",
    "likvard.placement.choice_model",
    "likvard.evaluation.simplex",
)


@dataclass(frozen=True)
class Step:
    """One warm-up step: a Swedish label for the progress bar and the calls it makes."""

    label: str
    run: Callable[[], None]


@dataclass
class PrepareResult:
    """What ``prepare`` did: kernels compiled now, steps run, time taken, where the cache is."""

    compiled: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cache_dir: Path | None = None
    stamp: Path | None = None


def numba_cache_dir() -> Path | None:
    """The folder numba caches kernels in (None when kernels are compiled in memory only)."""
    folder = os.environ.get("NUMBA_CACHE_DIR")
    return Path(folder) if folder else None


def _package_dir() -> Path:
    return Path(likvard.__file__).resolve().parent


def _stamp_path() -> Path | None:
    folder = numba_cache_dir()
    if folder is None:
        return None
    where = hashlib.sha256(str(_package_dir()).encode()).hexdigest()[:12]
    return folder / f"likvard-forberedd-{where}.json"


def _numba_install() -> list:
    """Where numba is installed and its ``__init__.py``'s size and time (changes on every upgrade;
    found without importing numba or reading package metadata, which are slow)."""
    from importlib.util import find_spec

    spec = find_spec("numba")
    if spec is None or spec.origin is None:
        return []
    st = os.stat(spec.origin)
    return [spec.origin, st.st_size, st.st_mtime_ns]


def _kernel_files() -> dict[str, list[int]]:
    """Size and modification time of each kernel module's source (numba's own cache key)."""
    out = {}
    root = _package_dir()
    for name in (*KERNEL_MODULES, __name__):  # this module too: it says which calls warm up
        path = root.joinpath(*name.split(".")[1:]).with_suffix(".py")
        st = path.stat()
        out[str(path.relative_to(root))] = [st.st_size, st.st_mtime_ns]
    return out


def _fingerprint() -> dict:
    return {
        "likvard": likvard.__version__,
        "numba": _numba_install(),
        "python": sys.version.split()[0],
        "kernel_files": _kernel_files(),
    }


def is_prepared() -> bool:
    """True when ``prepare()`` has run for this installation, these versions and these kernel
    sources (and the cache is still there). Cheap: reads one small file, never imports numba."""
    stamp = _stamp_path()
    if stamp is None or not stamp.is_file():
        return False
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
        return recorded.get("fingerprint") == _fingerprint()
    except (OSError, ValueError, FileNotFoundError):
        return False


# -- warm-up workloads -------------------------------------------------------------------------


def _tiny_authority():
    from likvard.demo import generate_exempelstad

    return generate_exempelstad(n_years=2, scale=0.05)


def _count_tables():
    """Count tables as the analyses build them (DataFrames of ints and of floats, 2 and 4 groups)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    four = pd.DataFrame(rng.integers(0, 40, size=(12, 4)), columns=list("abcd"))
    two = pd.DataFrame(rng.integers(0, 40, size=(12, 2)), columns=["x", "y"])
    return [four, two, four.astype(float), two.astype(float)]


def _step_indices() -> None:
    from likvard.segregation import indices

    for table in _count_tables():
        indices(table)


def _step_bootstrap() -> None:
    from likvard.segregation import bootstrap

    for table in _count_tables():
        bootstrap(table, n_replications=2, seed=1)


def _step_random_baseline() -> None:
    from likvard.segregation import random_baseline

    for table in _count_tables():
        random_baseline(table, n_replications=2, seed=1)


def _step_placement() -> None:
    from likvard.placement import (
        Quota,
        Scenario,
        apply_scenario,
        build_market,
        simulate,
    )

    warnings.simplefilter("ignore", RuntimeWarning)  # the tight scenario leaves measures undefined
    data = _tiny_authority()
    year = int(data.students["school_year"].max())
    beta = dict(data.truth["choice_parameters"])
    market = build_market(data.schools, data.students, data.choices, year, 0)
    for mechanism in ("deferred_acceptance", "immediate_acceptance", "top_trading_cycles"):
        for lottery in ("single", "per_school"):
            scenario = Scenario(name=f"{mechanism}-{lottery}", mechanism=mechanism, lottery=lottery)
            simulate(apply_scenario(market, scenario), n_replications=1, seed=1, beta=beta)
    quota = Scenario(name="kvot", quota=Quota("newly_arrived", 0.1))
    simulate(apply_scenario(market, quota), n_replications=1, seed=1, beta=beta)
    simulate(market, n_replications=1, seed=1, beta=None)  # the families' observed lists
    # too few seats: students left over are placed administratively
    tight = Scenario(name="trångt", n_choices=1, capacities={sid: 2 for sid in market.school_ids})
    simulate(apply_scenario(market, tight), n_replications=1, seed=1, beta=beta)


def _step_mechanisms() -> None:
    """The mechanisms on their own: ranks per listed pair and dense ranks (both checks of ties),
    reserved seats, and dense lottery ranks."""
    import numpy as np

    from likvard.placement import assign_arrays
    from likvard.placement.simulate import LotteryRanks

    pref = np.array([[0, 1], [1, 0], [0, -1]], dtype=np.int64)
    pair = np.array([[0, 1], [0, 1], [2, -1]], dtype=np.int64)
    dense = np.array([[0, 2, 1], [1, 0, 2]], dtype=np.int64)
    cap = np.array([1, 2], dtype=np.int64)
    for mechanism in ("deferred_acceptance", "immediate_acceptance", "top_trading_cycles"):
        assign_arrays(pref, pair, cap, mechanism=mechanism)
        assign_arrays(pref, dense, cap, mechanism=mechanism)
    assign_arrays(pref, pair, cap, reserved=np.array([1, 0]), reserve_eligible=np.array([True, False, True]))
    # the check of ties for markets too wide for a bitmap (sorting each school's ranks)
    from likvard.placement import mechanisms

    ptr, students, ranks = mechanisms._school_lists(pref.astype(np.int32), pair, 2)
    mechanisms._first_tie(ptr, students, ranks)
    rng = np.random.default_rng(0)
    for lottery in ("single", "per_school"):
        ranks_ = LotteryRanks(np.zeros((2, 3)), lottery)
        ranks_.draw(rng)
        ranks_.draw_pairs(pref, rng)


def _step_change() -> None:
    import pandas as pd

    from likvard.segregation import change

    before = pd.DataFrame({"a": [10, 5, 0], "b": [2, 8, 6]}, index=["x", "y", "z"])
    after = pd.DataFrame({"a": [12, 3, 1], "b": [1, 9, 7]}, index=["x", "y", "w"])
    change(before, after)
    change(before.astype(float), after.astype(float))


def _step_evaluation() -> None:
    import numpy as np

    from likvard.evaluation.simplex import simplex_weights

    rng = np.random.default_rng(0)
    simplex_weights(rng.normal(size=4), rng.normal(size=(4, 6)))
    simplex_weights(rng.normal(size=4), rng.normal(size=(4, 6)), penalty=0.1, ridge=1e-6)


def _step_bytecode() -> None:
    """Python's bytecode of the package's modules, as ``pip install`` writes it for a regular
    install (an editable install has none, and with ``PYTHONDONTWRITEBYTECODE`` every command
    would compile every module again); only stale files are written, and nothing where the package
    folder is not writable."""
    import compileall

    folder = _package_dir()
    if os.access(folder, os.W_OK):
        compileall.compile_dir(str(folder), quiet=2, workers=1)


STEPS = (
    Step("Pythonkod", _step_bytecode),
    Step("Demokommun och skolval", _tiny_authority),
    Step("Segregationsindex", _step_indices),
    Step("Bootstrap", _step_bootstrap),
    Step("Slumpfördelning", _step_random_baseline),
    Step("Placering", _step_placement),
    Step("Placeringsmekanismer", _step_mechanisms),
    Step("Förändringens uppdelning", _step_change),
    Step("Effektutvärdering", _step_evaluation),
)


class _CompileWatcher:
    """Listens to numba's compile events: names of the kernels compiled (not loaded from cache)."""

    def __init__(self, on_compile: Callable[[str], None] | None) -> None:
        from numba.core import event

        self.names: list[str] = []
        self._depth = 0
        self._on_compile = on_compile
        listener = self

        class _Listener(event.Listener):
            def on_start(self, ev) -> None:
                listener._depth += 1
                fn = ev.data["dispatcher"].py_func
                name = f"{fn.__module__}.{fn.__qualname__}"
                if fn.__module__.startswith("likvard.") and listener._on_compile is not None:
                    listener._on_compile(name)

            def on_end(self, ev) -> None:
                listener._depth -= 1
                fn = ev.data["dispatcher"].py_func
                if fn.__module__.startswith("likvard."):
                    listener.names.append(f"{fn.__module__}.{fn.__qualname__}")

        self._listener = _Listener()
        self._event = event

    def __enter__(self) -> Self:
        self._event.register("numba:compile", self._listener)
        return self

    def __exit__(self, *exc) -> None:
        self._event.unregister("numba:compile", self._listener)


def _lock_path() -> Path | None:
    stamp = _stamp_path()
    return stamp.with_suffix(".lock") if stamp is not None else None


def prepare(
    on_step: Callable[[int, int, str], None] | None = None,
    on_compile: Callable[[str], None] | None = None,
) -> PrepareResult:
    """Compile (or load from the cache) every kernel and write the stamp.

    ``on_step(k, n, label)`` is called before step k of n, ``on_compile(kernel)`` when numba starts
    compiling a kernel of Likvärd's (for progress bars). Runs under a file lock, so two processes
    never compile the same kernel into the cache at the same time.
    """
    from filelock import FileLock

    started = time.perf_counter()
    result = PrepareResult(cache_dir=numba_cache_dir(), stamp=_stamp_path())
    lock_path = _lock_path()
    lock = FileLock(str(lock_path)) if lock_path is not None else None
    if lock is not None:
        lock.acquire()
    try:
        with _CompileWatcher(on_compile) as watcher:
            for k, step in enumerate(STEPS):
                if on_step is not None:
                    on_step(k, len(STEPS), step.label)
                with warnings.catch_warnings():
                    step.run()
                result.steps.append(step.label)
        result.compiled = watcher.names
        if result.stamp is not None:
            payload = {"fingerprint": _fingerprint(), "kernels_compiled": len(watcher.names),
                       "created": time.strftime("%Y-%m-%d %H:%M:%S")}
            tmp = result.stamp.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(json.dumps(payload, indent=1), encoding="utf-8")
            os.replace(tmp, result.stamp)
    finally:
        if lock is not None:
            lock.release()
    result.seconds = time.perf_counter() - started
    return result


def kernel_dispatchers() -> dict[str, object]:
    """Every numba kernel with an on-disk cache in the kernel modules, by qualified name."""
    import importlib

    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher

    out = {}
    for name in KERNEL_MODULES:
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            cached = isinstance(value, Dispatcher) and not isinstance(getattr(value, "_cache", None), NullCache)
            if cached and value.py_func.__module__ == name:
                out[f"{name}.{attr}"] = value
    return out


