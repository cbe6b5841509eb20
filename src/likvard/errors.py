"""Errors a user can act on: every message is a complete Swedish sentence.

``LikvardError`` is the base of every error Likvärd raises on purpose (a bad file, a bad
argument, an unusable database). The command line and the web app show its message and nothing
else; any other exception is a bug and is reported as one.
"""

from __future__ import annotations


class LikvardError(Exception):
    """Base of Likvärd's own errors; ``str(error)`` is the Swedish message shown to the user."""


class ParameterError(LikvardError, ValueError):
    """A public function got an argument it cannot use; the message names the parameter."""

    def __init__(self, parameter: str, message: str):
        self.parameter = parameter
        super().__init__(f"Parametern {parameter}: {message}")


class DataError(LikvardError, ValueError):
    """Data that an analysis cannot use (a school missing from a panel, too few years …)."""


class StoreError(LikvardError):
    """The database cannot be opened, read or written as asked."""
