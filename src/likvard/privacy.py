"""Small-number suppression (Skolverket's convention) shared by every view and export.

A figure that rests on fewer than ``MIN_SHOWN_STUDENTS`` (10) students is shown as ``..``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from likvard.tables import MIN_SHOWN_STUDENTS

SUPPRESSED = ".."


def is_suppressed(n: pd.Series | np.ndarray, min_n: int = MIN_SHOWN_STUDENTS) -> np.ndarray:
    """True where a figure resting on ``n`` students must not be shown (``n < min_n``)."""
    arr = pd.to_numeric(pd.Series(np.asarray(n)), errors="coerce").to_numpy(dtype=float)
    return ~(arr >= min_n)


def suppress(
    df: pd.DataFrame,
    n_column: str,
    value_columns: Iterable[str],
    min_n: int = MIN_SHOWN_STUDENTS,
    marker: str = SUPPRESSED,
) -> pd.DataFrame:
    """Copy of ``df`` where ``value_columns`` (and ``n_column``) read ``..`` in rows with n < min_n.

    The returned value columns have object dtype so that numbers and the marker coexist.
    """
    out = df.copy()
    mask = is_suppressed(out[n_column].to_numpy(), min_n)
    for col in [*value_columns, n_column]:
        values = out[col].astype(object)
        values[mask] = marker
        out[col] = values
    return out


def protected_units(
    n: pd.Series, groupings: pd.DataFrame | None = None, min_n: int = MIN_SHOWN_STUDENTS
) -> set:
    """Units (index of ``n``) to hide so that no hidden count follows from any shown total.

    Primary: n < ``min_n``. Complementary, repeated until stable: in the whole table and in every
    group of each column of ``groupings`` (e.g. organiser type, area type: totals a report also
    shows), a group with exactly one hidden unit gets its smallest shown unit hidden as well.
    Using the same set in every table keeps tables from revealing each other's hidden cells.
    """
    n = pd.to_numeric(n, errors="coerce")
    hidden = set(n.index[~(n >= min_n)])
    partitions = [pd.Series("all", index=n.index)]
    if groupings is not None:
        for col in groupings.columns:
            partitions.append(groupings[col].reindex(n.index).astype(object).fillna("?"))
    changed = True
    while changed:
        changed = False
        for part in partitions:
            for _, idx in part.groupby(part, sort=False).groups.items():
                members = list(idx)
                h = [u for u in members if u in hidden]
                if len(h) == 1 and len(members) > 1:
                    shown = n[[u for u in members if u not in hidden]]
                    hidden.add(shown.idxmin())
                    changed = True
    return hidden
