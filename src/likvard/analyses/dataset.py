"""The data every analysis starts from, built once from an authority's registers or from
published files, so that every analysis (and every renderer) sees the same schools and years.

``composition`` has one row per school and year: ``school_id, school_year, name,
organiser_type, n_students, n_post_secondary, n_foreign_background, n_newly_arrived`` (NaN where
unknown) and ``share_post_secondary, share_foreign_background, share_newly_arrived`` (fractions
0–1; from published files the shares as Skolverket gives them, NaN where it hid them, with
``share_suppressed`` true there). ``group_counts(year, grouping)`` gives the school × group count
table the segregation engine takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from likvard.errors import DataError, ParameterError
from likvard.disclosure.schools import authority_counts, protect_schools
from likvard.disclosure.schools import latest_school_rows as _latest_school_rows
from likvard.sources.published import PublishedFiles, deso_rings, read_published_folder
from likvard.tables import AuthorityData

EDUCATION_GROUPS = ("compulsory", "upper_secondary", "post_secondary")
MIGRATION_GROUPS = ("swedish", "born_in_sweden_foreign_parents", "foreign_born")
GROUPINGS = ("parent_education", "migration_background")
"""Groupings segregation is measured over: parents' education, migration background."""


@dataclass
class Dataset:
    """Inputs of every analysis (see the module docstring).

    ``schools``: one row per school, ``school_id, name, organiser_type, x, y`` (+ ``area_type``
    where known). ``group_tables``: grouping -> long table ``school_id, school_year`` + one count
    column per group. ``data``: the registers (None for published files); ``published``: the
    published files read (None for registers); ``municipality_code`` for published data.
    """

    name: str
    source: str
    years: list[int]
    schools: pd.DataFrame
    composition: pd.DataFrame
    group_tables: dict[str, pd.DataFrame]
    data: AuthorityData | None = None
    published: PublishedFiles | None = None
    municipality_code: str | None = None
    polygons: list | None = None
    """Area outlines (rings in SWEREF 99 TM, e.g. DeSO) for the map, or None."""
    _hidden: dict = field(default_factory=dict, repr=False, compare=False)
    """Memo of :meth:`hidden` per (year, rule); a pure function of the fields above."""

    @property
    def last_year(self) -> int:
        return max(self.years)

    @property
    def first_year(self) -> int:
        return min(self.years)

    @property
    def has_students(self) -> bool:
        """True for student-level registers (school effects, need index, homes are possible)."""
        return self.data is not None and not self.data.students.empty

    def names(self) -> dict[str, str]:
        """school_id -> school name."""
        return dict(zip(self.schools["school_id"].astype(str), self.schools["name"].astype(str)))

    def group_columns(self, grouping: str = "parent_education") -> tuple[str, ...]:
        """The groups of ``grouping`` in this dataset, in order."""
        return tuple(c for c in self._group_table(grouping).columns if c not in ("school_id", "school_year"))

    def _group_table(self, grouping: str) -> pd.DataFrame:
        if grouping not in self.group_tables:
            raise ParameterError(
                "grupp", f"'{grouping}' finns inte i underlaget; välj en av {', '.join(self.group_tables)}."
            )
        return self.group_tables[grouping]

    def group_counts(self, year: int, grouping: str = "parent_education") -> pd.DataFrame:
        """School × group counts (index ``school_id``) for one year; schools without students dropped."""
        g = self._group_table(grouping)
        cols = list(self.group_columns(grouping))
        sub = g[g["school_year"] == year].set_index("school_id")[cols].astype(float)
        return sub[sub.sum(axis=1) > 0]

    def hidden(self, year: int, min_students: int = 10, complementary: bool = True) -> set[str]:
        """Schools whose figures read ``..`` in every table of ``year``: fewer than ``min_students``
        students and, with ``complementary``, the further schools that keep every hidden count from
        following from the totals shown (all schools, each organiser type and area type) and the
        other tables (``likvard.disclosure.protect``, solved with the share cells of
        :meth:`hidden_shares`)."""
        return set(self._protection(year, min_students, complementary)[0])

    def hidden_shares(self, year: int, min_students: int = 10, complementary: bool = True) -> set[tuple[str, str]]:
        """``(share column, school_id)`` pairs that read ``..`` in ``year`` although the school is
        shown: the numerator or its complement is 1–9 students (``sensitive_share``), or the share
        is hidden so that such a share cannot be recovered from the totals."""
        return set(self._protection(year, min_students, complementary)[1])

    def protection_of_all_years(self, min_students: int = 10, complementary: bool = True) -> dict:
        """The decisions behind :meth:`hidden` and :meth:`hidden_shares` for every year of the
        dataset, keyed as they are kept (for :meth:`adopt_protection`); for published files kept
        between runs (``likvard.analyses._reuse.reuse_for_published``)."""
        from likvard.analyses._reuse import reuse_for_published

        keys = [(int(y), int(min_students), bool(complementary)) for y in self.years]
        decisions = reuse_for_published("protection", self, tuple(keys), lambda: {k: self._protection(*k) for k in keys})
        self._hidden.update(decisions)
        return decisions

    def adopt_protection(self, decisions: dict) -> None:
        """Keep ``decisions`` computed by :meth:`protection_of_all_years` on this same dataset
        (e.g. in a second process while the analyses run), so they are not computed again."""
        self._hidden.update(decisions)

    def _protection(self, year: int, min_students: int, complementary: bool) -> tuple[frozenset, frozenset]:
        key = (int(year), int(min_students), bool(complementary))
        if key not in self._hidden:
            self._hidden[key] = protect_schools(self.composition, self.schools, int(year), int(min_students),
                                                bool(complementary))
        return self._hidden[key]


