"""Where Likvärd finds things on disk: the real public data folder and user files."""

from __future__ import annotations

import os
from pathlib import Path


def real_data_dir() -> Path | None:
    """The folder of real public data (Skolverket, SCB ... files), or None when absent.

    Looked up in ``$LIKVARD_REAL_DATA``, then ``../shared/data/real`` beside the project
    checkout (the layout of the development machines and CI).
    """
    env = os.environ.get("LIKVARD_REAL_DATA")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidates.append(parent.parent / "shared" / "data" / "real")
    candidates.append(Path.cwd().parent / "shared" / "data" / "real")
    for c in candidates:
        if c.is_dir() and (c / "SOURCES.md").exists():
            return c
    return None


def user_config_dir() -> Path:
    """Per-user folder for settings and the pseudonymisation key (never inside a database).

    ``$LIKVARD_CONFIG_DIR`` if set, else ``$XDG_CONFIG_HOME/likvard`` or ``~/.config/likvard``.
    """
    explicit = os.environ.get("LIKVARD_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME")
    return (Path(base) if base else Path.home() / ".config") / "likvard"


def user_cache_dir() -> Path:
    """Per-user folder for caches that can be rebuilt (compiled kernels, parsed published files).

    ``$LIKVARD_CACHE_DIR`` if set, else the platform's user cache folder (platformdirs):
    ``$XDG_CACHE_HOME/likvard`` or ``~/.cache/likvard`` on Linux, ``~/Library/Caches/likvard`` on
    macOS, ``%LOCALAPPDATA%\\likvard\\Cache`` on Windows. Never inside the installed package.
    """
    explicit = os.environ.get("LIKVARD_CACHE_DIR")
    if explicit:
        return Path(explicit)
    from platformdirs import user_cache_dir as platform_cache_dir

    return Path(platform_cache_dir("likvard", appauthor=False))


def writable_dir(path: Path) -> bool:
    """Create ``path`` if needed and say whether files can be written in it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)


def usable_cache_dir(name: str) -> Path | None:
    """``user_cache_dir() / name`` when it can be written, else a per-user folder of that name
    in the system's temporary folder, else None (nothing can be cached on this machine)."""
    import tempfile

    candidates = [user_cache_dir() / name]
    import getpass

    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "user"
    candidates.append(Path(tempfile.gettempdir()) / f"likvard-{user}" / name)
    for candidate in candidates:
        if writable_dir(candidate):
            return candidate
    return None
