"""Errors for published files that are not of the expected kind."""

from __future__ import annotations

from likvard.errors import LikvardError

from pathlib import Path


class SourceFileError(LikvardError, ValueError):
    """A published file that cannot be read as the expected kind; says which file and why (Swedish)."""

    def __init__(self, path: str | Path, message: str):
        self.path = Path(path)
        super().__init__(f"{self.path.name or self.path.resolve()}: {message}")
