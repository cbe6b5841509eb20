"""The disclosure rules applied to shown data frames: order after suppression, rounding to the
shown decimals, and a last check that no small count is visible."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from likvard.errors import LikvardError
from likvard.privacy import SUPPRESSED

STUDENT_COUNTS = ("n_students", "n_post_secondary", "n_foreign_background", "n_newly_arrived",
                  "residential_n_students", "n_students_uncertain")
"""Columns that count students: a visible value between 1 and 9 is a disclosure."""


class DisclosureError(LikvardError):
    """A table was about to be shown or written without passing disclosure control."""


def _hidden(values: pd.Series) -> np.ndarray:
    return np.array([isinstance(v, str) and v == SUPPRESSED for v in values.astype(object)], dtype=bool)


def order_after_suppression(df: pd.DataFrame, by: str, ascending: bool = False, name: str = "name",
                            rank: str | None = None) -> pd.DataFrame:
    """Rows with a shown ``by`` sorted on it, then every row whose ``by`` reads ``..`` sorted by
    ``name`` — so a hidden row's position says nothing of its value. With ``rank``, a rank column
    (1 = first) is written for shown rows and ``..`` for hidden ones."""
    hidden = _hidden(df[by])
    shown = df[~hidden].copy()
    key = pd.to_numeric(shown[by], errors="coerce")
    shown = shown.assign(_k=key).sort_values("_k", ascending=ascending, kind="stable", na_position="last")
    shown = shown.drop(columns="_k")
    rest = df[hidden]
    if name in rest:
        rest = rest.sort_values(name, key=lambda s: s.astype(str).str.casefold(), kind="stable")
    out = pd.concat([shown, rest])
    if rank is not None:
        out[rank] = [*range(1, len(shown) + 1), *([SUPPRESSED] * len(rest))]
        out[rank] = out[rank].astype(object)
    return out.reset_index(drop=True)


def round_shown(df: pd.DataFrame, decimals: Mapping[str, int]) -> pd.DataFrame:
    """Numbers in each column rounded to its shown decimals (``decimals[col]``), so that no file
    (Excel, JSON) holds more precision than the table shows; text and ``..`` unchanged."""
    out = df.copy()
    for col, d in decimals.items():
        if col not in out:
            continue
        s = out[col]
        if pd.api.types.is_bool_dtype(s):
            continue
        if pd.api.types.is_float_dtype(s):
            out[col] = s.round(d)
        elif s.dtype == object:
            out[col] = [round(float(v), d) + 0.0 if isinstance(v, (float, np.floating)) and np.isfinite(v) else v
                        for v in s]
    return out


def check_counts(df: pd.DataFrame, columns: Iterable[str] = STUDENT_COUNTS, min_n: int = 10, what: str = "") -> None:
    """Raise :class:`DisclosureError` when a student count between 1 and ``min_n - 1`` is visible."""
    for col in columns:
        if col not in df:
            continue
        v = pd.to_numeric(df[col].astype(object).where(~_hidden(df[col]), np.nan), errors="coerce")
        small = (v > 0) & (v < min_n - 1e-9)
        if small.any():
            raise DisclosureError(
                f"Tabellen {what or ''} skulle visa {int(small.sum())} uppgifter om färre än {min_n} elever "
                f"i kolumnen {col}; den har inte gått igenom röjandekontrollen.".replace("Tabellen  ", "Tabellen ")
            )
