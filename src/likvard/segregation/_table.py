"""Validation of count tables (rows = school units, columns = groups) into float arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd


def count_array(counts: pd.DataFrame, name: str = "counts") -> np.ndarray:
    """Counts as a C-contiguous float64 array; clear error on negative, missing or non-numeric cells."""
    if not isinstance(counts, pd.DataFrame):
        raise TypeError(
            f"{name}: expected a pandas DataFrame (rows = schools, columns = groups), got {type(counts).__name__}"
        )
    if counts.shape[1] == 0:
        raise ValueError(f"{name}: the table has no group columns")
    try:
        arr = counts.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        for col in counts.columns:
            bad = (
                pd.to_numeric(counts[col], errors="coerce").isna() & counts[col].notna()
            )
            if bad.any():
                row = counts.index[bad.to_numpy()][0]
                raise ValueError(
                    f"{name}: row {row!r}, column {col!r}: value {counts.at[row, col]!r} is not a number; "
                    "expected a non-negative count"
                ) from None
        raise
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(
            f"{name}: row {counts.index[i]!r}, column {counts.columns[j]!r}: value {arr[i, j]!r}; "
            "expected a finite non-negative count"
        )
    # always a fresh writable C array: one compiled kernel serves every caller (a read-only view
    # of a float DataFrame would make numba compile a second specialisation)
    return np.require(arr, np.float64, ["C", "W"])
