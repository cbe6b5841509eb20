"""The school panel an evaluation works on, validated at the boundary.

Input: one row per school and school year with ``school_id, school_year, <outcome>`` and
optionally ``n_students``. Rules (Skolverket's conventions and the design notes):

- a missing cell (``..`` in the published files, NaN here) is missing, never zero;
- a school year resting on fewer than 10 students is treated as missing: it is neither shown
  nor used, as a treated outcome or as a donor value;
- a donor with a gap in the years a design uses is dropped; a treated outcome is never imputed.

``Panel`` holds the outcome as a units x years matrix (NaN where missing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from likvard.errors import DataError, ParameterError
from likvard.tables import MIN_SHOWN_STUDENTS
from likvard.text import school_year_label


@dataclass(frozen=True)
class Panel:
    """Outcome matrix ``y`` (units x years, NaN missing), students ``n`` (NaN when unknown),
    unit ids and years (ascending, consecutive or not)."""

    y: np.ndarray
    n: np.ndarray
    ids: np.ndarray
    years: np.ndarray
    outcome: str
    small_cells: tuple[tuple[str, int], ...] = ()

    def row(self, school_id: str) -> int:
        return int(np.flatnonzero(self.ids == school_id)[0])

    def col(self, year: int) -> int:
        return int(np.flatnonzero(self.years == year)[0])


def normalise_treated(treated: Sequence[str] | Mapping[str, int] | str, start: int | None) -> dict[str, int]:
    """``treated`` as a mapping school id -> first treated school year."""
    if isinstance(treated, Mapping):
        if start is not None:
            raise ParameterError("start", "ange inte start när behandlade skolor ges med eget startår.")
        out = {}
        for k, v in treated.items():
            try:
                out[str(k)] = int(v)
            except (TypeError, ValueError):
                raise ParameterError("treated", f"startåret för skolan {k} är inte ett läsår: {v!r}.") from None
        if not out:
            raise ParameterError("treated", "ingen behandlad skola angavs.")
        return out
    if isinstance(treated, str):
        treated = [treated]
    ids = [str(t) for t in treated]
    if not ids:
        raise ParameterError("treated", "ingen behandlad skola angavs.")
    if start is None:
        raise ParameterError("start", "ange det första läsåret med insatsen (t.ex. 2021 för 2021/22).")
    try:
        s = int(start)
    except (TypeError, ValueError):
        raise ParameterError("start", f"{start!r} är inte ett läsår.") from None
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise ParameterError("treated", f"skolan {dup} anges två gånger.")
    return {i: s for i in ids}


def build_panel(df: pd.DataFrame, outcome: str = "value", min_students: int = MIN_SHOWN_STUDENTS) -> Panel:
    """Validate a long panel and pivot it to a ``Panel`` (see the module docstring)."""
    if not isinstance(df, pd.DataFrame):
        raise ParameterError("panel", "panelen ska vara en tabell (pandas DataFrame).")
    for col in ("school_id", "school_year", outcome):
        if col not in df.columns:
            raise DataError(f"Panelen saknar kolumnen '{col}' (finns: {', '.join(map(str, df.columns))}).")
    d = pd.DataFrame({"school_id": df["school_id"].astype(str).str.strip()})
    years = pd.to_numeric(df["school_year"], errors="coerce")
    bad = years.isna() | (years != years.round())
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"Panelen, rad {i + 2}: läsåret {df['school_year'].iloc[i]!r} för skolan "
                        f"{d['school_id'].iloc[i]} är inte ett årtal.")
    d["school_year"] = years.astype(np.int64)
    raw = df[outcome]
    values = pd.to_numeric(raw.replace({"..": np.nan, ".": np.nan, "": np.nan}), errors="coerce")
    nonnum = values.isna() & raw.notna() & ~raw.isin(["..", ".", ""])
    if nonnum.any():
        i = int(np.flatnonzero(nonnum.to_numpy())[0])
        raise DataError(f"Panelen, rad {i + 2}: utfallet '{outcome}' för skolan {d['school_id'].iloc[i]} läsåret "
                        f"{school_year_label(d['school_year'].iloc[i])} är inte ett tal ({raw.iloc[i]!r}).")
    d["value"] = values.astype(float)
    if "n_students" in df.columns:
        d["n"] = pd.to_numeric(df["n_students"], errors="coerce").astype(float)
    else:
        d["n"] = np.nan
    dup = d.duplicated(["school_id", "school_year"], keep=False)
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(f"Panelen har flera rader för skolan {d['school_id'].iloc[i]} läsåret "
                        f"{school_year_label(d['school_year'].iloc[i])}; varje skola och läsår ska finnas en gång.")
    small = d["n"] < min_students
    small_cells = tuple((str(s), int(t)) for s, t in d.loc[small, ["school_id", "school_year"]].itertuples(index=False))
    d.loc[small, "value"] = np.nan
    ids = np.array(sorted(d["school_id"].unique()), dtype=object)
    yrs = np.array(sorted(d["school_year"].unique()), dtype=np.int64)
    ri = pd.Index(ids).get_indexer(d["school_id"])
    ci = pd.Index(yrs).get_indexer(d["school_year"])
    y = np.full((len(ids), len(yrs)), np.nan)
    n = np.full((len(ids), len(yrs)), np.nan)
    y[ri, ci] = d["value"].to_numpy()
    n[ri, ci] = d["n"].to_numpy()
    return Panel(y=y, n=n, ids=ids, years=yrs, outcome=outcome, small_cells=small_cells)


def check_treated(panel: Panel, treated: dict[str, int]) -> None:
    """Treated schools exist, start years lie inside the panel with at least 2 pre-years and
    one observed post-year; raises ``DataError`` naming the school and year."""
    first, last = int(panel.years.min()), int(panel.years.max())
    for sid, s in treated.items():
        if sid not in set(panel.ids):
            raise DataError(f"Den behandlade skolan {sid} finns inte i panelen.")
        if s <= first or s > last:
            raise DataError(f"Startåret {school_year_label(s)} för skolan {sid} ligger utanför panelens läsår "
                            f"{school_year_label(first)}–{school_year_label(last)} (minst ett läsår före start behövs).")
        r = panel.row(sid)
        pre = (panel.years < s) & ~np.isnan(panel.y[r])
        post = (panel.years >= s) & ~np.isnan(panel.y[r])
        if pre.sum() < 2:
            raise DataError(f"Skolan {sid} har {int(pre.sum())} läsår med utfall före start {school_year_label(s)}; "
                            "minst 2 förår behövs (läsår med färre än 10 elever räknas inte).")
        if post.sum() == 0:
            raise DataError(f"Skolan {sid} har inget läsår med utfall från start {school_year_label(s)} "
                            "(läsår med färre än 10 elever räknas inte).")
