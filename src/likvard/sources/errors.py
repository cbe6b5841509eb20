"""Validation problems found in an authority's register file, reported all at once.

An :class:`Issue` never carries a personal identity number (every spelling is redacted) nor a
terminal control character (escaped), so it can be printed, logged or saved as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from likvard.errors import LikvardError
from likvard.text import printable

MAX_SHOWN_CHARS = 80
"""A value is shown in a message with at most this many characters (a long field is cut)."""


def shown_value(value: str) -> str:
    """A cell value as a message may show it: identity numbers redacted, controls escaped, cut."""
    from likvard.sources.identity import redact

    text = printable(redact(str(value)))
    if len(text) > MAX_SHOWN_CHARS:
        text = text[:MAX_SHOWN_CHARS] + f"… ({len(str(value))} tecken)"
    return text


@dataclass(frozen=True)
class Issue:
    """One problem: where it is (file, row as the user sees it, column), the value, and what to do.

    ``row`` is the row number in the file (header = row 1 for CSV and Excel), or None when the
    problem concerns the whole file or a column. ``message`` is Swedish, for a non-programmer.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str

    def __post_init__(self) -> None:
        # every Issue is safe to show: no personal identity number, no terminal control codes
        from likvard.sources.identity import redact

        object.__setattr__(self, "file", printable(self.file))
        if self.column is not None:
            object.__setattr__(self, "column", printable(self.column))
        if self.value is not None:
            object.__setattr__(self, "value", shown_value(self.value))
        object.__setattr__(self, "message", printable(redact(self.message)))

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", rad {self.row}"
        if self.column:
            where += f", kolumn {self.column}"
        shown = "" if self.value is None else f" (värde: {self.value!r})"
        return f"{where}: {self.message}{shown}"


class RegisterValidationError(LikvardError, ValueError):
    """A register file was rejected; ``issues`` lists every problem found in it."""

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        n = len(self.issues)
        head = "\n".join(str(i) for i in self.issues[:20])
        more = f"\n… och {n - 20} problem till" if n > 20 else ""
        super().__init__(f"{n} problem hittades:\n{head}{more}")

    def to_frame(self) -> pd.DataFrame:
        """The problems as a table with Swedish headers (fil, rad, kolumn, värde, problem)."""
        return pd.DataFrame(
            [(i.file, i.row, i.column, i.value, i.message) for i in self.issues],
            columns=["fil", "rad", "kolumn", "värde", "problem"],
        )
