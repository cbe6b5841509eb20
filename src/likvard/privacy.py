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
