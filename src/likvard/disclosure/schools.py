"""The schools hidden in every published table of a school year, from the school counts the
tables rest on.

One decision for every output of the same data: the Nulägesrapport and its exports (through
``likvard.analyses.dataset.Dataset.hidden``), the quality report and the data packs of the quality
dialogues (``likvard.followup.datapack``) all call :func:`protect_schools` on the same counts
(:func:`authority_counts` for an authority's registers), so a school hidden to protect a small
one reads ``..`` everywhere, including in its own data pack. The cells are each school's number of
students and of students with post-secondary parents, foreign background and newly arrived; the
totals are all schools, each organiser type and each area type (``likvard.disclosure.cells``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from likvard.disclosure.cells import protect, sensitive_share
from likvard.tables import MIN_SHOWN_STUDENTS, AuthorityData

FOREIGN = ("born_in_sweden_foreign_parents", "foreign_born")
"""Migration backgrounds counted as foreign background."""

COUNTED_SHARES = {"n_post_secondary": "share_post_secondary", "n_foreign_background": "share_foreign_background",
                  "n_newly_arrived": "share_newly_arrived"}
"""Count columns behind the shown shares (a share times the shown number of students is the count)."""


def latest_school_rows(schools: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """One row per school: its latest row among ``years`` (all rows when empty), with SWEREF 99 TM
    coordinates ``x, y`` (from ``lat, lon`` when only those are given; NaN when neither)."""
    s = schools.copy()
    s["school_id"] = s["school_id"].astype(str)
    if "school_year" in s and years:
        s = s[s["school_year"].isin(years) | s["school_year"].isna()]
        s = s.sort_values("school_year").groupby("school_id", as_index=False).last()
    else:
        s = s.drop_duplicates("school_id", keep="last")
    if ("x" not in s or s["x"].isna().all()) and {"lat", "lon"} <= set(s.columns):
        from likvard.geo import to_sweref99tm

        s["x"], s["y"] = to_sweref99tm(s["lat"], s["lon"])
    for col in ("x", "y"):
        if col not in s:
            s[col] = np.nan
    return s


def school_area_types(schools: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Each school's area type = that of the nearest area centre (SWEREF99 TM), when not given."""
    if "area_type" in schools and schools["area_type"].notna().any():
        return schools
    if areas is None or areas.empty or not {"area_type", "x", "y"} <= set(areas.columns):
        return schools
    a = areas.dropna(subset=["area_type", "x", "y"])
    ok = schools["x"].notna() & schools["y"].notna()
    if a.empty or not ok.any():
        return schools
    from scipy.spatial import cKDTree

    _, idx = cKDTree(a[["x", "y"]].to_numpy(float)).query(schools.loc[ok, ["x", "y"]].to_numpy(float))
    out = schools.copy()
    out["area_type"] = np.nan
    out.loc[ok, "area_type"] = a["area_type"].astype(float).to_numpy()[idx]
    return out


