"""Validation problems found in an authority's register file, reported all at once."""

from __future__ import annotations

from likvard.errors import LikvardError

from dataclasses import dataclass

import pandas as pd


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
