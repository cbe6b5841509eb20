"""Panels of school units over many years: following units through code changes, and the yearly
change in M decomposed with :func:`likvard.segregation.change.change`.

A unit that disappears between two consecutive years is linked to a unit that appears, when both
are in the same municipality and have the same name (case, spacing and punctuation ignored), and
the match is one-to-one. This covers the usual reorganisations where Skolverket issues a new
school-unit code, including the legacy 9-digit codes of 2009/10-2012/13. Units that disappear or
appear without such a match cannot be followed and are listed, with their students, as
removals or additions.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd

from likvard.errors import ParameterError
from likvard.segregation.change import ChangeMethod, change
from likvard.segregation.published import possible_share_range
from likvard.validation import Frame, InstanceOf, options_of, validate_params

_COMPOSITION = Frame(("school_id", "school_year", "name", "municipality_code"),
                     expected="en tabell från read_composition_series")


def _norm(name: object) -> str:
    return re.sub(r"[^0-9a-zåäöéü]+", "", str(name).lower())


@validate_params(composition=_COMPOSITION)
def follow_schools(
    composition: pd.DataFrame,
) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame]:
    """Give each row a ``panel_id`` that stays the same through detected code changes.

    ``composition``: ``school_id, school_year, name, municipality_code`` per unit and year.
    Returns ``(panel_id, links, not_followed)``: ``panel_id`` aligned on ``composition.index``;
    ``links``: ``school_year`` (the later year), ``old_school_id, new_school_id, name,
    municipality_code``; ``not_followed``: ``school_year, school_id, name, municipality_code,
    event`` (``closed`` = last seen the year before, ``opened`` = first seen) for units without a match.
    """
    comp = composition[["school_id", "school_year", "name", "municipality_code"]].copy()
    comp["school_id"] = comp["school_id"].astype(str)
    comp["_key"] = comp["municipality_code"].astype(str) + "|" + comp["name"].map(_norm)
    years = sorted(comp["school_year"].unique())
    panel = {sid: sid for sid in comp["school_id"].unique()}
    links, lost = [], []
    for prev, year in itertools.pairwise(years):
        a = comp[comp["school_year"] == prev].drop_duplicates("school_id")
        b = comp[comp["school_year"] == year].drop_duplicates("school_id")
        gone = a[~a["school_id"].isin(b["school_id"])]
        new = b[~b["school_id"].isin(a["school_id"])]
        g_counts = gone["_key"].value_counts()
        n_counts = new["_key"].value_counts()
        unique_keys = set(g_counts[g_counts == 1].index) & set(
            n_counts[n_counts == 1].index
        )
        g_map = gone[gone["_key"].isin(unique_keys)].set_index("_key")
        for _, row in new[new["_key"].isin(unique_keys)].iterrows():
            old = g_map.loc[row["_key"]]
            panel[row["school_id"]] = panel[old["school_id"]]
            links.append(
                {
                    "school_year": year,
                    "old_school_id": old["school_id"],
                    "new_school_id": row["school_id"],
                    "name": row["name"],
                    "municipality_code": row["municipality_code"],
                }
            )
        for frame, event in ((gone, "closed"), (new, "opened")):
            rest = frame[~frame["_key"].isin(unique_keys)]
            for _, row in rest.iterrows():
                lost.append(
                    {
                        "school_year": year,
                        "school_id": row["school_id"],
                        "name": row["name"],
                        "municipality_code": row["municipality_code"],
                        "event": event,
                    }
                )
    panel_id = comp["school_id"].map(panel).rename("panel_id")
    return (
        panel_id,
        pd.DataFrame(
            links,
            columns=[
                "school_year",
                "old_school_id",
                "new_school_id",
                "name",
                "municipality_code",
            ],
        ),
        pd.DataFrame(
            lost,
            columns=["school_year", "school_id", "name", "municipality_code", "event"],
        ),
    )


@validate_params(composition=Frame(("students_total",)), share=InstanceOf(str, "ett kolumnnamn"))
def implied_counts(composition: pd.DataFrame, *, share: str = "share_foreign_background") -> pd.DataFrame:
    """Two-group counts (``with``, ``without``) per row from a published share; uncertain cells at
    the middle of their possible range, units without a usable share dropped."""
    missing = [c for c in (share, f"{share}_status") if c not in composition.columns]
    if missing:
        raise ParameterError("composition", f"kolumnen {missing[0]!r} saknas (share={share!r}).")
    t = pd.to_numeric(composition["students_total"], errors="coerce").to_numpy(float)
    low, high = possible_share_range(
        pd.to_numeric(composition[share], errors="coerce").to_numpy(float),
        composition[f"{share}_status"].astype(object).to_numpy(),
        t,
    )
    p = (low + high) / 2.0
    keep = np.isfinite(p)
    return pd.DataFrame(
        {"with": t[keep] * p[keep], "without": t[keep] * (1 - p[keep])},
        index=composition.index[keep],
    )


@validate_params(
    composition=_COMPOSITION, share=InstanceOf(str, "ett kolumnnamn"), method=options_of(ChangeMethod)
)
def change_series(
    composition: pd.DataFrame, *, share: str = "share_foreign_background", method: ChangeMethod = "elbers"
) -> pd.DataFrame:
    """Change in M (and H) between consecutive years, decomposed (Elbers 2023) on followed units.

    One row per later year with the keys of :func:`change` plus ``n_links`` (code changes followed).
    Call per municipality (filter ``composition`` first) or for the whole country.
    """
    panel_id, links, _ = follow_schools(composition)
    counts = implied_counts(composition, share=share)
    counts["panel_id"] = panel_id.loc[counts.index].to_numpy()
    counts["school_year"] = composition.loc[counts.index, "school_year"].to_numpy()
    tables = {
        y: g.groupby("panel_id")[["with", "without"]].sum()
        for y, g in counts.groupby("school_year")
    }
    years = sorted(tables)
    rows = []
    for prev, year in itertools.pairwise(years):
        r = change(tables[prev], tables[year], method=method)
        r["school_year"] = year
        r["n_links"] = int((links["school_year"] == year).sum()) if len(links) else 0
        rows.append(r)
    return pd.DataFrame(rows)
