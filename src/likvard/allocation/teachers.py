"""Teacher distribution against need: certification, lead teachers, experience and turnover.

Per school and year (from the ``staff`` table, DESIGN.md): the FTE-weighted share of certified
teachers, lead teachers (förstelärare) per 100 students, mean experience, and turnover = share of
the previous year's staff at the school who are no longer there. Set against need: student-weighted
means per need quintile and the gap between the neediest and least needy fifth; the dissimilarity
index of certified teachers across students,

    D = 1/2 * sum_s | C_s / C - N_s / N |,

the share of certified teacher FTE that would have to move for every student to have the same
number of certified teachers (Duncan and Duncan 1955, applied to teachers and students).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.allocation.equity import (
    concentration_curve,
    concentration_index,
    quintile_means,
)
from likvard.errors import ParameterError
from likvard.validation import Frame, InstanceOf, Integer, Nullable, validate_params


@validate_params(
    staff=Frame(("staff_id", "school_year", "school_id", "certified", "lead_teacher", "fte"), expected="en personaltabell"),
    students=Frame(("school_id", "school_year"), expected="en elevtabell"),
    need=Nullable(Frame(("school_id", "school_year", "need_index"), expected="behovsindex per skola och år")),
)
def teacher_distribution(staff: pd.DataFrame, students: pd.DataFrame, need: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per school and year: ``school_id, school_year, n_students, n_teachers`` (people),
    ``teacher_fte, certified_fte,
    share_certified, lead_teachers, lead_teachers_per_100, mean_experience, turnover`` and, with
    ``need`` (``school_id, school_year, need_index``), ``need_index``.
    """
    st = staff.copy()
    st["school_id"] = st["school_id"].astype(str)
    st["certified"] = st["certified"].astype(bool)
    st["lead_teacher"] = st["lead_teacher"].astype(bool)
    st["fte"] = st["fte"].astype(float)
    st["certified_fte"] = st["fte"] * st["certified"]
    agg = {
        "teacher_fte": ("fte", "sum"),
        "certified_fte": ("certified_fte", "sum"),
        "lead_teachers": ("lead_teacher", "sum"),
        "n_teachers": ("staff_id", "nunique"),
    }
    if "experience_years" in st:
        st["exp_x_fte"] = st["experience_years"].astype(float) * st["fte"]
        agg["exp_x_fte"] = ("exp_x_fte", "sum")
    out = st.groupby(["school_id", "school_year"], as_index=False).agg(**agg)
    out["share_certified"] = out["certified_fte"] / out["teacher_fte"]
    if "exp_x_fte" in out:
        out["mean_experience"] = out.pop("exp_x_fte") / out["teacher_fte"]

    # turnover: previous year's staff at the school who are not there this year
    pairs = st[["staff_id", "school_id", "school_year"]].drop_duplicates()
    prev = pairs.assign(school_year=pairs["school_year"] + 1)
    stayed = prev.merge(pairs, on=["staff_id", "school_id", "school_year"], how="left", indicator=True)
    stayed["left"] = stayed["_merge"].eq("left_only")
    turn = stayed.groupby(["school_id", "school_year"], as_index=False).agg(
        prev_staff=("left", "size"), left=("left", "sum")
    )
    turn = turn[turn["school_year"].isin(out["school_year"].unique())]
    out = out.merge(turn, on=["school_id", "school_year"], how="left")
    out["turnover"] = out["left"] / out["prev_staff"]
    out = out.drop(columns=["prev_staff", "left"])

    n = students.groupby([students["school_id"].astype(str), "school_year"]).size().rename("n_students").reset_index()
    out = out.merge(n, on=["school_id", "school_year"], how="left")
    out["n_students"] = out["n_students"].fillna(0).astype(int)
    out["lead_teachers_per_100"] = np.where(out["n_students"] > 0, 100 * out["lead_teachers"] / out["n_students"], np.nan)
    if need is not None:
        nd = need[["school_id", "school_year", "need_index"]].copy()
        nd["school_id"] = nd["school_id"].astype(str)
        out = out.merge(nd, on=["school_id", "school_year"], how="left")
    return out


def dissimilarity_teachers_students(certified_fte: np.ndarray, n_students: np.ndarray) -> float:
    """D = 1/2 sum_s |C_s/C - N_s/N| (0 = certified teachers spread exactly like students)."""
    c = np.asarray(certified_fte, dtype=float)
    n = np.asarray(n_students, dtype=float)
    return float(0.5 * np.abs(c / c.sum() - n / n.sum()).sum())


@validate_params(distribution=Frame(("n_students", "certified_fte"), expected="teacher_distribution för ett läsår"),
                 need_column=InstanceOf(str, "ett kolumnnamn"))
