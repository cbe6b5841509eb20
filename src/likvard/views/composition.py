"""Shown tables of the student mix (``likvard.analyses.composition``): per school and year in
percent, all schools per year, and the change from the first to the last year."""

from __future__ import annotations

import pandas as pd

from likvard.analyses.composition import Composition
from likvard.analyses.dataset import Dataset
from likvard.analyses.settings import DEFAULTS, Settings
from likvard.privacy import SUPPRESSED
from likvard.views.common import as_percent, school_year_label
from likvard.views.suppression import suppress_derived, suppress_table, suppress_units
from likvard.views.suppression import publish
from likvard.views.table import Table


def school_table(result: Composition, ds: Dataset, settings: Settings = DEFAULTS) -> pd.DataFrame:
    """Per school and year: students and shares in percent, suppressed (primary + the dataset's
    hidden units per year, and the shares of :meth:`Dataset.hidden_shares`: a share times the
    shown number of students would give a count of 1–9); Skolverket's own ``..`` kept."""
    comp = result.schools
    shares = result.shares()
    t = comp[["school_id", "name", "organiser_type", "school_year", "n_students", *shares]].copy()
    for s in shares:
        t[s] = as_percent(t[s])
    t = suppress_table(t, "n_students", shares, totals_shown=False, min_n=settings.min_students)
    parts = [suppress_units(g, "school_id", ds.hidden(int(y), settings.min_students, settings.complementary_suppression),
                            ["n_students", *shares])
             for y, g in t.groupby("school_year", sort=False)]
    t = pd.concat(parts).loc[t.index]
    hidden_cells: dict[str, set] = {}  # shares whose numerator or complement is 1–9: share -> {(year, school)}
    for y in t["school_year"].unique():
        for share, sid in ds.hidden_shares(int(y), settings.min_students, settings.complementary_suppression):
            if share in t:
                hidden_cells.setdefault(share, set()).add((int(y), sid))
    if hidden_cells:
        keys = list(zip(t["school_year"].astype(int), t["school_id"].astype(str)))
        for share, cells in hidden_cells.items():
            t[share] = t[share].astype(object)
            t.loc[[k in cells for k in keys], share] = SUPPRESSED
    if "share_suppressed" in comp:  # Skolverket's own '..'
        for s in ("share_post_secondary", "share_foreign_background"):
            if s in t:
                v = t[s].astype(object)
                v[comp["share_suppressed"].to_numpy() & v.isna().to_numpy()] = SUPPRESSED
                t[s] = v
    t["organiser_type"] = t["organiser_type"].map({"municipal": "Kommunal", "independent": "Fristående"}).fillna("")
    return t.reset_index(drop=True)


def totals_table(result: Composition, settings: Settings = DEFAULTS) -> pd.DataFrame:
    """All schools together per year, with the number of students and the shares ``..`` in a year
    with fewer than ``settings.min_students`` students in all (a small municipality)."""
    t = result.totals
    return suppress_table(t, "n_students", [c for c in t.columns if c.startswith("share_")], totals_shown=False,
                          min_n=settings.min_students)


def change_table(table: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """Shares of post-secondary parents and foreign background, first and last year, and the change
    (percentage points; ``..`` where either year is hidden; ``–`` where the school did not exist)."""
    shares = [s for s in ("share_post_secondary", "share_foreign_background") if s in table]
    a = table[table["school_year"] == first].set_index("school_id")
    b = table[table["school_year"] == last].set_index("school_id")
    out = pd.DataFrame({"name": b["name"], "n_students": b["n_students"]})
    for s in shares:
        short = s.removeprefix("share_")
        out[f"{short}_first"] = a[s].reindex(out.index)
        out[f"{short}_last"] = b[s]
        out[f"change_{short}"] = [y - x if isinstance(x, float) and isinstance(y, float) else SUPPRESSED
                                  for x, y in zip(out[f"{short}_first"], out[f"{short}_last"])]
        out = suppress_derived(out, f"change_{short}", [f"{short}_first", f"{short}_last"])
        out[f"{short}_first"] = out[f"{short}_first"].astype(object).where(out[f"{short}_first"].notna(), "–")
    return out.reset_index()


def composition_tables(result: Composition, ds: Dataset, settings: Settings = DEFAULTS) -> list[Table]:
    """The per-school table, the totals and (with several years) the change."""
    table = school_table(result, ds, settings)
    tables = [
        publish(Table("elevsammansattning", "Elevsammansättning per skola och läsår", table)),
        publish(Table("kommunen_totalt", "Alla skolor tillsammans per läsår", totals_table(result, settings))),
    ]
    first, last = ds.first_year, ds.last_year
    if first != last:
        labels = {
            "post_secondary_first": f"Andel eftergymnasial {school_year_label(first)} (%)",
            "post_secondary_last": f"Andel eftergymnasial {school_year_label(last)} (%)",
            "foreign_background_first": f"Andel utländsk bakgrund {school_year_label(first)} (%)",
            "foreign_background_last": f"Andel utländsk bakgrund {school_year_label(last)} (%)",
        }
        tables.append(publish(Table("forandring", f"Förändring {school_year_label(first)}–{school_year_label(last)}",
                            change_table(table, first, last), labels=labels)))
    return tables
