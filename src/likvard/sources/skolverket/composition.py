"""Student composition per school unit and year (Skolverket "Grundskola - Antal elever per årskurs",
level Skolenhet, 2009/10-2025/26; 2024/25 from "Underlag för analys").

One row per school unit and year with students per grade, the published shares as fractions and
the group counts they imply (share x students in grades 1-9), each share with a status column
(``likvard.sources.skolverket.markers``). Shares are whole percent up to 2021/22 and have one
decimal from 2022/23, so implied counts carry a rounding error of up to 0.5 (0.05) percentage
points times the number of students. Legacy 9-digit school codes (2009/10-2012/13) are kept and
flagged (``legacy_code``): they do not join to later 8-digit codes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from likvard.sources.cache import cached_reader
from likvard.sources.skolverket.banner import read_school_unit_export
from likvard.sources.skolverket.errors import SourceFileError
from likvard.sources.skolverket.markers import STATUS_VALUE, parse_numbers

SHARES = {
    "Andel (%) flickor, årskurs 1-9": ("share_girls", "n_girls"),
    "Andel (%) elever med utländsk bakgrund, åk 1-9": ("share_foreign_background", "n_foreign_background"),
    "Andel (%) elever med föräldrar med eftergymnasial utb., åk 1-9": ("share_post_secondary", "n_post_secondary"),
}
AREA_TYPES = {
    "Områden med stora socioekonomiska utmaningar": 1,
    "Områden med socioekonomiska utmaningar": 2,
    "Socioekonomiskt blandade områden": 3,
    "Områden med goda socioekonomiska förutsättningar": 4,
    "Områden med mycket goda socioekonomiska förutsättningar": 5,
}
ORGANISER = {"Kommunal": "municipal", "Enskild": "independent", "Statlig": "state", "Region": "region"}
REQUIRED = ("Skola", "Skol-enhetskod", "Skolkommun", "Kommun-kod", "Typ av huvudman", "Elever, årskurs 1-9")

COLUMNS = [
    "school_id", "legacy_code", "school_year", "name", "municipality", "municipality_code",
    "organiser_type", "organiser", "organiser_orgnr",
    *[f"students_grade_{g}" for g in range(10)], "students_total",
    "share_girls", "share_girls_status", "share_foreign_background", "share_foreign_background_status",
    "share_post_secondary", "share_post_secondary_status",
    "n_girls", "n_foreign_background", "n_post_secondary", "area_type",
]


@cached_reader
def read_student_composition(path: str | Path) -> pd.DataFrame:
    """One "Antal elever per årskurs ... Skolenhet.csv" file as a tidy table (see module docstring)."""
    raw, year = read_school_unit_export(path, REQUIRED, "Grundskola - Antal elever per årskurs")
    code = raw["Skol-enhetskod"].str.strip()
    out = pd.DataFrame(
        {
            "school_id": code,
            "legacy_code": code.str.len().eq(9).to_numpy(),
            "school_year": year,
            "name": raw["Skola"].str.strip(),
            "municipality": raw["Skolkommun"].str.strip(),
            "municipality_code": raw["Kommun-kod"].str.strip().str.zfill(4),
            "organiser_type": raw["Typ av huvudman"].str.strip().map(ORGANISER).fillna(raw["Typ av huvudman"]),
            "organiser": raw.get("Huvudman", pd.Series("", index=raw.index)).str.strip(),
            "organiser_orgnr": raw.get("Huvudman orgnr", pd.Series("", index=raw.index)).str.strip(),
        }
    )
    grade_cols = {0: "Elever, förskoleklass", **{g: f"Elever, årskurs {g}" for g in range(1, 10)}}
    for g, col in grade_cols.items():
        out[f"students_grade_{g}"] = parse_numbers(raw[col])[0].to_numpy() if col in raw else np.nan
    out["students_total"] = parse_numbers(raw["Elever, årskurs 1-9"])[0].to_numpy()
    for col, (share, count) in SHARES.items():
        if col in raw:
            values, status = parse_numbers(raw[col])
            out[share] = (values / 100.0).to_numpy()
            out[f"{share}_status"] = status.to_numpy()
        else:
            out[share] = np.nan
            out[f"{share}_status"] = "missing"
    for col, (share, count) in SHARES.items():
        ok = out[f"{share}_status"].eq(STATUS_VALUE)
        out[count] = np.where(ok, out[share] * out["students_total"], np.nan)
    if "Socioekonomisk områdestyp" in raw:
        out["area_type"] = raw["Socioekonomisk områdestyp"].str.strip().map(AREA_TYPES).astype(float).to_numpy()
    else:
        out["area_type"] = np.nan
    return out[COLUMNS]


def composition_from_underlag(units: pd.DataFrame) -> pd.DataFrame:
    """2024/25 composition rows (same columns) from ``read_underlag_for_analys`` output.

    Underlag för analys gives no per-grade counts, so those columns are NaN; its student count is
    for grades 1-9 as in the series.
    """
    u = units[units["level"] == "school_unit"]
    out = pd.DataFrame(
        {
            "school_id": u["school_id"].to_numpy(),
            "legacy_code": False,
            "school_year": u["school_year"].to_numpy(),
            "name": u["name"].to_numpy(),
            "municipality": np.nan,
            "municipality_code": np.nan,
            "organiser_type": np.nan,
            "organiser": u["organiser"].to_numpy(),
            "organiser_orgnr": u["organiser_orgnr"].to_numpy(),
        }
    )
    for g in range(10):
        out[f"students_grade_{g}"] = np.nan
    out["students_total"] = u["students_total"].to_numpy()
    for share, count in (("share_girls", "n_girls"), ("share_foreign_background", "n_foreign_background"),
                         ("share_post_secondary", "n_post_secondary")):
        out[share] = u[share].to_numpy()
        out[f"{share}_status"] = u[f"{share}_status"].to_numpy()
        ok = out[f"{share}_status"].eq(STATUS_VALUE)
        out[count] = np.where(ok, out[share] * out["students_total"], np.nan)
    out["area_type"] = np.nan
    return out[COLUMNS]


def read_composition_series(folder: str | Path) -> pd.DataFrame:
    """All "Antal elever per årskurs ... Skolenhet.csv" files under ``folder`` (any depth), plus
    2024/25 from an "Underlag för analys" file when one is found and that year is missing.

    Municipality and organiser type of 2024/25 rows are filled from the nearest year in which the
    same school unit code appears.
    """
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*.csv") if "ntal elever per årskurs" in p.name and "Skolenhet" in p.name)
    if not files:
        raise SourceFileError(folder, "hittade inga filer 'Antal elever per årskurs … Skolenhet.csv'.")
    frames = [read_student_composition(p) for p in files]
    years = {int(f["school_year"].iloc[0]) for f in frames if len(f)}
    underlag = _find_underlag(folder)
    if underlag is not None:
        from likvard.sources.skolverket.underlag import read_underlag_for_analys

        units = read_underlag_for_analys(underlag)
        extra = composition_from_underlag(units)
        extra = extra[~extra["school_year"].isin(years)]
        if len(extra):
            frames.append(extra)
    out = pd.concat(frames, ignore_index=True)
    _fill_from_neighbouring_years(out)
    return out.sort_values(["school_year", "municipality_code", "school_id"], kind="stable").reset_index(drop=True)


def _find_underlag(folder: Path) -> Path | None:
    for pattern in ("*nderlag*analys*grundskola*.xlsx", "*nderlag*analys*.xlsx", "*nderlag*analys*wide*.csv"):
        found = sorted(folder.rglob(pattern))
        if found:
            return found[0]
    return None


def _fill_from_neighbouring_years(df: pd.DataFrame) -> None:
    gaps = df["municipality_code"].isna()
    if not gaps.any():
        return
    known = df[~gaps]
    rows = df.loc[gaps, ["school_id", "school_year"]]
    cand = rows.reset_index().merge(known[["school_id", "school_year", "municipality", "municipality_code", "organiser_type"]],
                                    on="school_id", suffixes=("", "_k"))
    if cand.empty:
        return
    cand["_dist"] = (cand["school_year"] - cand["school_year_k"]).abs()
    best = cand.sort_values(["index", "_dist", "school_year_k"], ascending=[True, True, False]).drop_duplicates("index")
    best = best.set_index("index")
    for col in ("municipality", "municipality_code", "organiser_type"):
        df.loc[best.index, col] = best[col].to_numpy()
