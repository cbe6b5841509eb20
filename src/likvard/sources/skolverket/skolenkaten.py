"""Skolinspektionen's Skolenkäten: the API means per school and the official Excel report.

Both give tidy rows ``school_id, school_year, respondent, area, value, n_respondents`` (the
``survey`` contract of DESIGN.md; ``school_year`` is the autumn year of the school year whose
spring the survey was answered in, e.g. VT25 -> 2024). Areas use the contract's codes (trygghet,
studiero, stod, stimulans, nojdhet, krankningar, information, ...); values are index means 0-10.
The Excel's ``*`` (too few answers) and ``-`` are kept as status, not as numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from likvard.sources.cache import cached_reader
from likvard.sources.skolverket.errors import SourceFileError
from likvard.sources.skolverket.markers import parse_numbers

API_AREAS = ("trygghet", "nojdhet", "studiero", "stod", "stimulans")
EXCEL_AREAS = {
    "information om utbildningen": "information",
    "stimulans": "stimulans",
    "stöd": "stod",
    "kritiskt tänkande": "kritiskt_tankande",
    "bemötande - lärare": "bemotande_larare",
    "bemötande - elever": "bemotande_elever",
    "inflytande": "inflytande",
    "studiero": "studiero",
    "trygghet": "trygghet",
    "förhindra kränkningar": "krankningar",
    "elevhälsa": "elevhalsa",
    "övergripande nöjdhet": "nojdhet",
}


def _term_to_year(term: pd.Series) -> pd.Series:
    """'VT25' -> 2024 (spring 2025 belongs to school year 2024/25); 'HT24' -> 2024."""
    t = term.astype(str).str.strip().str.upper()
    yy = pd.to_numeric(t.str.slice(2, 4), errors="coerce") + 2000
    return (yy - np.where(t.str.startswith("VT"), 1, 0)).astype("Int64")


@cached_reader
def read_skolenkaten_api(path: str | Path) -> pd.DataFrame:
    """Read the flattened API means (``skolenhetskod, grupp, arskurs, termin, antal_svar, trygghet …``)."""
    path = Path(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    need = {"skolenhetskod", "grupp", "termin", "antal_svar"}
    if not need <= set(raw.columns):
        raise SourceFileError(path, f"kolumner saknas: {', '.join(sorted(need - set(raw.columns)))}.")
    grade = raw.get("arskurs", pd.Series("", index=raw.index)).str.strip()
    respondent = np.where(
        raw["grupp"].str.strip() == "vardnadshavare", "guardian",
        np.where(grade == "ak5", "student_grade5", "student_grade8"),
    )
    base = pd.DataFrame(
        {
            "school_id": raw["skolenhetskod"].str.strip().str.zfill(8),
            "school_year": _term_to_year(raw["termin"]),
            "respondent": respondent,
            "n_respondents": parse_numbers(raw["antal_svar"])[0].to_numpy(),
        }
    )
    frames = []
    for area in API_AREAS:
        if area in raw.columns:
            values, status = parse_numbers(raw[area])
            frames.append(base.assign(area=area, value=values.to_numpy(), status=status.to_numpy()))
    out = pd.concat(frames, ignore_index=True)
    return out[["school_id", "school_year", "respondent", "area", "value", "n_respondents", "status"]]


@cached_reader
def read_skolenkaten_excel(path: str | Path) -> pd.DataFrame:
    """Read Skolinspektionen's Excel report (first sheet: header rows 1-3, one row per organiser or
    school unit); keeps school-unit rows and each area's index."""
    import openpyxl

    path = Path(path)
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    if len(rows) < 4 or "Skolenhetskod" not in [str(v) for v in rows[1]]:
        raise SourceFileError(path, "rad 2 saknar kolumnen 'Skolenhetskod'; är det Skolenkätens Excelrapport?")
    title = str(rows[0][0] or "")
    m = re.search(r"(20\d\d)", title) or re.search(r"(20\d\d)", path.name)
    if not m:
        raise SourceFileError(path, "enkätåret framgår varken av rubriken eller filnamnet.")
    school_year = int(m.group(1)) - 1  # answered in the spring term
    respondent = "student_grade5" if re.search(r"(?i)(åk|årskurs) ?5", title) else "student_grade8"
    header = [str(v) if v is not None else "" for v in rows[1]]
    code_col = header.index("Skolenhetskod")
    n_col = header.index("Antal") if "Antal" in header else None
    areas: list[tuple[int, str]] = []
    for j, kind in enumerate(rows[2]):
        if kind == "Index" or (kind == "Medelvärde" and "nöjdhet" in str(rows[0][j - 1] or rows[0][j] or "").lower()):
            heading = str(rows[0][j] or rows[0][j - 1] or "")
            name = re.sub(r"^\d+\.\s*", "", heading).split("(")[0].strip().lower()
            if name in EXCEL_AREAS and all(a[1] != EXCEL_AREAS[name] for a in areas):
                areas.append((j, EXCEL_AREAS[name]))
    records = []
    for r in rows[3:]:
        code = str(r[code_col] or "").strip()
        if not re.fullmatch(r"\d{8}", code):
            continue
        n = r[n_col] if n_col is not None else None
        for j, area in areas:
            v = r[j]
            records.append((code, school_year, respondent, area, v, n))
    df = pd.DataFrame(records, columns=["school_id", "school_year", "respondent", "area", "raw", "n_raw"])
    values, status = parse_numbers(df["raw"].astype(str).replace("None", ""))
    df["value"] = values.to_numpy()
    df["status"] = status.to_numpy()
    df["n_respondents"] = parse_numbers(df["n_raw"].astype(str).replace("None", ""))[0].to_numpy()
    return df[["school_id", "school_year", "respondent", "area", "value", "n_respondents", "status"]]
