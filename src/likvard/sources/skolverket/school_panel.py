"""The national donor pool: a school panel of every school unit with grade-9 results, from
Skolverket's published files as users download them.

Outcomes per school unit and school year 2020/21-2024/25 from the Planned Educations export
(``skolkarta_grundskolor_ak9_*.csv``, ``read_skolkarta``): ``merit_value`` (mean merit value)
or ``share_eligible`` (share eligible for a vocational programme, 0-1). ``n_students`` is the
number of grade-9 students from "Grundskolan - Antal elever per årskurs … Skolenhet.csv" of the
same year (and "Slutbetyg årskurs 9 … Skolenhet.csv" where that year's composition file is
missing); NaN when neither file is there. Suppressed or missing cells (``..``, blank) stay
missing, never zero. Result columns: ``school_id, school_year, value, n_students``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from likvard.sources.skolverket.composition import read_student_composition
from likvard.sources.skolverket.errors import SourceFileError
from likvard.sources.skolverket.planned_educations import read_skolkarta
from likvard.sources.skolverket.results import read_grade9_results

OUTCOMES = ("merit_value", "share_eligible")


def _find(folder: Path, pattern: str) -> list[Path]:
    return sorted(p for p in folder.rglob(pattern) if p.is_file())


def read_national_panel(folder: str | Path, outcome: str = "merit_value") -> pd.DataFrame:
    """The panel of the module docstring from the files found under ``folder``."""
    folder = Path(folder)
    if outcome not in OUTCOMES:
        raise SourceFileError(folder, f"utfallet '{outcome}' finns inte i riksdata; välj {' eller '.join(OUTCOMES)}.")
    maps = _find(folder, "skolkarta_grundskolor_ak9_*.csv")
    if not maps:
        raise SourceFileError(folder, "hittade ingen fil 'skolkarta_grundskolor_ak9_*.csv' (Skolverkets "
                              "skolenhetsstatistik med meritvärde per läsår).")
    sk = read_skolkarta(maps[-1])
    cols = [c for c in sk.columns if re.fullmatch(rf"{outcome}_\d{{4}}", c)]
    if not cols:
        raise SourceFileError(maps[-1], f"inga årskolumner för {outcome} hittades.")
    long = sk.melt(id_vars="school_id", value_vars=cols, var_name="col", value_name="value")
    long["school_year"] = long["col"].str[-4:].astype(np.int64)
    long = long.drop(columns="col")
    counts = []
    for path in _find(folder, "Grund*Antal elever per årskurs * Skolenhet.csv"):
        comp = read_student_composition(path)
        counts.append(comp[["school_id", "school_year", "students_grade_9"]].rename(columns={"students_grade_9": "n"}))
    have = {int(c["school_year"].iloc[0]) for c in counts if len(c)}
    for path in _find(folder, "Grundskola - Slutbetyg årskurs 9*Skolenhet.csv"):
        res = read_grade9_results(path)
        if len(res) and int(res["school_year"].iloc[0]) not in have:
            counts.append(res[["school_id", "school_year", "n_students"]].rename(columns={"n_students": "n"}))
    if counts:
        n = pd.concat(counts, ignore_index=True).drop_duplicates(["school_id", "school_year"])
        long = long.merge(n, on=["school_id", "school_year"], how="left")
    else:
        long["n"] = np.nan
    out = long.rename(columns={"n": "n_students"})[["school_id", "school_year", "value", "n_students"]]
    return out.sort_values(["school_id", "school_year"]).reset_index(drop=True)
