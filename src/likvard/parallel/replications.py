"""Lottery replications of one placement market spread over workers.

``simulate_parallel`` cuts the replications into consecutive chunks, runs each chunk with
``likvard.placement.simulate.replicate`` on a backend of :func:`likvard.parallel.map_tasks` and
summarises them together. Replication r draws from the stream ``[seed, r]`` (a
``numpy.random.SeedSequence`` of the seed and the replication) wherever it runs, so the result
equals ``simulate`` in one process for the same seed, on any backend and any number of chunks.
"""

from __future__ import annotations

import os
from typing import Any

from likvard.errors import ParameterError
from likvard.parallel.backends import Backend, map_tasks, resolve_backend
from likvard.placement.scenarios import Market
from likvard.placement.simulate import Draws, SimulationResult, prepare, replicate, simulate

def _chunk(task: tuple[Market, dict[str, float] | None, int, int, int], seed: Any = None) -> Draws:
    """Replications ``start`` … ``stop - 1`` in a worker (the market is prepared there)."""
    market, beta, root, start, stop = task
    return replicate(prepare(market, beta), root, start, stop)


def simulate_parallel(
    market: Market,
    *,
    n_replications: int,
    seed: int,
    level: float = 0.90,
    beta: dict[str, float] | None = None,
    backend: Backend | str | Any = "joblib",
    n_jobs: int | None = None,
    chunks: int | None = None,
) -> SimulationResult:
    """``likvard.placement.simulate`` with the replications in ``chunks`` chunks (default: one per
    worker) on ``backend``; the same result as one process."""
    b = resolve_backend(backend, n_jobs)
    workers = b.n_jobs or os.cpu_count() or 1
    k = int(chunks) if chunks is not None else (workers if b.kind != "dask" else 8)
    if k < 1:
        raise ParameterError("chunks", f"minst en del behövs, fick {chunks!r}")

    def run(parts: list[tuple[int, int]]) -> list[Draws]:
        tasks = [(market, beta, int(seed), a, b_) for a, b_ in parts]
        return map_tasks(_chunk, tasks, backend=b, n_jobs=n_jobs)

    if b.kind == "serial":
        return simulate(market, n_replications=n_replications, seed=seed, level=level, beta=beta)
    return simulate(market, n_replications=n_replications, seed=seed, level=level, beta=beta,
                    map_chunks=run, chunks=k)
