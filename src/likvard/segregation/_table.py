"""Validation of count tables (rows = school units, columns = groups) into float arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.errors import ParameterError
from likvard.validation import CountTable


def count_array(counts: pd.DataFrame, name: str = "counts") -> np.ndarray:
    """Counts as a C-contiguous float64 array; ``ParameterError`` naming the row and column of a
    negative, missing, infinite or non-numeric cell."""
    CountTable()(counts, name)
    try:
        arr = counts.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        arr = None
    if arr is None:
        for col in counts.columns:
            values = counts[col]
            bad = pd.to_numeric(values, errors="coerce").isna() & values.notna()
            if bad.any():
                row = counts.index[bad.to_numpy()][0]
                raise ParameterError(
                    name,
                    f"raden {row!r}, kolumnen {col!r}: värdet {counts.at[row, col]!r} är inte ett tal; "
                    "väntade ett antal elever (ett tal ≥ 0).",
                )
        raise ParameterError(name, "tabellen innehåller värden som inte är tal; väntade antal elever.")
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ParameterError(
            name,
            f"raden {counts.index[i]!r}, kolumnen {counts.columns[j]!r}: värdet {arr[i, j]!r}; "
            "väntade ett ändligt antal elever ≥ 0.",
        )
    # always a fresh writable C array: one compiled kernel serves every caller (a read-only view
    # of a float DataFrame would make numba compile a second specialisation)
    return np.require(arr, np.float64, ["C", "W"])
