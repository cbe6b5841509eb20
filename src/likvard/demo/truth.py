"""The demo data with its hidden truths, and writing both to disk.

``DemoData.write(folder)`` writes the five registers as CSV in DESIGN.md's input formats (so
that ``likvard import`` can read them back); ``DemoData.write_truth(folder)`` writes the truths
to a separate folder: DataFrames as CSV, everything else in ``truth.json``.

The small segregation helper here (two-group dissimilarity and mutual information M, natural
log) is independent of ``likvard.segregation`` on purpose, so that engine can be tested against
what the generator built in. D = 1/2 sum_s |a_s/A - b_s/B|; M = sum_s sum_g p_sg ln(p_sg / (p_s p_g)).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from likvard.tables import AuthorityData


def dissimilarity(school: np.ndarray, focal: np.ndarray) -> float:
    """Duncan's two-group dissimilarity index of ``focal`` (bool per student) across schools."""
    _, inv = np.unique(school, return_inverse=True)
    a = np.bincount(inv, weights=focal.astype(float))
    b = np.bincount(inv, weights=(~focal).astype(float))
    if a.sum() == 0 or b.sum() == 0:
        return 0.0
    return float(0.5 * np.abs(a / a.sum() - b / b.sum()).sum())


def mutual_information(school: np.ndarray, group: np.ndarray) -> float:
    """Mutual information index M (natural log) of students' ``group`` across schools."""
    _, si = np.unique(school, return_inverse=True)
    _, gi = np.unique(group, return_inverse=True)
    t = np.zeros((si.max() + 1, gi.max() + 1))
    np.add.at(t, (si, gi), 1.0)
    p = t / t.sum()
    ps, pg = p.sum(axis=1, keepdims=True), p.sum(axis=0, keepdims=True)
    nz = p > 0
    return float((p[nz] * np.log(p[nz] / (ps @ pg)[nz])).sum())


def residential_vs_choice(students: pd.DataFrame, home_school: pd.DataFrame) -> pd.DataFrame:
    """Per school year and grouping: D and M under home-school allocation and actual placement.

    Groupings: ``post_secondary`` (parent_education == post_secondary vs the rest),
    ``foreign_background`` (migration_background != swedish vs swedish), ``parent_education``
    (four groups, M only; D is given for post-secondary).
    """
    df = students[["student_id", "school_year", "school_id", "parent_education", "migration_background"]].merge(
        home_school.rename(columns={"school_id": "home_school_id"}), on=["student_id", "school_year"])
    # labels as codes in sorted order (pd.factorize(sort=True)): the same schools and groups in the
    # same order as np.unique of the strings gives, so the same sums, without sorting strings per year
    codes = {col: pd.factorize(df[col].to_numpy(dtype=object).astype(str), sort=True)[0]
             for col in ("home_school_id", "school_id", "parent_education")}
    post = (df["parent_education"] == "post_secondary").to_numpy()
    foreign = (df["migration_background"] != "swedish").to_numpy()
    rows = []
    for t, pos in df.groupby("school_year", sort=True).indices.items():
        groups = {"post_secondary": post[pos], "foreign_background": foreign[pos]}
        for name, focal in groups.items():
            for alloc, col in (("home_school", "home_school_id"), ("actual", "school_id")):
                s = codes[col][pos]
                rows.append((int(t), name, alloc, dissimilarity(s, focal), mutual_information(s, focal)))
        for alloc, col in (("home_school", "home_school_id"), ("actual", "school_id")):
            rows.append((int(t), "parent_education", alloc, np.nan,
                         mutual_information(codes[col][pos], codes["parent_education"][pos])))
    out = pd.DataFrame(rows, columns=["school_year", "grouping", "allocation", "dissimilarity", "mutual_information"])
    return out


def write_register_csv(df: pd.DataFrame, path: Path) -> Path:
    """``df`` as a CSV file with a header row, by pyarrow's CSV writer (about seven times faster
    than ``DataFrame.to_csv`` on Exempelstad's student register): text in quotes, missing values
    empty, true/false, numbers in their shortest exact form, which ``likvard import`` reads."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    pacsv.write_csv(pa.Table.from_pandas(df, preserve_index=False), path)
    return path


@dataclass
class DemoData(AuthorityData):
    """Exempelstad (or the national benchmark set) with the generator's hidden truths."""

    truth: dict = field(default_factory=dict)

    def write(self, folder: str | Path) -> dict[str, Path]:
        """Write ``schools, students, choices, staff, survey`` (and ``areas``) as CSV files."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {}
        for kind in ("schools", "students", "choices", "staff", "survey", "areas"):
            paths[kind] = write_register_csv(getattr(self, kind), folder / f"{kind}.csv")
        return paths

    def write_truth(self, folder: str | Path) -> dict[str, Path]:
        """Write the truths: each DataFrame to ``<key>.csv``, the rest to ``truth.json``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths: dict[str, Path] = {}
        rest = {}
        for key, value in self.truth.items():
            if isinstance(value, pd.DataFrame):
                path = folder / f"{key}.csv"
                value.to_csv(path, index=False)
                paths[key] = path
            else:
                rest[key] = value
        path = folder / "truth.json"
        path.write_text(json.dumps(rest, indent=2, ensure_ascii=False, default=_jsonable), encoding="utf-8")
        paths["truth"] = path
        return paths


def _jsonable(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, np.ndarray):
        return v.tolist()
    raise TypeError(f"not JSON serialisable: {type(v).__name__}")
