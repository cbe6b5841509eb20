"""A columnar cache of parsed published files (Skolverket, Skolinspektionen, SCB, Kolada).

A reader decorated with ``@cached_reader`` parses a file once; the tidy table it returns is kept
as Parquet in ``likvard.paths.user_cache_dir() / "tabeller"`` and later calls read that instead.
The key is the file's content (BLAKE2b of its bytes), the reader, its extra arguments and a
fingerprint of the reader code (every module of ``likvard.sources``) and of pandas and pyarrow,
so a changed file, a changed reader or an upgrade never serves an old table. One entry is kept
per reader and file: a new version replaces the old one.

A table is stored only when the Parquet copy reads back identical (values, dtypes, index, and the
Python type of every cell in object columns); otherwise the reader's own result is returned
uncached and a warning says why. ``LIKVARD_NO_CACHE=1`` turns the cache off; when the cache
folder cannot be written, reading simply goes uncached.
"""

from __future__ import annotations

import functools
import hashlib
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

F = TypeVar("F", bound=Callable[..., pd.DataFrame])

CACHE_SUBDIR = "tabeller"
_HASH_CHUNK = 1 << 20


class CacheWarning(UserWarning):
    """The cache could not store or read a table (the result is still correct, only not cached)."""


def enabled() -> bool:
    """False when ``LIKVARD_NO_CACHE`` is set to anything but ``0`` or an empty string."""
    return os.environ.get("LIKVARD_NO_CACHE", "") in ("", "0")


def cache_dir() -> Path | None:
    """The folder of cached tables, or None when the cache is off or cannot be written."""
    if not enabled():
        return None
    from likvard.paths import usable_cache_dir

    return usable_cache_dir(CACHE_SUBDIR)


def file_digest(path: Path) -> str:
    """BLAKE2b (128-bit) of the file's bytes."""
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        while chunk := f.read(_HASH_CHUNK):
            h.update(chunk)
    return h.hexdigest()


@functools.cache
def code_fingerprint() -> str:
    """Hash of the source of every ``likvard.sources`` module and the pandas and pyarrow versions."""
    import pyarrow

    import likvard

    h = hashlib.blake2b(digest_size=16)
    h.update(f"{likvard.__version__}|{pd.__version__}|{pyarrow.__version__}".encode())
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def identical(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Same columns, index, dtypes and values, and in object columns the same Python type in
    every cell (so a None never comes back as NaN)."""
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=True, check_dtype=True, check_index_type=True,
                                      check_column_type=True, check_freq=True, check_flags=True)
    except AssertionError:
        return False
    for col in range(a.shape[1]):
        left, right = a.iloc[:, col], b.iloc[:, col]
        if left.dtype == object and [type(v) for v in left] != [type(v) for v in right]:
            return False
    return True


def _warn(message: str) -> None:
    warnings.warn(message, CacheWarning, stacklevel=4)


def _entry_stem(reader: str, path: Path, extra: str) -> str:
    """One stem per reader, file and arguments; the content key follows it in the file name."""
    where = hashlib.blake2b(f"{path.resolve()}|{extra}".encode(), digest_size=8).hexdigest()
    return f"{reader}-{where}"


def _write(folder: Path, stem: str, key: str, frame: pd.DataFrame, source: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = folder / f"{stem}-{key}.parquet"
    tmp = folder / f".{stem}-{key}.{os.getpid()}.tmp"
    try:
        table = pa.Table.from_pandas(frame, preserve_index=None)
        meta = dict(table.schema.metadata or {})
        meta[b"likvard.source"] = source.name.encode()
        pq.write_table(table.replace_schema_metadata(meta), tmp)
        if not identical(frame, pd.read_parquet(tmp)):
            tmp.unlink(missing_ok=True)
            _warn(f"{source.name}: tabellen kan inte sparas oförändrad som Parquet och läses därför utan cache.")
            return
        os.replace(tmp, target)
    except (OSError, pa.ArrowException, ValueError, TypeError) as exc:
        tmp.unlink(missing_ok=True)
        _warn(f"{source.name}: tabellen kunde inte sparas i cachen ({exc}); den läses utan cache.")
        return
    for old in folder.glob(f"{stem}-*.parquet"):  # older versions of the same file
        if old != target:
            old.unlink(missing_ok=True)


def read_through(reader: Callable[..., pd.DataFrame], name: str, path: str | Path, args: tuple,
                 kwargs: dict[str, Any]) -> pd.DataFrame:
    """``reader(path, *args, **kwargs)``, served from the cache when the same file was parsed before."""
    p = Path(path)
    folder = cache_dir()
    if folder is None or not p.is_file():
        return reader(path, *args, **kwargs)
    extra = repr((args, sorted(kwargs.items())))
    stem = _entry_stem(name, p, extra)
    key = hashlib.blake2b(f"{file_digest(p)}|{code_fingerprint()}|{extra}".encode(), digest_size=16).hexdigest()
    entry = folder / f"{stem}-{key}.parquet"
    if entry.is_file():
        try:
            return pd.read_parquet(entry)
        except Exception as exc:  # noqa: BLE001 - a damaged entry (any pyarrow error): parse again
            entry.unlink(missing_ok=True)
            _warn(f"{p.name}: cachad tabell kunde inte läsas ({exc}); filen läses om.")
    frame = reader(path, *args, **kwargs)
    if isinstance(frame, pd.DataFrame):
        _write(folder, stem, key, frame, p)
    return frame


def cached_reader(fn: F) -> F:
    """Decorate a reader ``fn(path, ...) -> DataFrame`` of one published file to use the cache.

    The undecorated reader stays available as ``fn.uncached``.
    """
    name = f"{fn.__module__.removeprefix('likvard.sources.')}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(path, *args, **kwargs):
        return read_through(fn, name, path, args, kwargs)

    wrapper.uncached = fn  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def clear() -> int:
    """Delete every cached table; returns how many were removed."""
    folder = cache_dir()
    if folder is None:
        return 0
    n = 0
    for entry in folder.glob("*.parquet"):
        entry.unlink(missing_ok=True)
        n += 1
    return n
