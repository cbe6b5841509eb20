"""Private files: everything Likvärd writes is readable by its owner only.

Student data, the pseudonymisation key, the database and every report or export are created
with mode 600 (files) and 700 (folders). Two ways, used together:

* :func:`use_private_umask` sets the process umask to 077 (the command line does this at start),
  so files made by any library (openpyxl, SQLite, pandas) are private too;
* the helpers below create a file or folder private whatever the umask, and tighten one that
  already exists, for code called from Python (tests, notebooks, the web app).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
PRIVATE_UMASK = 0o077


def use_private_umask() -> int:
    """Set the process umask to 077 (new files 600, folders 700); returns the previous umask."""
    return os.umask(PRIVATE_UMASK)


@contextmanager
def private_umask() -> Iterator[None]:
    """Within the block the umask is 077; the previous one is restored after it."""
    previous = os.umask(PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(previous)


def make_private_dir(path: str | Path) -> Path:
    """Create ``path`` (and missing parents) with mode 700; folders created here are 700.

    An existing folder is left as it is (it may be the user's own, e.g. their home folder),
    except that the last one is tightened to 700 if Likvärd created it.
    """
    path = Path(path)
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
        os.chmod(folder, PRIVATE_DIR_MODE)  # mkdir's mode is filtered by the umask
    return path


def make_private(path: str | Path) -> Path:
    """Tighten an existing file to 600 (a folder to 700)."""
    path = Path(path)
    os.chmod(path, PRIVATE_DIR_MODE if path.is_dir() else PRIVATE_FILE_MODE)
    return path


def create_private_file(path: str | Path) -> Path:
    """Make sure ``path`` exists as an empty-or-existing file with mode 600 (contents kept)."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
    finally:
        os.close(fd)
    return path


def open_private(path: str | Path, mode: str = "w", encoding: str | None = "utf-8", **kwargs: Any) -> IO[Any]:
    """``open(path, mode)`` for writing, the file created (or truncated) with mode 600.

    ``mode`` is ``"w"``, ``"a"``, ``"x"`` with an optional ``"b"``; text modes use ``encoding``.
    """
    flags = os.O_WRONLY | os.O_CREAT
    if "a" in mode:
        flags |= os.O_APPEND
    elif "x" in mode:
        flags |= os.O_EXCL
    else:
        flags |= os.O_TRUNC
    fd = os.open(path, flags, PRIVATE_FILE_MODE)
    os.fchmod(fd, PRIVATE_FILE_MODE)
    if "b" in mode:
        return os.fdopen(fd, mode, **kwargs)
    return os.fdopen(fd, mode, encoding=encoding, **kwargs)


def write_private_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` (mode 600)."""
    with open_private(path, "wb") as fh:
        fh.write(data)
    return Path(path)


def write_private_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` (mode 600)."""
    with open_private(path, "w", encoding=encoding) as fh:
        fh.write(text)
    return Path(path)


def others_can_read(path: str | Path) -> bool:
    """True if the group or other users have any access to ``path``."""
    return bool(stat.S_IMODE(os.stat(path).st_mode) & 0o077)