def teacher_gaps(distribution: pd.DataFrame, *, need_column: str = "need_index") -> dict:
    """For one year: student-weighted means per need quintile (least needy first), the gap between
    the neediest and least needy fifth, D of certified teachers across students, the concentration
    index of certified teachers per student against need, and the concentration curve.
    """
    if need_column not in distribution.columns:
        raise ParameterError("distribution", f"kolumnen {need_column!r} saknas; ange need till teacher_distribution.")
    d = distribution.dropna(subset=[need_column])
    d = d[d["n_students"] > 0]
    need = d[need_column].to_numpy(dtype=float)
    n = d["n_students"].to_numpy(dtype=float)
    result: dict = {"n_schools": len(d), "n_students": int(n.sum())}
    for col in ("share_certified", "lead_teachers_per_100", "mean_experience", "turnover"):
        if col in d:
            means = quintile_means(d[col].to_numpy(dtype=float), need, n)
            result[col] = {"quintiles": means.tolist(), "gap_neediest_minus_least": float(means[-1] - means[0])}
    result["dissimilarity_certified"] = dissimilarity_teachers_students(d["certified_fte"].to_numpy(), n)
    per_student = d["certified_fte"].to_numpy(dtype=float) / n
    result["concentration_index_certified"] = concentration_index(per_student, need, n)
    result["concentration_curve"] = concentration_curve(d["certified_fte"].to_numpy(dtype=float), need, n)
    return result


@validate_params(units=Frame(("students_total", "share_post_secondary", "share_foreign_background",
                              "share_certified_teachers"), expected="skolenheter med sammansättning och lärare"),
                 groups=Integer(min=1, max=100))
def published_certification_gap(units: pd.DataFrame, *, groups: int = 5) -> pd.DataFrame:
    """Certified-teacher share by composition group from published per-school data.

    ``units``: one row per school unit with ``students_total``, ``share_post_secondary``,
    ``share_foreign_background`` (0-1) and ``share_certified_teachers`` (0-1). The composition
    index is the share with post-secondary-educated parents minus the share with foreign
    background (higher = more favourable). Groups are quantiles of students (weighted); returns
    one row per group with the student-weighted mean certified share and the number of units.
    """
    d = units.dropna(subset=["students_total", "share_post_secondary", "share_foreign_background", "share_certified_teachers"])
    d = d[d["students_total"] > 0]
    favourable = d["share_post_secondary"].to_numpy(float) - d["share_foreign_background"].to_numpy(float)
    need = -favourable  # neediest last
    n = d["students_total"].to_numpy(float)
    from likvard.allocation.equity import quintile_shares

    shares = quintile_shares(need, n, groups)
    cert = d["share_certified_teachers"].to_numpy(float)
    rows = []
    for k in range(groups):
        w = shares[:, k]
        rows.append(
            {
                "group": k + 1,
                "share_certified": float((cert * w).sum() / w.sum()),
                "n_units": int((w > 0).sum()),
                "n_students": float(w.sum()),
                "mean_share_post_secondary": float((d["share_post_secondary"].to_numpy(float) * w).sum() / w.sum()),
                "mean_share_foreign_background": float((d["share_foreign_background"].to_numpy(float) * w).sum() / w.sum()),
            }
        )
    return pd.DataFrame(rows)


@validate_params(units=Frame(("school_id", "share_certified_teachers", "students_total"),
                              expected="skolenheter med andel legitimerade lärare"),
                 area_types=Frame(("school_id", "area_type"), expected="områdestyp per skolenhet"))
def certification_by_area_type(units: pd.DataFrame, area_types: pd.DataFrame) -> pd.DataFrame:
    """Certified-teacher share by the school's socioeconomic area type (SCB/Delmos 1-5, as
    Skolverket classifies units): ``area_type, n_units, n_students, share_certified_unweighted,
    share_certified`` (student-weighted). ``area_types``: ``school_id, area_type``."""
    d = units.merge(area_types[["school_id", "area_type"]], on="school_id", how="inner")
    d = d.dropna(subset=["share_certified_teachers", "area_type", "students_total"])
    d = d[d["students_total"] > 0]
    rows = []
    for t, g in d.groupby("area_type"):
        rows.append(
            {
                "area_type": int(t),
                "n_units": len(g),
                "n_students": float(g["students_total"].sum()),
                "share_certified_unweighted": float(g["share_certified_teachers"].mean()),
                "share_certified": float(np.average(g["share_certified_teachers"], weights=g["students_total"])),
            }
        )
    return pd.DataFrame(rows)
