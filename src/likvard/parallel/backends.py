"""Backends that run ``fn(task, seed)`` for many tasks: in this process, in joblib/loky worker
processes, or on a Dask distributed cluster.

``fn`` must be importable (a function defined at module level, not in ``__main__`` or a notebook
cell): workers then import it, and its numba kernels load from their cache instead of being
compiled again in every worker. Workers run one task at a time with numba limited to one thread,
so ``n`` workers use ``n`` cores.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from likvard.errors import ParameterError

Kind = Literal["serial", "joblib", "dask"]


@dataclass(frozen=True)
class Backend:
    """Where tasks run. ``n_jobs``: joblib workers (None = every core). ``address``: a Dask
    scheduler (``tcp://host:8786``). ``client``: a ``distributed.Client`` or ``LocalCluster``."""

    kind: Kind = "joblib"
    n_jobs: int | None = None
    address: str | None = None
    client: Any = None

    def describe(self) -> str:
        """A Swedish phrase naming the backend (for messages)."""
        if self.kind == "serial":
            return "i den här processen"
        if self.kind == "joblib":
            return f"på den här datorn ({self.n_jobs or os.cpu_count()} processer)"
        return f"på Dask-klustret {self.address or getattr(self.client, 'scheduler_address', '')}".strip()


def resolve_backend(spec: Backend | str | Any = "joblib", n_jobs: int | None = None) -> Backend:
    """A :class:`Backend` from ``"serial"``, ``"joblib"``, a scheduler address ``"tcp://…"``, a
    ``distributed.Client``, a ``LocalCluster`` or a ``Backend``."""
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1):
        raise ParameterError("n_jobs", f"antalet arbetare ska vara ett heltal ≥ 1, fick {n_jobs!r}")
    if isinstance(spec, Backend):
        return spec
    if isinstance(spec, str):
        if spec in ("serial", "joblib"):
            return Backend(spec, n_jobs=n_jobs)  # type: ignore[arg-type]
        if spec == "loky":
            return Backend("joblib", n_jobs=n_jobs)
        if spec.startswith(("tcp://", "tls://", "ucx://", "inproc://")):
            return Backend("dask", address=spec)
        raise ParameterError(
            "backend", f"okänt värde {spec!r}; ange 'serial', 'joblib' eller en Dask-schemaläggares adress "
            "som tcp://värd:8786"
        )
    if hasattr(spec, "submit") and hasattr(spec, "gather"):  # distributed.Client
        return Backend("dask", client=spec)
    if hasattr(spec, "scheduler_address"):  # LocalCluster, SLURMCluster …
        return Backend("dask", client=spec)
    raise ParameterError("backend", f"kan inte köra uppgifter på {type(spec).__name__}")


def _limit_threads() -> None:
    """In a worker: one numba thread per task (set before numba is imported, and after)."""
    os.environ["NUMBA_NUM_THREADS"] = "1"
    numba = sys.modules.get("numba")
    if numba is not None:
        numba.set_num_threads(1)


def _call(fn: Callable[[Any, Any], Any], index: int, task: Any, seed: Any, in_worker: bool) -> tuple[int, Any]:
    if in_worker:
        _limit_threads()
    return index, fn(task, seed)


def _dask_client(backend: Backend):
    try:
        from distributed import Client
    except ImportError:
        raise ParameterError(
            "backend", "Dask är inte installerat; installera tillägget med pip install 'likvard[kluster]'"
        ) from None
    if backend.client is not None:
        if hasattr(backend.client, "submit"):
            return backend.client, False
        return Client(backend.client), True
    try:
        return Client(backend.address, timeout="10s"), True
    except OSError as exc:
        raise ParameterError(
            "--dask", f"kunde inte ansluta till Dask-schemaläggaren {backend.address} ({exc}); "
            "kontrollera adressen och att 'dask scheduler' körs (se docs/kluster.md)"
        ) from None


def map_tasks(
    fn: Callable[[Any, Any], Any],
    tasks: Sequence[Any],
    seeds: Sequence[Any] | None = None,
    *,
    backend: Backend | str | Any = "joblib",
    n_jobs: int | None = None,
    on_result: Callable[[int, Any], None] | None = None,
) -> list[Any]:
    """``[fn(task, seed) for task, seed in zip(tasks, seeds)]``, run on ``backend``.

    ``seeds``: one per task (e.g. from :func:`task_seeds`), or None to pass ``None``.
    ``on_result(i, result)`` is called in this process as each task finishes (in any order; for
    progress bars and for writing results as they come). An exception in a task stops the run and
    is raised here; results already passed to ``on_result`` are kept by the caller.
    """
    tasks = list(tasks)
    seeds = [None] * len(tasks) if seeds is None else list(seeds)
    if len(seeds) != len(tasks):
        raise ParameterError("seeds", f"ett frö per uppgift behövs: {len(tasks)} uppgifter men {len(seeds)} frön")
    b = resolve_backend(backend, n_jobs)
    results: list[Any] = [None] * len(tasks)

    def done(i: int, value: Any) -> None:
        results[i] = value
        if on_result is not None:
            on_result(i, value)

    if not tasks:
        return results
    if b.kind == "serial":
        for i, (task, seed) in enumerate(zip(tasks, seeds, strict=True)):
            done(*_call(fn, i, task, seed, False))
    elif b.kind == "joblib":
        from joblib import Parallel, delayed

        jobs = min(b.n_jobs or os.cpu_count() or 1, len(tasks))
        run = Parallel(n_jobs=jobs, backend="loky", return_as="generator_unordered")
        for i, value in run(delayed(_call)(fn, i, t, s, True) for i, (t, s) in enumerate(zip(tasks, seeds, strict=True))):
            done(i, value)
    else:
        from distributed import as_completed

        client, own = _dask_client(b)
        try:
            futures = [client.submit(_call, fn, i, t, s, True, pure=False)
                       for i, (t, s) in enumerate(zip(tasks, seeds, strict=True))]
            try:
                for future in as_completed(futures):
                    done(*future.result())
            except BaseException:
                client.cancel(futures)
                raise
        finally:
            if own:
                client.close()
    return results
