"""Reuse of whole-country computations across the municipalities of one run.

Some parts of a municipality's report are computed over every school in the country (the
comparison with other municipalities, the expected-results model, the need index from published
files) and only then cut to the municipality. In a national run they are the same for every
municipality, so the last result is kept per computation and returned again while its inputs are
the same objects (tables compared by identity; they are never changed after reading) and the same
parameters (compared by equality).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

_LAST: dict[str, tuple[tuple[int, ...], tuple[Any, ...], Hashable, Any]] = {}


def reuse(name: str, tables: Sequence[object], params: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or its last result for ``name`` when ``tables`` are the same objects and
    ``params`` equal. The result must not be changed by the caller."""
    ids = tuple(id(t) for t in tables)
    last = _LAST.get(name)
    if last is not None and last[0] == ids and last[2] == params:
        return last[3]
    value = compute()
    _LAST[name] = (ids, tuple(tables), params, value)  # holding the tables keeps their ids unique
    return value
