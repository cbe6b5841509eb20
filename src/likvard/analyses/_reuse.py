"""Reuse of whole-country computations across municipalities, within a run and between runs.

Some parts of a municipality's report are computed over every school in the country (the
comparison with other municipalities, the expected-results model, the need index from published
files) and only then cut to the municipality. They are the same for every municipality of one
version of the published files, so:

- within a run, the last result is kept per computation and returned again while its inputs are
  the same objects (tables compared by identity; they are never changed after reading) and the
  same parameters (compared by equality);
- between runs, a result computed with ``keep=True`` is kept in the user's cache folder
  (``likvard.paths.user_cache_dir() / "analyser"``), keyed by the content of the input tables
  (``pandas.util.hash_pandas_object`` of values and index, with column names and dtypes), the
  parameters and a fingerprint of Likvärd's code and of the numerical libraries, so changed files,
  other settings, changed code or an upgrade never serve an old result. The entry is a pickle, the
  way joblib and numba cache results: it is read only from the user's own cache folder (never a
  shared temporary folder) and only when the file belongs to the user. ``LIKVARD_NO_CACHE=1``
  turns the folder off; a damaged entry is computed again.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import warnings
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_LAST: dict[str, tuple[tuple[int, ...], tuple[Any, ...], Hashable, Any]] = {}
_TABLE_DIGESTS: dict[int, tuple[object, str]] = {}
SUBDIR = "analyser"
KEEP_PER_NAME = 8
"""Entries kept per computation (a national run and a few municipalities' year ranges)."""


class ReuseWarning(UserWarning):
    """A kept result could not be read or written (the result is still computed correctly)."""


def reuse(name: str, tables: Sequence[object], params: Hashable, compute: Callable[[], T], keep: bool = False) -> T:
    """``compute()``, or its last result for ``name`` when ``tables`` are the same objects and
    ``params`` equal; with ``keep``, also the result kept on disk by an earlier run with tables of
    the same content (module docstring). The result must not be changed by the caller."""
    ids = tuple(id(t) for t in tables)
    last = _LAST.get(name)
    if last is not None and last[0] == ids and last[2] == params:
        return last[3]
    folder = _folder() if keep else None
    entry = folder / f"{name}-{_key(name, tables, params)}.pickle" if folder is not None else None
    value = _read(entry) if entry is not None else _MISSING
    if value is _MISSING:
        value = compute()
        if entry is not None:
            _write(entry, value)
    _LAST[name] = (ids, tuple(tables), params, value)  # holding the tables keeps their ids unique
    return value  # type: ignore[return-value]


_MISSING = object()


def reuse_for_published(name: str, ds: Any, params: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` of one municipality's dataset ``ds`` built from published files, kept between
    runs like ``reuse(keep=True)``: such a dataset is a pure function of the files, the
    municipality code and the years, so those (with ``params``) are the key. A dataset of an
    authority's own registers is always computed and never written to disk."""
    if ds.published is None or ds.data is not None:
        return compute()
    # one name per municipality: a national run keeps every municipality's result (``KEEP_PER_NAME``
    # versions of each), not only the last few
    return reuse(f"{name}_{ds.municipality_code}", [ds.published], (ds.municipality_code, tuple(ds.years), params),
                 compute, keep=True)


def _folder() -> Path | None:
    from likvard.paths import user_cache_dir, writable_dir
    from likvard.sources.cache import enabled

    if not enabled():
        return None
    folder = user_cache_dir() / SUBDIR
    return folder if writable_dir(folder) else None


def table_digest(table: object) -> str:
    """Digest of a table's content: values and index (``hash_pandas_object``), column names and
    dtypes; of the files read from a folder (``PublishedFiles``), the content of every file in the
    folder; of a tuple/list element by element; of anything else (``None``, numbers) its ``repr``."""
    import pandas as pd

    from likvard.sources.published import PublishedFiles

    if isinstance(table, PublishedFiles):
        known = _TABLE_DIGESTS.get(id(table))
        if known is not None and known[0] is table:
            return known[1]
        digest = folder_digest(table.folder)
        _TABLE_DIGESTS[id(table)] = (table, digest)
        return digest
    if isinstance(table, (tuple, list)):
        return hashlib.blake2b("|".join(table_digest(t) for t in table).encode(), digest_size=16).hexdigest()
    if not isinstance(table, (pd.DataFrame, pd.Series)):
        return hashlib.blake2b(repr(table).encode(), digest_size=16).hexdigest()
    known = _TABLE_DIGESTS.get(id(table))
    if known is not None and known[0] is table:
        return known[1]
    h = hashlib.blake2b(digest_size=16)
    frame = table.to_frame() if isinstance(table, pd.Series) else table
    h.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    h.update(repr((type(frame.index).__name__, frame.index.names, str(frame.index.dtype))).encode())
    h.update(pd.util.hash_pandas_object(frame.index, index=False).to_numpy().tobytes())
    for col in frame.columns:  # column by column: mixed dtypes hash without a combined copy
        h.update(pd.util.hash_pandas_object(frame[col], index=False).to_numpy().tobytes())
    digest = h.hexdigest()
    _TABLE_DIGESTS[id(table)] = (table, digest)  # tables are never changed after reading
    return digest


def remember_digest(table: object, digest: str) -> None:
    """Record ``digest`` as the content digest of ``table`` (read from the files it was computed
    from), so it is not worked out again."""
    _TABLE_DIGESTS[id(table)] = (table, digest)


def folder_digest(folder: Path) -> str:
    """Digest of every file under ``folder`` (relative path and BLAKE2b of the bytes)."""
    from likvard.sources.cache import file_digest

    h = hashlib.blake2b(digest_size=16)
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        h.update(f"{path.relative_to(folder)}|{file_digest(path)}|".encode())
    return h.hexdigest()


@functools.cache
def code_fingerprint() -> str:
    """Hash of every module of Likvärd and the versions of the numerical libraries it computes with."""
    from importlib.metadata import PackageNotFoundError, version

    import likvard

    h = hashlib.blake2b(digest_size=16)
    for dist in ("numpy", "pandas", "scipy", "statsmodels", "numba", "pyarrow"):
        try:
            h.update(f"{dist}={version(dist)}|".encode())
        except PackageNotFoundError:
            h.update(f"{dist}=-|".encode())
    h.update(likvard.__version__.encode())
    root = Path(likvard.__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _key(name: str, tables: Sequence[object], params: Hashable) -> str:
    parts = [name, repr(params), code_fingerprint(), *(table_digest(t) for t in tables)]
    return hashlib.blake2b("|".join(parts).encode(), digest_size=16).hexdigest()


def _read(entry: Path) -> Any:
    try:
        st = entry.stat()
    except OSError:
        return _MISSING
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return _MISSING  # never unpickle a file someone else wrote
    try:
        with open(entry, "rb") as f:
            return pickle.load(f)
    except Exception as exc:  # noqa: BLE001 - a damaged entry (any unpickling error): compute again
        entry.unlink(missing_ok=True)
        warnings.warn(f"Sparat analysresultat {entry.name} kunde inte läsas ({exc}); det beräknas om.",
                      ReuseWarning, stacklevel=4)
        return _MISSING


def _write(entry: Path, value: object) -> None:
    tmp = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, entry)
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
        tmp.unlink(missing_ok=True)
        warnings.warn(f"Analysresultatet {entry.name} kunde inte sparas ({exc}).", ReuseWarning, stacklevel=4)
        return
    stem = entry.name.split("-", 1)[0]
    older = sorted((p for p in entry.parent.glob(f"{stem}-*.pickle") if p != entry),
                   key=lambda p: p.stat().st_mtime if p.exists() else 0.0, reverse=True)
    for old in older[KEEP_PER_NAME - 1:]:
        old.unlink(missing_ok=True)


def clear() -> int:
    """Delete every kept result; returns how many were removed."""
    folder = _folder()
    if folder is None:
        return 0
    n = 0
    for entry in folder.glob("*.pickle"):
        entry.unlink(missing_ok=True)
        n += 1
    return n
