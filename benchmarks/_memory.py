"""Resident memory of a process and all its descendants (the benchmarks that start workers)."""

from __future__ import annotations

import psutil


def tree_rss(pid: int | None = None) -> int:
    """Summed RSS in bytes of process ``pid`` (this process when None) and its descendants; a
    process that ends while it is being read counts as 0."""
    root = psutil.Process(pid)
    total = root.memory_info().rss
    for child in root.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.Error:
            pass
    return total
