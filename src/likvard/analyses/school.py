"""One school's figures, for a school's own page (the principal's view), without running every
analysis: its composition and contribution to segregation per year and its results over time are
computed here (cheap); its need index and school effect are taken from an overview when one has
been computed (they rest on a model of every school, so they are computed once and cached)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from likvard.analyses import expected as expected_mod
from likvard.analyses.dataset import Dataset
from likvard.analyses.overview import Overview
from likvard.analyses.segregation import school_contributions
from likvard.errors import DataError


@dataclass(frozen=True)
class SchoolProfile:
    """- ``composition``: the school's rows of ``Dataset.composition`` (one per year).
    - ``contributions``: per year ``school_year, n_students, local_score, contribution`` (percent of M).
    - ``trend``: per year ``n_students, merit_value, share_eligible`` (grade 9), or None.
    - ``need``: the school's need-index rows, ``effect``: its school-effect row (from an overview), or None.
    """

    school_id: str
    name: str
    composition: pd.DataFrame
    contributions: pd.DataFrame
    trend: pd.DataFrame | None
    need: pd.DataFrame | None
    effect: pd.Series | None


def school_profile(ds: Dataset, school_id: str, overview: Overview | None = None) -> SchoolProfile:
    """The figures of ``school_id`` (unsuppressed; views suppress them for display)."""
    sid = str(school_id)
    names = ds.names()
    if sid not in names:
        raise DataError(f"Skolenheten {sid} finns inte i underlaget.")
    comp = ds.composition[ds.composition["school_id"] == sid].sort_values("school_year").reset_index(drop=True)
    rows = []
    for year in ds.years:
        c = school_contributions(ds, year)
        if c is not None and (c["school_id"] == sid).any():
            rows.append(c[c["school_id"] == sid].assign(school_year=year))
    contributions = (pd.concat(rows, ignore_index=True)[["school_year", "n_students", "local_score", "contribution"]]
                     if rows else pd.DataFrame(columns=["school_year", "n_students", "local_score", "contribution"]))
    trend = overview.trend if overview is not None else expected_mod.results_trend(ds)
    if trend is not None:
        trend = trend[trend["school_id"] == sid].sort_values("school_year").reset_index(drop=True)
    need = effect = None
    if overview is not None and overview.need is not None:
        need = overview.need.table[overview.need.table["school_id"] == sid].reset_index(drop=True)
    if overview is not None and overview.school_effects is not None:
        hit = overview.school_effects.effects[overview.school_effects.effects["school_id"] == sid]
        effect = hit.iloc[0] if len(hit) else None
    return SchoolProfile(sid, names[sid], comp, contributions, trend, need, effect)