def _choose_years(available: list[int], years: list[int] | None) -> list[int]:
    chosen = sorted(y for y in (years or available) if y in available)
    if not chosen:
        raise DataError(
            f"Inga uppgifter finns för de valda läsåren; underlaget har läsåren {available[0]}–{available[-1]}."
        )
    return chosen


def dataset_from_authority(data: AuthorityData, years: list[int] | None = None) -> Dataset:
    """Dataset from student-level registers (Exempelstad or an authority's imported data)."""
    if data.students.empty:
        raise DataError("Elevregistret är tomt: importera elever ('likvard import students FIL') eller använd --demo.")
    st = data.students.copy()
    st["school_id"] = st["school_id"].astype(str)
    years = _choose_years(sorted(int(y) for y in st["school_year"].unique()), years)
    st = st[st["school_year"].isin(years)]
    schools, comp = authority_counts(data, years)  # the counts disclosure control rests on
    comp = _add_shares(comp, schools)
    tables = {}
    for grouping, groups in (("parent_education", EDUCATION_GROUPS), ("migration_background", MIGRATION_GROUPS)):
        ct = pd.crosstab([st["school_id"], st["school_year"]], st[grouping].astype(str))
        for g in groups:
            if g not in ct:
                ct[g] = 0
        tables[grouping] = ct[list(groups)].reset_index()
    return Dataset(
        name=data.name or "",
        source=f"Huvudmannens egna elevregister ({data.name})" if data.name else "Huvudmannens egna elevregister",
        years=years,
        schools=schools,
        composition=comp,
        group_tables=tables,
        data=data,
    )


