"""Everything the sections need, built once from an authority's tables or from published files.

``composition`` has one row per school and year: ``school_id, school_year, name, organiser_type,
n_students, n_post_secondary, n_foreign_background, n_newly_arrived`` (NaN where unknown) and the
shares (fractions 0-1). ``group_counts(year)`` gives the school x group count table the segregation
engine takes (parents' education: compulsory / upper secondary / post-secondary for student
records; post-secondary / other for published shares).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from likvard.tables import AuthorityData

FOREIGN = ("born_in_sweden_foreign_parents", "foreign_born")
EDUCATION_GROUPS = ("compulsory", "upper_secondary", "post_secondary")


@dataclass
class ReportContext:
    """Inputs of every section."""

    title: str
    source: str
    years: list[int]
    schools: pd.DataFrame
    """One row per school: ``school_id, name, organiser_type, x, y`` (+ ``area_type`` where known)."""
    composition: pd.DataFrame
    data: AuthorityData | None = None
    store: object | None = None
    polygons: list | None = None
    published: dict = field(default_factory=dict)
    group_columns: tuple[str, ...] = EDUCATION_GROUPS
    group_table: pd.DataFrame | None = None
    """Long table ``school_id, school_year`` + one count column per group."""
    seed: int = 2026
    n_bootstrap: int = 200

    @property
    def last_year(self) -> int:
        return max(self.years)

    @property
    def first_year(self) -> int:
        return min(self.years)

    def names(self) -> dict[str, str]:
        return dict(zip(self.schools["school_id"].astype(str), self.schools["name"].astype(str)))

    def group_counts(self, year: int) -> pd.DataFrame:
        """School x group counts (index ``school_id``) for one year; empty schools dropped."""
        g = self.group_table
        sub = g[g["school_year"] == year].set_index("school_id")[list(self.group_columns)].astype(float)
        return sub[sub.sum(axis=1) > 0]

    def hidden(self, year: int) -> set[str]:
        """Schools whose figures read ``..`` in every table of ``year``: fewer than 10 students, plus
        complementary suppression within the whole and each organiser type and area type (whose
        totals the report shows), so no table reveals another's hidden cell."""
        cache = self.__dict__.setdefault("_hidden", {})
        if year not in cache:
            from likvard.views.suppression import protected_units

            c = self.composition[self.composition["school_year"] == year].set_index("school_id")
            info = self.schools.set_index("school_id")
            groups = info[[k for k in ("organiser_type", "area_type") if k in info]].reindex(c.index)
            cache[year] = protected_units(c["n_students"], groups)
        return cache[year]

    @property
    def has_students(self) -> bool:
        return self.data is not None and not self.data.students.empty


