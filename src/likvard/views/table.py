"""A table as people read it: suppressed figures (``..``) with code-name columns, and how to show
them (Swedish headers, decimals). The report, the Excel and CSV exports, the CLI and the web app
render the same ``Table`` objects, so they show the same figures."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Table:
    """``key`` names the file or sheet; ``data`` holds raw values (numbers, or ``..`` where
    suppressed) under code-name columns; headers are ``likvard.views.common.LABELS`` plus
    ``labels``; ``decimals`` sets the shown decimals per column (default 1 for floats, 0 for
    counts); ``note`` is shown under the table."""

    key: str
    title: str
    data: pd.DataFrame
    decimals: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    note: str = ""
    disclosed: bool = False
    """True once :func:`likvard.views.suppression.publish` has passed the table (disclosure
    control done); ``likvard.export`` refuses any other table."""

    def header(self, column: str) -> str:
        """The Swedish header of ``column``."""
        from likvard.views.common import LABELS

        return self.labels.get(column, LABELS.get(column, column))

    def decimals_of(self, column: str) -> int:
        """Shown decimals of ``column``."""
        if column in self.decimals:
            return self.decimals[column]
        s = self.data[column] if column in self.data else None
        if column.startswith("n_") or column in ("school_year", "first_year", "last_year", "rank"):
            return 0
        if s is not None and pd.api.types.is_integer_dtype(s):
            return 0
        return 1
