"""Seeds for independent tasks (``numpy.random.SeedSequence``, O'Neill's PCG seeding scheme).

Task seeds depend only on the root seed and the task's key, never on the backend, the number of
workers or the order in which tasks run: ``SeedSequence(root, spawn_key=key)`` is what
``SeedSequence(root).spawn(n)[i]`` gives for ``key = (i,)``, and streams of different keys are
independent.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from likvard.errors import ParameterError


def task_seeds(root: int, keys: int | Sequence[int | Sequence[int]]) -> list[np.random.SeedSequence]:
    """One ``SeedSequence`` per task: ``keys`` is a count n (keys 0 … n−1) or each task's key
    (an int or a tuple of non-negative ints, e.g. a municipality code)."""
    if isinstance(root, bool) or not isinstance(root, int | np.integer) or root < 0:
        raise ParameterError("seed", f"ett icke-negativt heltal behövs, fick {root!r}")
    if isinstance(keys, int | np.integer):
        if keys < 0:
            raise ParameterError("keys", f"antalet uppgifter kan inte vara negativt ({keys})")
        keys = list(range(int(keys)))
    out = []
    for key in keys:
        if isinstance(key, tuple | list):
            spawn_key = tuple(int(k) for k in key)
        else:
            spawn_key = (int(key),)  # type: ignore[arg-type]
        if any(k < 0 for k in spawn_key):
            raise ParameterError("keys", f"nycklar ska vara icke-negativa heltal, fick {key!r}")
        out.append(np.random.SeedSequence(int(root), spawn_key=spawn_key))
    return out


def seed_int(seed: np.random.SeedSequence) -> int:
    """A 63-bit integer drawn from ``seed``, for functions that take an int seed."""
    return int(seed.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