def authority_counts(data: AuthorityData, years: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(schools, counts)`` of an authority's registers for ``years``: one row per school
    (:func:`latest_school_rows` with :func:`school_area_types`) and one per school and year with
    ``n_students, n_post_secondary, n_foreign_background, n_newly_arrived``."""
    st = data.students
    st = st[st["school_year"].isin(years)]
    schools = school_area_types(latest_school_rows(data.schools, years), data.areas)
    keys = [st["school_id"].astype(str).rename("school_id"), st["school_year"]]
    flags = pd.DataFrame({
        "n_students": 1,
        "n_post_secondary": st["parent_education"].astype(str).eq("post_secondary").to_numpy(),
        "n_foreign_background": st["migration_background"].astype(str).isin(FOREIGN).to_numpy(),
        "n_newly_arrived": (st["newly_arrived"].astype(bool).to_numpy() if "newly_arrived" in st
                            else np.zeros(len(st), dtype=bool)),
    }, index=st.index)
    counts = flags.groupby(keys).sum().astype(int).reset_index()
    return schools, counts


def protect_schools(composition: pd.DataFrame, schools: pd.DataFrame, year: int,
                    min_n: int = MIN_SHOWN_STUDENTS, complementary: bool = True) -> tuple[frozenset, frozenset]:
    """``(hidden schools, hidden share cells)`` of ``year``: schools with fewer than ``min_n``
    students and, with ``complementary``, the further schools (and ``(share column, school_id)``
    cells) that keep every hidden count from following from the totals shown — all schools,
    each organiser type and area type of ``schools`` (``likvard.disclosure.protect``)."""
    c = composition[composition["school_year"] == year].drop_duplicates("school_id").set_index("school_id")
    c.index = pd.Index(c.index.astype(str).to_numpy(dtype=object), dtype=object, name="school_id")  # fast loops
    n = pd.to_numeric(c["n_students"], errors="coerce")
    info = schools.assign(school_id=schools["school_id"].astype(str)).drop_duplicates("school_id")
    info = info.set_index("school_id")
    values: dict = {}
    n_of = dict(zip(n.index, n.to_numpy(dtype=float)))
    rows_primary = {sid for sid, v in n_of.items() if not (v >= min_n)}
    for sid, v in n_of.items():
        if v == v:
            values[("n_students", sid)] = v
    primary = {("n_students", sid) for sid in rows_primary if ("n_students", sid) in values}
    bounds = []
    families = ["n_students"]
    for col in COUNTED_SHARES:
        if col not in c:
            continue
        k = pd.to_numeric(c[col], errors="coerce")
        if k.notna().sum() == 0:
            continue
        families.append(col)
        for sid, v in zip(k.index, k.to_numpy(dtype=float)):
            if v != v or ("n_students", sid) not in values:
                continue
            values[(col, sid)] = v
            bounds.append(((col, sid), ("n_students", sid)))
            if sid in rows_primary or sensitive_share(v, n_of[sid], min_n):
                primary.add((col, sid))
    if not complementary:
        return frozenset(rows_primary), frozenset((COUNTED_SHARES[f], sid) for f, sid in primary if f != "n_students")
    partitions = [pd.Series("all", index=c.index)]
    for col in ("organiser_type", "area_type"):
        if col in info:
            partitions.append(info[col].reindex(c.index).astype(object).fillna("?"))
    totals: dict = {}
    groups = [(part.name, part.groupby(part, sort=True).groups) for part in partitions]
    for f in families:
        for part_name, part_groups in groups:
            for g, idx in part_groups.items():
                members = [(f, sid) for sid in idx if (f, sid) in values]
                if members:
                    totals[(f, part_name, g)] = members
    # published whatever is hidden: every total of each count over all schools (the municipality
    # per year) and the numbers of students per organiser type and area type (the decompositions)
    shown = {name for name in totals if name[1] is None or name[0] == "n_students"}
    hidden: set = set(primary)
    for _ in range(10):
        prot = protect(values, totals, hidden, bounds=bounds, min_total=0, shown_totals=shown)
        rows = {sid for f, sid in prot.hidden if f == "n_students"} | rows_primary
        grown = set(prot.hidden) | {(f, sid) for f in families for sid in rows if (f, sid) in values}
        if grown == hidden:
            break
        hidden = grown
    rows = {sid for f, sid in hidden if f == "n_students"} | rows_primary
    shares = {(COUNTED_SHARES[f], sid) for f, sid in hidden if f != "n_students" and sid not in rows}
    return frozenset(rows), frozenset(shares)


def student_years(data: AuthorityData) -> list[int]:
    """The school years with students in ``data``."""
    return sorted(int(y) for y in data.students["school_year"].unique())


def hidden_schools(data: AuthorityData, year: int, min_n: int = MIN_SHOWN_STUDENTS,
                   counts: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> frozenset[str]:
    """The schools whose figures read ``..`` in every table published from ``data`` for ``year``
    (:func:`protect_schools` on :func:`authority_counts` of every year with students, or on
    ``counts`` already computed so: the same decision as ``Dataset.hidden`` of the
    Nulägesrapport and the quality report)."""
    st = data.students
    if st.empty or not (st["school_year"] == year).any():
        return frozenset()
    schools, table = counts if counts is not None else authority_counts(data, student_years(data))
    return protect_schools(table, schools, int(year), min_n)[0]
