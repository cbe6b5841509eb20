"""Resumable runs: tasks grouped into chunks, each finished chunk written as Parquet at once.

The folder holds ``svep.json`` (what the run is: a description given by the caller, the number of
tasks and the chunk size) and ``delar/del-00000.parquet`` … one file per chunk, written
atomically by the process that started the run (workers need no shared disk). Run again with the
same description and only the chunks without a file are computed; a different description in
the same folder is refused, so results of two different runs are never mixed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from likvard.errors import DataError
from likvard.parallel.backends import Backend, map_tasks

MANIFEST = "svep.json"
PARTS = "delar"


@dataclass
class ChunkedRun:
    """The combined table (chunks in task order) and which chunks this call computed."""

    table: pd.DataFrame
    n_chunks: int
    computed: list[int] = field(default_factory=list)
    reused: list[int] = field(default_factory=list)
    folder: Path | None = None


def _run_chunk(payload: tuple[Callable[[Any, Any], pd.DataFrame], list[Any], list[Any]], _seed: Any) -> pd.DataFrame:
    fn, tasks, seeds = payload
    frames = [fn(task, seed) for task, seed in zip(tasks, seeds, strict=True)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def chunk_path(folder: Path, k: int) -> Path:
    return folder / PARTS / f"del-{k:05d}.parquet"


def _check_manifest(folder: Path, manifest: dict) -> None:
    path = folder / MANIFEST
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            raise DataError(f"{path}: filen går inte att läsa; ta bort mappen {folder} eller välj en annan.") from None
        if old != manifest:
            raise DataError(
                f"Mappen {folder} innehåller redan ett annat svep (andra scenarier, kommuner, frö eller "
                "replikeringar). Välj en annan mapp med --ut, eller ta bort den gamla."
            )
    else:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)


def _write_chunk(folder: Path, k: int, table: pd.DataFrame) -> None:
    target = chunk_path(folder, k)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    table.to_parquet(tmp, index=False)
    os.replace(tmp, target)


def run_chunked(
    fn: Callable[[Any, Any], pd.DataFrame],
    tasks: Sequence[Any],
    folder: str | Path,
    *,
    description: dict,
    seeds: Sequence[Any] | None = None,
    chunk_size: int = 1,
    backend: Backend | str | Any = "joblib",
    n_jobs: int | None = None,
    on_chunk: Callable[[int, int], None] | None = None,
) -> ChunkedRun:
    """Run ``fn(task, seed) -> DataFrame`` for every task, ``chunk_size`` tasks per chunk, keeping
    each chunk's rows in ``folder`` so that a later call with the same ``description`` (a JSON-able
    dict saying what the run is) computes only the missing chunks.

    ``on_chunk(k, n_tasks_in_chunk)`` is called in this process when chunk k is on disk (also for
    chunks found from an earlier run). Returns every chunk's rows in task order.
    """
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        from likvard.errors import ParameterError

        raise ParameterError("chunk_size", f"ett heltal ≥ 1 behövs, fick {chunk_size!r}")
    from filelock import FileLock, Timeout

    folder = Path(folder)
    tasks = list(tasks)
    seeds = [None] * len(tasks) if seeds is None else list(seeds)
    manifest = {"description": description, "n_tasks": len(tasks), "chunk_size": chunk_size}
    starts = list(range(0, len(tasks), chunk_size))
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(folder / ".svep.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise DataError(f"Ett annat svep skriver redan i mappen {folder}; vänta tills det är klart.") from None
    try:
        _check_manifest(folder, manifest)
        done = [k for k in range(len(starts)) if chunk_path(folder, k).is_file()]
        todo = [k for k in range(len(starts)) if k not in set(done)]
        for k in done:
            if on_chunk is not None:
                on_chunk(k, len(tasks[starts[k]:starts[k] + chunk_size]))
        payloads = [(fn, tasks[starts[k]:starts[k] + chunk_size], seeds[starts[k]:starts[k] + chunk_size]) for k in todo]

        def written(i: int, table: pd.DataFrame) -> None:
            k = todo[i]
            _write_chunk(folder, k, table)
            if on_chunk is not None:
                on_chunk(k, len(payloads[i][1]))

        map_tasks(_run_chunk, payloads, backend=backend, n_jobs=n_jobs, on_result=written)
        frames = [pd.read_parquet(chunk_path(folder, k)) for k in range(len(starts))]
    finally:
        lock.release()
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return ChunkedRun(table, len(starts), computed=todo, reused=done, folder=folder)