def _add_shares(comp: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    comp = comp.copy()
    n = comp["n_students"].astype(float)
    for what in ("post_secondary", "foreign_background", "newly_arrived"):
        comp[f"share_{what}"] = comp[f"n_{what}"].astype(float) / n.where(n > 0)
    info = schools[["school_id", "name", "organiser_type"]].drop_duplicates("school_id")
    comp = comp.merge(info, on="school_id", how="left")
    comp["name"] = comp["name"].fillna(comp["school_id"])
    return comp.sort_values(["school_year", "name"]).reset_index(drop=True)


def dataset_from_published_folder(
    folder: str | Path, municipality_code: str, years: list[int] | None = None
) -> Dataset:
    """Dataset for one municipality from a folder of Skolverket's (and Kolada's) files."""
    return dataset_from_published(published_files(folder), municipality_code, years)


def published_files(folder: str | Path) -> PublishedFiles:
    """``read_published_folder(folder)``, kept whole between runs (``likvard.analyses._reuse``, keyed
    by the content of every file in the folder): one read of a small pickle instead of the
    folder's parsed files one by one."""
    from likvard.analyses._reuse import folder_digest, remember_digest, reuse

    folder = Path(folder)
    if not folder.is_dir():
        return read_published_folder(folder)  # its error names the folder
    digest = folder_digest(folder)
    files = reuse("published_files", [digest], str(folder.resolve()), lambda: read_published_folder(folder), keep=True)
    remember_digest(files, digest)
    return files


def dataset_from_published(files: PublishedFiles, municipality_code: str, years: list[int] | None = None) -> Dataset:
    """Dataset for one municipality from published files already read.

    Shares Skolverket hid stay NaN (read as ``..``) and those units are left out of the
    segregation indices, which say how many students that concerns.
    """
    code = str(municipality_code).strip()
    if not (len(code) == 4 and code.isdigit()):
        raise ParameterError("kommun", f"'{municipality_code}' är ingen kommunkod; väntade fyra siffror, t.ex. 1880.")
    composition = files.composition
    c = composition[composition["municipality_code"].astype(str) == code].copy()
    if c.empty:
        raise DataError(f"Kommunkoden {code} finns inte i Skolverkets filer i {files.folder}.")
    years = _choose_years(sorted(int(y) for y in c["school_year"].unique()), years)
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
    cased_names = cased.groupby("school_id")["name"].last()
    schools["name"] = [cased_names.get(sid, name) for sid, name in zip(schools["school_id"], schools["name"])]
    cols = ["school_id", "name", "organiser_type"] + [k for k in ("area_type",) if k in schools]
    schools = schools[cols]
    if files.coordinates is not None and not files.coordinates.empty:
        schools = schools.merge(files.coordinates, on="school_id", how="left", suffixes=("", "_c"))
    schools = _latest_school_rows(schools, [])
    comp = _add_shares(comp.drop(columns=["share_suppressed"]), schools).merge(
        comp[["school_id", "school_year", "share_suppressed"]], on=["school_id", "school_year"]
    )
    index = pd.MultiIndex.from_frame(comp[["school_id", "school_year"]])
    for what in ("post_secondary", "foreign_background"):
        comp[f"share_{what}"] = c.set_index(["school_id", "school_year"])[f"share_{what}"].reindex(index).to_numpy()
    edu = comp[["school_id", "school_year"]].copy()
    edu["post_secondary"] = comp["n_post_secondary"].astype(float)
    edu["other"] = comp["n_students"].astype(float) - edu["post_secondary"]
    mig = comp[["school_id", "school_year"]].copy()
    mig["foreign_background"] = comp["n_foreign_background"].astype(float)
    mig["swedish"] = comp["n_students"].astype(float) - mig["foreign_background"]
    name = str(c["municipality"].iloc[-1]) if "municipality" in c else code
    polygons = None
    if files.deso_file is not None and code.startswith("03") and schools["x"].notna().any():
        polygons = deso_rings(files.deso_file)  # DeSO areas of Uppsala län
    return Dataset(
        name=f"{name} kommun",
        source="Skolverkets officiella statistik per skolenhet (Källa: Skolverket)",
        years=years,
        schools=schools,
        composition=comp,
        group_tables={"parent_education": edu.dropna(), "migration_background": mig.dropna()},
        published=files,
        municipality_code=code,
        polygons=polygons,
    )
