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
