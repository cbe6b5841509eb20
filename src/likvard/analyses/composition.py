"""Student mix of every school and of all schools together, per year (shares of the students in
the grades present); exact counts from registers, Skolverket's shares from published files."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from likvard.analyses.dataset import Dataset

SHARES = ("share_post_secondary", "share_foreign_background", "share_newly_arrived")
COUNTS = ("n_post_secondary", "n_foreign_background", "n_newly_arrived")


@dataclass(frozen=True)
class Composition:
    """``schools``: the dataset's composition table (one row per school and year, fractions);
    ``totals``: per year ``school_year, n_students`` and the shares (percent) over the students
    whose share is known."""

    schools: pd.DataFrame
    totals: pd.DataFrame

    def shares(self) -> list[str]:
        """Share columns that have any value."""
        return [s for s in SHARES if s in self.schools and self.schools[s].notna().any()]


def totals(ds: Dataset) -> pd.DataFrame:
    """All schools together per year (see :class:`Composition`)."""
    rows = []
    for year, g in ds.composition.groupby("school_year"):
        row: dict[str, float] = {"school_year": int(year), "n_students": float(g["n_students"].sum())}
        for s, n in zip(SHARES, COUNTS):
            known = g[n].notna()
            if known.any():
                row[s] = 100.0 * g.loc[known, n].sum() / g.loc[known, "n_students"].sum()
        rows.append(row)
    return pd.DataFrame(rows)


def composition(ds: Dataset) -> Composition:
    return Composition(ds.composition.copy(), totals(ds))
