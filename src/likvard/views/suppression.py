"""Small-number suppression for every table and chart (Skolverket's convention).

Primary rule (``likvard.privacy``): a figure resting on fewer than 10 students reads ``..``.
Complementary rule: when a table's additive columns (counts) also appear as a total (a
municipality total, a sum shown beside them), a single suppressed cell could be recovered as
total minus the other cells. So in every group of rows that shares a total, if exactly one row is
suppressed, the row with the next smallest number of students is suppressed too (the usual
"secondary suppression" of official statistics, e.g. Hundepool et al. 2012, *Statistical
Disclosure Control*, ch. 4). Derived columns (changes between years) are suppressed when any of
their inputs is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from likvard.disclosure import check_counts, order_after_suppression, protect, round_shown
from likvard.privacy import SUPPRESSED, is_suppressed, protected_units, suppress
from likvard.tables import MIN_SHOWN_STUDENTS
from likvard.views.table import Table

__all__ = ["HIDDEN_LABEL", "chart_values", "complementary_suppression", "is_marked", "order_after_suppression", "protected_units",
           "publish", "suppress_derived", "suppress_small", "suppress_table", "suppress_units"]

HIDDEN_LABEL = f"Uppgift dold ({SUPPRESSED})"
"""Legend and hover wording of a hidden school in every chart and map: the same for a school
with fewer than 10 students and for one hidden to protect another (naming the reason would tell
the two apart)."""


def is_marked(values: pd.Series | Sequence) -> np.ndarray:
    """True where a cell already reads ``..``."""
    return np.array([isinstance(v, str) and v == SUPPRESSED for v in pd.Series(values, dtype=object)], dtype=bool)


def suppress_small(
    df: pd.DataFrame, n_column: str, value_columns: Iterable[str], min_n: int = MIN_SHOWN_STUDENTS
) -> pd.DataFrame:
    """Primary suppression: ``value_columns`` and ``n_column`` read ``..`` where n < ``min_n``."""
    return suppress(df, n_column, list(value_columns), min_n=min_n)


def complementary_suppression(
    df: pd.DataFrame,
    n_column: str,
    value_columns: Iterable[str],
    by: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Secondary suppression within each group of ``by`` (the rows that share a total).

    The rows reading ``..`` in ``n_column`` and the group's total (shown beside the table) must
    not pin a hidden row's number of students to an interval narrower than ±3: further rows,
    smallest first, are set to ``..`` in ``n_column`` and ``value_columns`` until the linear
    programs of ``likvard.disclosure.protect`` say so (a group with exactly one hidden row always
    gets a second). Expects a table that has been through :func:`suppress_small`.
    """
    out = df.copy()
    cols = [*value_columns, n_column]
    for col in cols:
        out[col] = out[col].astype(object)
    groups = [out.index] if by is None else [idx for _, idx in out.groupby(by, sort=False).groups.items()]
    for idx in groups:
        sub = out.loc[idx, n_column]
        marked = is_marked(sub)
        if marked.sum() == 0 or len(sub) < 2:
            continue
        original = pd.to_numeric(df.loc[idx, n_column], errors="coerce")
        if original.isna().any():  # counts already hidden upstream: fall back to the single-cell rule
            if marked.sum() == 1:
                n = pd.to_numeric(sub[~marked], errors="coerce")
                if n.notna().any():
                    for col in cols:
                        out.at[n.idxmin(), col] = SUPPRESSED
            continue
        values = {k: float(v) for k, v in original.items()}
        primary = set(sub.index[marked])
        hidden = protect(values, {"total": list(idx)}, primary, min_total=0).hidden
        for victim in sorted(set(hidden) - primary, key=repr):
            for col in cols:
                out.at[victim, col] = SUPPRESSED
    return out


def suppress_table(
    df: pd.DataFrame,
    n_column: str,
    value_columns: Iterable[str],
    by: str | Sequence[str] | None = None,
    totals_shown: bool = True,
    min_n: int = MIN_SHOWN_STUDENTS,
) -> pd.DataFrame:
    """Primary suppression, then complementary suppression when totals are shown beside the table."""
    value_columns = list(value_columns)
    out = suppress_small(df, n_column, value_columns, min_n=min_n)
    if totals_shown:
        out = complementary_suppression(out, n_column, value_columns, by=by)
    return out


def suppress_derived(df: pd.DataFrame, derived: str, inputs: Iterable[str]) -> pd.DataFrame:
    """``derived`` reads ``..`` wherever any of ``inputs`` does."""
    out = df.copy()
    mask = np.zeros(len(out), dtype=bool)
    for col in inputs:
        mask |= is_marked(out[col])
    vals = out[derived].astype(object)
    vals[mask] = SUPPRESSED
    out[derived] = vals
    return out


def chart_values(values: Sequence, n: Sequence | None = None, min_n: int = MIN_SHOWN_STUDENTS) -> list:
    """Values for plotting: None where suppressed (already ``..`` or resting on n < ``min_n``) or missing."""
    vals = pd.Series(values, dtype=object)
    mask = is_marked(vals)
    if n is not None:
        nn = pd.Series(n, dtype=object)
        mask |= is_marked(nn) | is_suppressed(pd.to_numeric(nn, errors="coerce").to_numpy(), min_n)
    out: list = []
    for v, m in zip(vals, mask):
        if m or v is None:
            out.append(None)
            continue
        try:
            x = float(v)
        except (TypeError, ValueError):
            out.append(None)
            continue
        out.append(None if np.isnan(x) else x)
    return out


def suppress_units(df: pd.DataFrame, key: str, hidden: set, columns: Iterable[str]) -> pd.DataFrame:
    """``columns`` read ``..`` in the rows whose ``key`` is in ``hidden``."""
    out = df.copy()
    mask = out[key].isin(hidden).to_numpy()
    for col in columns:
        vals = out[col].astype(object)
        vals[mask] = SUPPRESSED
        out[col] = vals
    return out


def publish(table: Table, min_n: int = MIN_SHOWN_STUDENTS) -> Table:
    """The last step of disclosure control before a table is shown or written: every number
    rounded to the decimals the table shows (no file holds more precision than the page), a check
    that no student count between 1 and ``min_n - 1`` is visible (``DisclosureError`` otherwise),
    and the table marked ``disclosed`` so that ``likvard.export`` accepts it."""
    import dataclasses

    data = table.data
    check_counts(data, min_n=min_n, what=f"'{table.title}'")
    decimals = {c: table.decimals_of(c) for c in data.columns}
    return dataclasses.replace(table, data=round_shown(data, decimals), disclosed=True)
