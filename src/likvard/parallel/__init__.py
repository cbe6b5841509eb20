"""Independent tasks on one machine (joblib/loky) or on a Dask cluster, with reproducible seeds and
results kept per chunk so that an interrupted run resumes.

* ``map_tasks(fn, tasks, seeds, backend=...)`` calls ``fn(task, seed)`` for every task and returns
  the results in task order. ``backend``: ``"serial"``, ``"joblib"`` (processes on this machine),
  a Dask scheduler address ``"tcp://HOST:8786"``, a ``distributed.Client`` or a ``LocalCluster``
  (Dask is the optional extra ``likvard[kluster]``; see docs/kluster.md).
* Seeds come from ``numpy.random.SeedSequence``: task i gets ``SeedSequence(root, spawn_key=key)``
  whatever the backend, the number of workers or the order tasks finish in, so every backend
  gives identical results (``task_seeds``).
* ``run_chunked(fn, tasks, out_dir, ...)`` groups tasks into chunks, writes each finished chunk as
  Parquet and on a second run computes only the chunks that are missing.
* ``likvard.parallel.replications.simulate_parallel``: one placement market's lottery
  replications in chunks on workers, equal to ``likvard.placement.simulate`` for the same seed.
"""

from likvard.parallel.backends import Backend, map_tasks, resolve_backend
from likvard.parallel.chunks import ChunkedRun, run_chunked
from likvard.parallel.seeds import seed_int, task_seeds

__all__ = [
    "Backend",
    "ChunkedRun",
    "map_tasks",
    "resolve_backend",
    "run_chunked",
    "seed_int",
    "task_seeds",
]