def _latest_school_rows(schools: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    s = schools.copy()
    s["school_id"] = s["school_id"].astype(str)
    if "school_year" in s and years:
        s = s[s["school_year"].isin(years) | s["school_year"].isna()]
        s = s.sort_values("school_year").groupby("school_id", as_index=False).last()
    else:
        s = s.drop_duplicates("school_id", keep="last")
    if ("x" not in s or s["x"].isna().all()) and {"lat", "lon"} <= set(s.columns):
        from likvard.views.maps import to_sweref99tm

        s["x"], s["y"] = to_sweref99tm(s["lat"], s["lon"])
    for col in ("x", "y"):
        if col not in s:
            s[col] = np.nan
    return s


def context_from_authority(
    data: AuthorityData, years: list[int] | None = None, store: object | None = None, title: str = ""
) -> ReportContext:
    """Context from student-level registers (Exempelstad or an authority's imported data)."""
    st = data.students.copy()
    st["school_id"] = st["school_id"].astype(str)
    all_years = sorted(int(y) for y in st["school_year"].unique())
    years = sorted(y for y in (years or all_years) if y in all_years)
    if not years:
        raise ValueError(f"Inga elever finns för de valda läsåren; data finns för {all_years}.")
    st = st[st["school_year"].isin(years)]
    schools = _school_area_types(_latest_school_rows(data.schools, years), data.areas)
    st["is_post"] = st["parent_education"].astype(str).eq("post_secondary")
    st["is_foreign"] = st["migration_background"].astype(str).isin(FOREIGN)
    st["is_new"] = st["newly_arrived"].astype(bool) if "newly_arrived" in st else False
    comp = (
        st.groupby(["school_id", "school_year"])
        .agg(
            n_students=("student_id", "size"),
            n_post_secondary=("is_post", "sum"),
            n_foreign_background=("is_foreign", "sum"),
            n_newly_arrived=("is_new", "sum"),
        )
        .reset_index()
    )
    comp = _add_shares(comp, schools)
    groups = pd.crosstab([st["school_id"], st["school_year"]], st["parent_education"].astype(str))
    for g in EDUCATION_GROUPS:
        if g not in groups:
            groups[g] = 0
    group_table = groups[list(EDUCATION_GROUPS)].reset_index()
    return ReportContext(
        title=title or f"Nulägesrapport {data.name}".strip(),
        source=f"Huvudmannens egna elevregister ({data.name})" if data.name else "Huvudmannens egna elevregister",
        years=years,
        schools=schools,
        composition=comp,
        data=data,
        store=store,
        group_columns=EDUCATION_GROUPS,
        group_table=group_table,
    )


def _school_area_types(schools: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
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


def _add_shares(comp: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    comp = comp.copy()
    n = comp["n_students"].astype(float)
    for what in ("post_secondary", "foreign_background", "newly_arrived"):
        comp[f"share_{what}"] = comp[f"n_{what}"].astype(float) / n.where(n > 0)
    info = schools[["school_id", "name", "organiser_type"]].drop_duplicates("school_id")
    comp = comp.merge(info, on="school_id", how="left")
    comp["name"] = comp["name"].fillna(comp["school_id"])
    return comp.sort_values(["school_year", "name"]).reset_index(drop=True)


def context_from_published(
    composition: pd.DataFrame,
    municipality_code: str,
    years: list[int] | None = None,
    coordinates: pd.DataFrame | None = None,
    published: dict | None = None,
    polygons: list | None = None,
) -> ReportContext:
    """Context from Skolverket's per-school composition series (``read_composition_series``).

    Shares Skolverket suppressed stay NaN (read as ``..`` in tables) and those units are left out
    of the segregation indices, which say how many students that concerns.
    """
    c = composition[composition["municipality_code"].astype(str) == str(municipality_code)].copy()
    if c.empty:
        raise ValueError(f"Kommunkod {municipality_code} finns inte i Skolverkets filer.")
    all_years = sorted(int(y) for y in c["school_year"].unique())
    years = sorted(y for y in (years or all_years) if y in all_years)
    if not years:
        raise ValueError(f"Inga uppgifter för de valda läsåren; filerna har {all_years[0]}–{all_years[-1]}.")
    c = c[c["school_year"].isin(years)]
    c["school_id"] = c["school_id"].astype(str)
    c = c.drop_duplicates(["school_id", "school_year"], keep="last")  # one row per unit and year
    c["n_students"] = c["students_total"].astype(float)
    c["n_newly_arrived"] = np.nan
    keep = ["school_id", "school_year", "n_students", "n_post_secondary", "n_foreign_background", "n_newly_arrived"]
    comp = c[keep].copy()
    comp["share_suppressed"] = c["share_post_secondary_status"].astype(str).eq("suppressed").to_numpy()
    schools = c.sort_values("school_year").groupby("school_id", as_index=False).last()
    # Underlag för analys (2024/25) writes names in capitals: prefer the latest name in normal case
    cased = c[c["name"].astype(str) != c["name"].astype(str).str.upper()].sort_values("school_year")
    cased = cased.groupby("school_id")["name"].last()
    schools["name"] = [cased.get(sid, name) for sid, name in zip(schools["school_id"], schools["name"])]
    cols = ["school_id", "name", "organiser_type"] + [k for k in ("area_type",) if k in schools]
    schools = schools[cols]
    if coordinates is not None and not coordinates.empty:
        coords = coordinates.copy()
        coords["school_id"] = coords["school_id"].astype(str)
        schools = schools.merge(coords.drop_duplicates("school_id"), on="school_id", how="left", suffixes=("", "_c"))
    schools = _latest_school_rows(schools, [])
    comp = _add_shares(comp.drop(columns=["share_suppressed"]), schools).merge(
        comp[["school_id", "school_year", "share_suppressed"]], on=["school_id", "school_year"]
    )
    for what in ("post_secondary", "foreign_background"):
        comp[f"share_{what}"] = (c.set_index(["school_id", "school_year"])[f"share_{what}"]
                                 .reindex(pd.MultiIndex.from_frame(comp[["school_id", "school_year"]])).to_numpy())
    g = comp[["school_id", "school_year"]].copy()
    g["post_secondary"] = comp["n_post_secondary"].astype(float)
    g["other"] = comp["n_students"].astype(float) - g["post_secondary"]
    g = g.dropna()
    published = dict(published or {})
    published["composition_raw"] = c
    name = str(c["municipality"].iloc[-1]) if "municipality" in c else str(municipality_code)
    return ReportContext(
        title=f"Nulägesrapport {name} kommun",
        source="Skolverkets officiella statistik per skolenhet (Källa: Skolverket)",
        years=years,
        schools=schools,
        composition=comp,
        published=published,
        polygons=polygons,
        group_columns=("post_secondary", "other"),
        group_table=g,
    )
