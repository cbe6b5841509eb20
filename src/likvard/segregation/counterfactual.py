"""Residential versus school-choice segregation (the counterfactual of Östh, Andersson & Malmberg
2013, "School choice and increasing performance difference: a counterfactual approach", Urban
Studies 50(2): 407-425, cited by Skolverket).

Counterfactual: every student attends the nearest school (straight-line distance, SWEREF99 TM
metres) that offers the student's grade that year, or, when given, the catchment-area school.
With M_actual the mutual information index of the actual school-by-group table and M_home that of
the counterfactual table:

    residential part = M_home                (what residence alone gives)
    choice part      = M_actual - M_home     (what school choice adds; negative if choice mixes)

The area-level variant uses each student's home area (e.g. DeSO) and the area's centre point in
place of the home location; ``area_segregation`` also gives M between the home areas themselves.
Home locations are only used to compute distances; nothing about them is returned.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.errors import ParameterError
from likvard.segregation.indices import indices
from likvard.validation import Frame, InstanceOf, Nullable, validate_params

_STUDENTS = Frame(("school_year", "grade"), expected="en elevtabell")
_SCHOOLS = Frame(("school_id", "school_year", "grade_min", "grade_max"), expected="en skoltabell")


def _school_xy(schools: pd.DataFrame) -> pd.DataFrame:
    if {"x", "y"}.issubset(schools.columns) and schools[["x", "y"]].notna().all().all():
        return schools
    if {"lat", "lon"}.issubset(schools.columns):
        from pyproj import Transformer

        tr = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
        x, y = tr.transform(
            schools["lon"].to_numpy(float), schools["lat"].to_numpy(float)
        )
        return schools.assign(x=x, y=y)
    raise ParameterError(
        "schools", "kolumnerna x, y (SWEREF99 TM) eller lat, lon (WGS84) behövs för avstånden."
    )


@validate_params(
    students=_STUDENTS, schools=_SCHOOLS, x=InstanceOf(str, "ett kolumnnamn"), y=InstanceOf(str, "ett kolumnnamn")
)
def nearest_school(
    students: pd.DataFrame, schools: pd.DataFrame, *, x: str = "home_x", y: str = "home_y"
) -> pd.Series:
    """School id of the nearest school offering each student's grade in the student's school year.

    ``students``: ``school_year, grade`` and coordinates ``x``/``y``; ``schools``: ``school_id,
    school_year, x, y, grade_min, grade_max``. Returns a Series aligned on ``students.index``;
    NaN (missing) where no school offers the grade or the location is unknown.
    """
    from scipy.spatial import cKDTree  # imported where home locations are matched

    for col in (x, y):
        if col not in students.columns:
            raise ParameterError("students", f"kolumnen {col!r} med hemmets koordinat saknas.")
    schools = _school_xy(schools)
    s_year = schools["school_year"].to_numpy()
    s_min = schools["grade_min"].to_numpy()
    s_max = schools["grade_max"].to_numpy()
    s_xy = schools[["x", "y"]].to_numpy(float)
    s_id = schools["school_id"].to_numpy(dtype=object)
    found = np.full(len(students), None, dtype=object)
    px = pd.to_numeric(students[x], errors="coerce").to_numpy(float)
    py = pd.to_numeric(students[y], errors="coerce").to_numpy(float)
    ok = np.isfinite(px) & np.isfinite(py)
    years = students["school_year"].to_numpy()
    grades = students["grade"].to_numpy()
    for (year, grade), pos in (
        pd.Series(np.arange(len(students))).groupby([years, grades]).groups.items()
    ):
        cand = np.flatnonzero((s_year == year) & (s_min <= grade) & (s_max >= grade))
        if len(cand) == 0:
            continue
        pos = np.asarray(pos)
        pos = pos[ok[pos]]
        _, idx = cKDTree(s_xy[cand]).query(np.column_stack([px[pos], py[pos]]))
        found[pos] = s_id[cand[idx]]
    out = pd.Series(found, index=students.index, dtype=object, name="home_school_id")
    return out.where(out.notna(), pd.NA)


def _m(counts: pd.DataFrame) -> float:
    return indices(counts)["mutual_information"] if len(counts) else float("nan")


def _table(unit: pd.Series, group: pd.Series) -> pd.DataFrame:
    """``pd.crosstab(unit, group)`` as floats (the two aligned on their index, pairs with a missing
    value left out), counted with ``pd.factorize`` and ``np.bincount``: rows and columns sorted."""
    if not unit.index.equals(group.index):
        both = pd.concat({"unit": unit, "group": group}, axis=1)
        unit, group = both["unit"].rename(unit.name), both["group"].rename(group.name)
    keep = (unit.notna() & group.notna()).to_numpy()
    u_codes, u_values = pd.factorize(unit[keep], sort=True)
    g_codes, g_values = pd.factorize(group[keep], sort=True)
    counts = np.bincount(u_codes * len(g_values) + g_codes, minlength=len(u_values) * len(g_values))
    return pd.DataFrame(counts.reshape(len(u_values), len(g_values)).astype(float),
                        index=pd.Index(u_values, name=unit.name), columns=pd.Index(g_values, name=group.name))


@validate_params(
    students=Frame(("school_year", "grade", "school_id"), expected="en elevtabell"),
    schools=_SCHOOLS,
    group=InstanceOf(str, "ett kolumnnamn"),
    catchment=Nullable(InstanceOf(pd.Series, "en serie med upptagningsskola per elev")),
    areas=Nullable(Frame(("area_id", "x", "y"), expected="en områdestabell")),
)
def residential_vs_choice(
    students: pd.DataFrame,
    schools: pd.DataFrame,
    *,
    group: str = "parent_education",
    catchment: pd.Series | None = None,
    areas: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Split actual school segregation (M) into a residential part and a part added by choice.

    Point data: ``students`` with ``home_x, home_y``. Area data: pass ``areas`` (``area_id, x, y``)
    and ``students`` with ``home_area``; the area centre stands in for the home. ``catchment``
    (aligned on ``students.index``) gives the catchment-area school instead of the nearest one.
    One row per school year: ``school_year, n_students, m_actual, m_residential, m_choice,
    choice_share`` (m_choice / m_actual), ``h_actual, h_residential`` and, with areas,
    ``m_areas`` (M between home areas). Students without a counterfactual school are left out of
    both tables (``n_students_left_out``).
    """
    if group not in students.columns:
        raise ParameterError("group", f"elevtabellen har ingen kolumn {group!r}.")
    if areas is not None and "home_area" not in students.columns:
        raise ParameterError("students", "kolumnen 'home_area' behövs när areas anges.")
    st = students
    if catchment is not None:
        home = catchment.reindex(st.index)
    elif areas is not None:
        centre = areas.set_index("area_id")[["x", "y"]]
        st = st.assign(
            _ax=st["home_area"].map(centre["x"]), _ay=st["home_area"].map(centre["y"])
        )
        home = nearest_school(st, schools, x="_ax", y="_ay")
    else:
        home = nearest_school(st, schools)
    rows = []
    for year, sub in st.groupby("school_year", sort=True):
        h = home.loc[sub.index]
        keep = h.notna() & sub[group].notna() & sub["school_id"].notna()
        s = sub[keep]
        actual = indices(_table(s["school_id"], s[group]))
        cf = indices(_table(h[keep], s[group]))
        row = {
            "school_year": year,
            "n_students": int(keep.sum()),
            "n_students_left_out": int((~keep).sum()),
            "m_actual": actual["mutual_information"],
            "m_residential": cf["mutual_information"],
            "h_actual": actual["theil_h"],
            "h_residential": cf["theil_h"],
            "d_actual": actual["dissimilarity"],
            "d_residential": cf["dissimilarity"],
        }
        row["m_choice"] = row["m_actual"] - row["m_residential"]
        row["choice_share"] = (
            row["m_choice"] / row["m_actual"] if row["m_actual"] > 0 else np.nan
        )
        if areas is not None:
            row["m_areas"] = _m(_table(s["home_area"], s[group]))
        rows.append(row)
    return pd.DataFrame(rows)


@validate_params(
    students=Frame(("school_id",), expected="en elevtabell"),
    home=InstanceOf(pd.Series, "en serie med hemskola per elev"),
    group=InstanceOf(str, "ett kolumnnamn"),
)
def school_comparison(students: pd.DataFrame, home: pd.Series, group: str) -> pd.DataFrame:
    """Per school: actual students and share of each group beside those of its counterfactual intake.

    Columns ``school_id, n_actual, n_residential`` and ``share_<g>_actual, share_<g>_residential``.
    """
    act = _table(students["school_id"], students[group])
    cf = _table(
        home.loc[students.index].dropna(), students.loc[home.dropna().index, group]
    )
    out = pd.DataFrame(
        {"n_actual": act.sum(axis=1), "n_residential": cf.sum(axis=1)}
    ).fillna(0.0)
    for g in act.columns.union(cf.columns):
        out[f"share_{g}_actual"] = act.get(g, 0.0) / out["n_actual"]
        out[f"share_{g}_residential"] = cf.get(g, 0.0) / out["n_residential"]
    out.index.name = "school_id"
    return out.reset_index()
