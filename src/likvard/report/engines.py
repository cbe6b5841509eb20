"""Find engine entry points by their contract names; None when an engine is not importable yet."""

from __future__ import annotations

import importlib
import types
from collections.abc import Callable


def engine_function(package: str, name: str, *modules: str) -> Callable | None:
    """``package.name`` if it is a function; else ``package.<module>.name`` for the given submodules."""
    try:
        pkg = importlib.import_module(package)
    except ImportError:
        return None
    obj = getattr(pkg, name, None)
    if callable(obj) and not isinstance(obj, types.ModuleType):
        return obj
    for mod in (name, *modules):
        try:
            m = importlib.import_module(f"{package}.{mod}")
        except ImportError:
            continue
        obj = getattr(m, name, None)
        if callable(obj) and not isinstance(obj, types.ModuleType):
            return obj
    return None
