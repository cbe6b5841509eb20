"""Residential versus school-choice segregation: segregation if every student attended the nearest
school offering their grade, against actual segregation (the counterfactual of Östh, Andersson and
Malmberg 2013, cited by Skolverket); the choice part is actual minus residential.

Homes of students with protected identity are never used (``Settings.exclude_protected_homes``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from likvard.analyses.dataset import Dataset
from likvard.analyses.settings import DEFAULTS, Settings
from likvard.segregation.counterfactual import residential_vs_choice as engine_split


@dataclass(frozen=True)
class ResidentialChoice:
    """``table``: per year ``school_year, n_students, n_students_left_out, m_actual, m_residential,
    m_choice, choice_share, h_actual, h_residential, d_actual, d_residential`` (engine columns);
    ``n_protected_left_out``: students whose homes were not used because of protected identity."""

    grouping: str
    table: pd.DataFrame
    n_protected_left_out: int

    def last(self) -> pd.Series:
        return self.table.iloc[-1]


def usable_students(ds: Dataset, settings: Settings = DEFAULTS) -> tuple[pd.DataFrame, int] | None:
    """Students of the dataset's years with a home location (protected identities dropped)."""
    if not ds.has_students or ds.data is None:
        return None
    st = ds.data.students
    has_points = {"home_x", "home_y"} <= set(st.columns) and st["home_x"].notna().any()
    if not has_points:
        return None
    st = st[st["school_year"].isin(ds.years)]
    dropped = 0
    if settings.exclude_protected_homes and "protected_identity" in st:
        protected = st["protected_identity"].fillna(False).astype(bool)
        dropped = int(protected.sum())
        st = st[~protected]
    return st, dropped


def residential_and_choice(
    ds: Dataset, settings: Settings = DEFAULTS, grouping: str = "parent_education"
) -> ResidentialChoice | None:
    """The split per year, or None without home locations or school grade ranges."""
    got = usable_students(ds, settings)
    if got is None or ds.data is None or not {"grade_min", "grade_max"} <= set(ds.data.schools.columns):
        return None
    st, dropped = got
    if grouping == "parent_education":
        st = st[st["parent_education"].isin(ds.group_columns("parent_education"))]
    table = engine_split(st, ds.data.schools, group=grouping)
    if table.empty:
        return None
    return ResidentialChoice(grouping, table.reset_index(drop=True), dropped)
